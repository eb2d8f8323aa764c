/**
 * Time-of-use electricity tariffs as program data: per grid zone, seasons by month-day (a season may
 * wrap the year end, like the heating season), and per season the periods of the day by China clock
 * time (a period may wrap midnight, like the 蒙西 heating valley 18:00–08:00), each with its price.
 * Validation makes a zone's seasons cover every day of the year exactly once and a season's periods
 * cover the 24 hours exactly once, so a price lookup can never fall in a gap or between two prices.
 */
import * as z from 'zod';
import { Id, YuanPerKwh } from './common.ts';

/**
 * Kinds of time-of-use period. 尖峰 (sharp peak) is left out: no tariff this project draws on
 * (DESIGN §3, the seed texts) has one; add it here when a zone's published tariff does.
 */
export const PeriodKind = z.enum(['PEAK', 'FLAT', 'VALLEY']);
/** PEAK 峰, FLAT 平, VALLEY 谷. */
export type PeriodKind = z.infer<typeof PeriodKind>;
export const PERIOD_KINDS: readonly PeriodKind[] = PeriodKind.options;

const MINUTES_PER_DAY = 24 * 60;

/** `HH:MM`, China clock time, `00:00`–`23:59`; `24:00` only as the end of a period. */
export const ClockTime = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected HH:MM between 00:00 and 24:00');

