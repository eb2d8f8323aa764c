/**
 * Which past days the first start seeds with readings: the days the seeded programs' baselines
 * read, and no more. Every reading is one item, and a disk-backed DynamoDB Local stores each in a
 * transaction of its own (a few hundred a second), so a day left out is seconds saved.
 */
import type { BaselineMethod } from '../../lib/domain/model/program.ts';
import { chinaDate, chinaMidnight, DAY_MS, HOUR_MS } from '../../lib/domain/time.ts';

export interface SeedWindow {
  /** China midnight of the oldest day kept. */
  fromMs: number;
  /** Past days kept (YYYY-MM-DD, oldest first); today is always kept up to the end. */
  days: string[];
  /** Whether a reading starting at this instant is seeded. */
  keep(intervalStartMs: number): boolean;
}

/**
 * The days before `endMs`'s China day that hold enough eligible days for every baseline: working
 * days for `WORKDAY`, rest days for `NON_WORKDAY`, both for `SAME_DAY_TYPE` (the event day may be
 * either), any for `ANY`; `HIGH_K_OF_M` counts its `m` candidates after `skipDays`. Days none of
 * them would read (the weekend under a working-day average) are left out. Looks back at most
 * `maxDays`. Today is kept from its midnight, and so are the hours a day-of adjustment reads before
 * `endMs` when they reach back into yesterday (an event at 01:00 reads 21:00–24:00 under a 4-hour
 * window; a rest day left out would leave it unsettled, `awaiting-data`).
 */
export function seedWindow(
  baselines: readonly BaselineMethod[],
  endMs: number,
  isWorkday: (date: string) => boolean,
  maxDays = 60,
): SeedWindow {
  const need = { work: 0, rest: 0, any: 0 };
  for (const b of baselines) {
    if (b.method === 'PRE_EVENT') continue;
    const n = b.method === 'N_DAY_AVERAGE' ? b.days : b.m + b.skipDays;
    const filter = b.dayFilter;
    if (filter === 'WORKDAY' || filter === 'SAME_DAY_TYPE') need.work = Math.max(need.work, n);
    if (filter === 'NON_WORKDAY' || filter === 'SAME_DAY_TYPE') need.rest = Math.max(need.rest, n);
    if (filter === 'ANY') need.any = Math.max(need.any, n);
  }
  const today = chinaMidnight(chinaDate(endMs));
  let fromMs = today;
  const days: string[] = [];
  const have = { work: 0, rest: 0, any: 0 };
  for (let i = 1; i <= maxDays; i++) {
    if (have.work >= need.work && have.rest >= need.rest && have.any >= need.any) break;
    const dayMs = today - i * DAY_MS;
    const date = chinaDate(dayMs);
    const work = isWorkday(date);
    if ((work && have.work < need.work) || (!work && have.rest < need.rest) || have.any < need.any) {
      days.unshift(date);
      fromMs = dayMs;
      have.any += 1;
      if (work) have.work += 1;
      else have.rest += 1;
    }
  }
  const kept = new Set(days);
  // An event starts at `endMs` at the earliest, so the load read before it (a day-of adjustment's
  // window, a pre-event baseline's interval) starts no earlier than this many hours before.
  const reach = Math.max(
    0,
    ...baselines.map((b) =>
      b.method === 'PRE_EVENT' ? b.minutesBefore / 60 : (b.adjustment?.fromHoursBefore ?? 0),
    ),
  );
  const fromToday = Math.min(today, endMs - reach * HOUR_MS);
  return {
    fromMs: Math.min(fromMs, chinaMidnight(chinaDate(fromToday))),
    days,
    keep: (ms) => ms >= fromToday || kept.has(chinaDate(ms)),
  };
}
