/**
 * Live delivery of an event while it runs: per interval, what the commanded buildings were asked
 * for, their planning baseline, and what their meters say so far. It is an operational view, not a
 * settlement: settlement draws the program's contractual baseline from readings (settlement.ts).
 */
import type { Command } from './model/command.ts';
import type { Direction, IntervalMinutes } from './model/common.ts';
import { intervalCount } from './model/grid-event.ts';
import { type MeterReading, readingKw } from './model/telemetry.ts';
import { MINUTE_MS, toMs } from './time.ts';

export interface DeliveryInterval {
  start: string;
  /** The operator's target; absent from a park manager's view. */
  targetKw: number | null;
  /** Sum of the commanded response of the buildings in view. */
  plannedKw: number;
  /** Sum of their planning baselines. */
  baselineKw: number;
  /** Sum of their metered load, once every one of them has reported the whole interval. */
  meteredKw: number | null;
  /** Baseline minus metered (peak shaving) or metered minus baseline (valley filling). */
  deliveredKw: number | null;
}

export interface DeliveryWindow {
  type: Direction;
  start: string;
  end: string;
  intervalMinutes: IntervalMinutes;
  targetsKw?: readonly number[] | undefined;
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * Folds the active commands (one per building) and their buildings' readings into per-interval
 * figures. A command's series may start later than the event (a redispatch); readings of any
 * length count by their overlap with each interval.
 */
export function liveDelivery(
  window: DeliveryWindow,
  commands: readonly Command[],
  readings: ReadonlyMap<string, readonly MeterReading[]>,
): DeliveryInterval[] {
  const n = intervalCount(window);
  const step = window.intervalMinutes * MINUTE_MS;
  const t0 = toMs(window.start);
  const planned = new Array<number>(n).fill(0);
  const baseline = new Array<number>(n).fill(0);
  const metered = new Array<number>(n).fill(0);
  const complete = new Array<boolean>(n).fill(commands.length > 0);

  for (const c of commands) {
    const offset = Math.round((toMs(c.start) - t0) / step);
    const coverage = new Array<number>(n).fill(0);
    const energy = new Array<number>(n).fill(0);
    for (const r of readings.get(c.buildingId) ?? []) {
      const rs = toMs(r.intervalStart);
      const re = rs + r.intervalMinutes * MINUTE_MS;
      const first = Math.max(0, Math.floor((rs - t0) / step));
      const last = Math.min(n - 1, Math.floor((re - 1 - t0) / step));
      for (let t = first; t <= last; t++) {
        const overlap = Math.min(re, t0 + (t + 1) * step) - Math.max(rs, t0 + t * step);
        if (overlap <= 0) continue;
        coverage[t] = (coverage[t] as number) + overlap;
        energy[t] = (energy[t] as number) + readingKw(r) * overlap;
      }
    }
    for (let t = 0; t < n; t++) {
      const k = t - offset;
      // Before a redispatched command starts, its building is not part of the response.
      if (k < 0 || k >= c.responseKw.length) continue;
      planned[t] = (planned[t] as number) + (c.responseKw[k] as number);
      baseline[t] = (baseline[t] as number) + (c.baselineKw[k] ?? 0);
      if ((coverage[t] as number) < step) complete[t] = false;
      else metered[t] = (metered[t] as number) + (energy[t] as number) / step;
    }
  }

  const sign = window.type === 'PEAK_SHAVING' ? 1 : -1;
  return planned.map((p, t) => {
    const m = complete[t] ? round(metered[t] as number) : null;
    return {
      start: new Date(t0 + t * step).toISOString(),
      targetKw: window.targetsKw ? (window.targetsKw[t] ?? null) : null,
      plannedKw: round(p),
      baselineKw: round(baseline[t] as number),
      meteredKw: m,
      deliveredKw: m === null ? null : round(sign * ((baseline[t] as number) - m)),
    };
  });
}

/** An event's delivery so far (`GET /events/{eventId}/delivery`). */
export interface DeliveryView {
  eventId: string;
  type: Direction;
  status: string;
  start: string;
  end: string;
  intervalMinutes: number;
  /** Buildings with an active command in view. */
  buildings: number;
  intervals: DeliveryInterval[];
}