/** Minutes since midnight of an `HH:MM` clock time (`24:00` is 1440). */
export function clockMinutes(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** `MM-DD` of a day that exists in a leap year (`02-29` included). */
export const MonthDay = z
  .string()
  .regex(/^\d{2}-\d{2}$/, 'expected MM-DD')
  .refine((md) => {
    const ms = Date.parse(`2024-${md}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().slice(5, 10) === md;
  }, 'not a day of the year');

/**
 * One period of the day: `[from, to)` in China clock time. When `to` is not after `from` the period
 * wraps midnight (`18:00`–`08:00` is 18:00 to 24:00 and 00:00 to 08:00).
 */
export const TouPeriod = z
  .strictObject({
    kind: PeriodKind,
    from: ClockTime,
    to: ClockTime,
    yuanPerKwh: YuanPerKwh,
  })
  .superRefine((p, ctx) => {
    if (p.from === '24:00')
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'a period starts at 23:59 at the latest' });
    else if (clockMinutes(p.from) === clockMinutes(p.to) % MINUTES_PER_DAY && p.to !== '24:00')
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `a period from ${p.from} to ${p.to} is empty; for the whole day write 00:00–24:00`,
      });
  });
export type TouPeriod = z.infer<typeof TouPeriod>;

/** Whether a period covers minute `m` (0–1439) of the day. */
export function periodCovers(p: Pick<TouPeriod, 'from' | 'to'>, m: number): boolean {
  const from = clockMinutes(p.from);
  const to = clockMinutes(p.to);
  return from < to ? m >= from && m < to : m >= from || m < to;
}

/**
 * A season: the days `from`–`to` (both included, by China local date; wrapping the year end when
 * `to` comes before `from`) and the periods of each of its days.
 */
export const TariffSeason = z
  .strictObject({
    /** For reports and messages, e.g. `heating` (供暖季). */
    name: z.string().min(1).max(100),
    from: MonthDay,
    to: MonthDay,
    periods: z.array(TouPeriod).min(1).max(48),
    /** Where the periods and prices come from (the tariff notice, or why they are a placeholder). */
    source: z.string().min(1).max(1_000),
    /**
     * The prices are not from a published tariff but stand in until an operator enters it; reports
     * say so next to every figure computed from them.
     */
    placeholder: z.boolean().default(false),
  })
  .superRefine((s, ctx) => {
    for (const issue of coverageIssues(
      MINUTES_PER_DAY,
      s.periods.map((p) => (m: number) => periodCovers(p, m)),
      minuteLabel,
      (i) => `period ${i} (${s.periods[i]?.kind} ${s.periods[i]?.from}–${s.periods[i]?.to})`,
      'of the day',
    ))
      ctx.addIssue({ code: 'custom', path: ['periods'], message: `season '${s.name}': ${issue}` });
  });
export type TariffSeason = z.infer<typeof TariffSeason>;

/** Whether a season includes the day `MM-DD`. */
export function seasonIncludes(s: Pick<TariffSeason, 'from' | 'to'>, monthDay: string): boolean {
  return s.from <= s.to ? monthDay >= s.from && monthDay <= s.to : monthDay >= s.from || monthDay <= s.to;
}

/** The tariff of one grid zone: its seasons, which together cover the year exactly once. */
export const ZoneTariff = z
  .strictObject({
    /** The zone buildings carry (`Building.zone`), e.g. `mengxi`. */
    zone: Id,
    name: z.string().min(1).max(200),
    seasons: z.array(TariffSeason).min(1).max(12),
  })
  .superRefine((t, ctx) => {
    for (const issue of coverageIssues(
      DAYS_OF_YEAR.length,
      t.seasons.map((s) => (d: number) => seasonIncludes(s, DAYS_OF_YEAR[d] as string)),
      (d) => DAYS_OF_YEAR[d] ?? '12-31',
      (i) => `season ${i} ('${t.seasons[i]?.name}' ${t.seasons[i]?.from}–${t.seasons[i]?.to})`,
      'of the year',
    ))
      ctx.addIssue({ code: 'custom', path: ['seasons'], message: `zone '${t.zone}': ${issue}` });
  });
export type ZoneTariff = z.infer<typeof ZoneTariff>;
export type ZoneTariffInput = z.input<typeof ZoneTariff>;

/** A program's tariffs: at most one per zone. */
export const Tariffs = z
  .array(ZoneTariff)
  .min(1)
  .max(50)
  .superRefine((ts, ctx) => {
    const seen = new Set<string>();
    ts.forEach((t, i) => {
      if (seen.has(t.zone))
        ctx.addIssue({ code: 'custom', path: [i, 'zone'], message: `zone '${t.zone}' has two tariffs` });
      seen.add(t.zone);
    });
  });
export type Tariffs = z.infer<typeof Tariffs>;

/** The tariff of `zone`, if the program has one. */
export function zoneTariff(tariffs: Tariffs | undefined, zone: string): ZoneTariff | undefined {
  return tariffs?.find((t) => t.zone === zone);
}

/** Every `MM-DD` of a leap year, in order: the slots seasons must cover. */
const DAYS_OF_YEAR: readonly string[] = Array.from({ length: 366 }, (_, d) =>
  new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(5, 10),
);

function minuteLabel(m: number): string {
  const h = Math.floor(m / 60);
  return `${String(h).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/**
 * What keeps `parts` from covering the `slots` slots (minutes of a day, days of a year) exactly once,
 * as sentences: the ranges nothing covers, and the ranges two or more parts cover.
 */
function coverageIssues(
  slots: number,
  parts: readonly ((slot: number) => boolean)[],
  label: (slot: number) => string,
  describe: (part: number) => string,
  whole: string,
): string[] {
  const owners: string[] = [];
  for (let s = 0; s < slots; s++)
    owners.push(
      parts
        .map((covers, i) => (covers(s) ? i : -1))
        .filter((i) => i >= 0)
        .join(','),
    );
  const issues: string[] = [];
  // Runs of slots with the same owners; the end label is exclusive for minutes (`08:00–09:00`)
  // and inclusive for days (`04-16–10-14`).
  const inclusive = slots !== MINUTES_PER_DAY;
  for (let s = 0; s < slots; ) {
    let e = s;
    while (e + 1 < slots && owners[e + 1] === owners[s]) e++;
    const who = owners[s] as string;
    const range = !inclusive ? `${label(s)}–${label(e + 1)}` : s === e ? label(s) : `${label(s)}–${label(e)}`;
    if (who === '') issues.push(`nothing covers ${range} ${whole}`);
    else if (who.includes(','))
      issues.push(
        `${who
          .split(',')
          .map((i) => describe(Number(i)))
          .join(' and ')} overlap at ${range}`,
      );
    s = e + 1;
  }
  return issues;
}
