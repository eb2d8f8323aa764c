/**
 * What "delivered" means, once for every view (DESIGN §3, "Settlement"): in interval t a building
 * delivered `B_t − L_t` (peak shaving) or `L_t − B_t` (valley filling), where `B` is the program's
 * **contractual** baseline (the one settlement pays on) and `L` the building's metered average net
 * import over the interval. An event delivered, in interval t, the sum of that over the buildings
 * measured: those whose latest command was acknowledged and whose contractual baseline can be
 * computed. The live delivery route, settlement's per-interval rows, the console and the demo report
 * all call the functions here; none computes delivery on its own.
 *
 * The planning baseline (what the allocator assumed the load would be, carried by each command) is
 * reported beside it, named as such: it is what the plan was built on, never what is measured against.
 *
 * Pure: readings and baselines in, figures out; no I/O, no clock.
 */
import type { Command } from './model/command.ts';
import type { Direction, IntervalMinutes } from './model/common.ts';
import type { MeterReading } from './model/telemetry.ts';
import { readingKw } from './model/telemetry.ts';
import { MINUTE_MS, toMs } from './time.ts';

/** kW and kWh are shown to 0.1: finer than any meter's accuracy, coarse enough to read. */
export function displayKw(kw: number): number {
  // Through 12 significant digits first, so 0.05 stored as 0.04999… rounds up as written.
  const tenths = Number((kw * 10).toPrecision(12));
  // `+ 0` turns −0 into 0.
  return (Math.sign(tenths) * Math.round(Math.abs(tenths))) / 10 + 0;
}

/**
 * The response of one building in one interval, kW in the event's direction: `B − L` for peak
 * shaving (less import), `L − B` for valley filling (more import). Negative when it moved the wrong way.
 */
export function responseKw(direction: Direction, baselineKw: number, meteredKw: number): number {
  return direction === 'PEAK_SHAVING' ? baselineKw - meteredKw : meteredKw - baselineKw;
}

/** A building's response per interval against its contractual baseline; `null` where not metered. */
export function measuredResponseKw(
  direction: Direction,
  baselineKw: readonly number[],
  meteredKw: readonly (number | null)[],
): (number | null)[] {
  return meteredKw.map((m, t) => (m === null ? null : responseKw(direction, baselineKw[t] as number, m)));
}

/** A window of intervals: the event's. */
export interface IntervalWindow {
  start: string;
  intervalMinutes: number;
  /** Number of intervals. */
  intervals: number;
}

/**
 * A building's metered average net import per interval of `window`, kW; `null` where its readings do
 * not cover the whole interval yet. A reading on the interval's own grid (same start and length) is
 * taken as it is; otherwise readings of any length count by their overlap (a 30-minute reading gives
 * both of its 15-minute intervals its average).
 */
export function meteredPerInterval(
  window: IntervalWindow,
  readings: readonly MeterReading[],
): (number | null)[] {
  const n = window.intervals;
  const step = window.intervalMinutes * MINUTE_MS;
  const t0 = toMs(window.start);
  const exact = new Array<number | undefined>(n).fill(undefined);
  const coverage = new Array<number>(n).fill(0);
  const energy = new Array<number>(n).fill(0);
  for (const r of readings) {
    const kw = readingKw(r);
    if (!Number.isFinite(kw)) continue;
    const rs = toMs(r.intervalStart);
    const re = rs + r.intervalMinutes * MINUTE_MS;
    if (re - rs === step && (rs - t0) % step === 0) {
      const t = (rs - t0) / step;
      if (t >= 0 && t < n) exact[t] = kw;
      continue;
    }
    const first = Math.max(0, Math.floor((rs - t0) / step));
    const last = Math.min(n - 1, Math.floor((re - 1 - t0) / step));
    for (let t = first; t <= last; t++) {
      const overlap = Math.min(re, t0 + (t + 1) * step) - Math.max(rs, t0 + t * step);
      if (overlap <= 0) continue;
      coverage[t] = (coverage[t] as number) + overlap;
      energy[t] = (energy[t] as number) + kw * overlap;
    }
  }
  return exact.map((kw, t) => {
    if (kw !== undefined) return kw;
    const covered = coverage[t] as number;
    return covered >= step ? (energy[t] as number) / covered : null;
  });
}

/**
 * The buildings an event's delivery is measured over: per building, its latest dispatch command, when
 * that command was acknowledged. Settlement settles exactly these; the live view shows exactly these.
 */
export function measuredCommands<
  T extends { status: string; command: Pick<Command, 'kind' | 'buildingId' | 'revision'> },
>(records: Iterable<T>): T[] {
  const latest = new Map<string, T>();
  for (const r of records) {
    if (r.command.kind !== 'DISPATCH' || r.status !== 'ACKNOWLEDGED') continue;
    const seen = latest.get(r.command.buildingId);
    if (!seen || seen.command.revision < r.command.revision) latest.set(r.command.buildingId, r);
  }
  return [...latest.values()];
}

/** One building measured: its series over the event's window, one value per interval. */
export interface MeasuredBuilding {
  buildingId: string;
  /** The response its command asked for, kW in the event's direction (0 where it asked nothing). */
  plannedKw: readonly number[];
  /** The planning baseline its command was built on, when known. */
  planningBaselineKw?: readonly number[] | undefined;
  /** The program's contractual baseline, kW net import. */
  baselineKw: readonly number[];
  /** Metered average net import, kW; `null` where not reported (yet). */
  meteredKw: readonly (number | null)[];
  /**
   * Settled past the program's data deadline: an interval without a reading counts as 0 delivered
   * (the missing-data rule), rather than leaving the interval unmeasured.
   */
  missingAsZero?: boolean | undefined;
}

/** A building whose delivery cannot be measured yet, and why: never counted as 0 silently. */
export interface UnmeasuredBuilding {
  buildingId: string;
  parkId: string;
  /** What would let it be measured: more meter readings, or the working calendar of a year. */
  needs: 'readings' | 'calendar';
  reason: string;
}

/** One interval of an event's delivery. kW figures are rounded to 0.1 ({@link displayKw}). */
export interface DeliveryInterval {
  start: string;
  /** The operator's target; `null` for a park manager, and where no target is known. */
  targetKw: number | null;
  /** Σ of the response the measured buildings' commands asked for. */
  plannedKw: number;
  /**
   * Σ of the measured buildings' planning baselines: what the plan assumed their load would be.
   * Delivery is not measured against it. `null` where not known (a settlement does not keep it).
   */
  planningBaselineKw: number | null;
  /** Σ of their contractual baselines (the program's method, the one settlement uses); `null` with no building measured. */
  baselineKw: number | null;
  /** Σ of their metered load; `null` until every one of them has reported the whole interval. */
  meteredKw: number | null;
  /** Σ of their response against the contractual baseline; `null` until every one has reported. */
  deliveredKw: number | null;
}

/** An event's delivery per interval over the buildings measured, and what could not be measured. */
export interface MeasuredDelivery {
  /** How many buildings the figures cover. */
  buildings: number;
  /** Buildings left out because their contractual baseline or readings are missing, and why. */
  unmeasured: UnmeasuredBuilding[];
  intervals: DeliveryInterval[];
  /** Σ delivered × Δ over the intervals with a figure, kWh (0.1). */
  deliveredKwh: number;
  /** Mean delivered kW over the whole window, once every interval has a figure (0.1); else `null`. */
  meanDeliveredKw: number | null;
}

/**
 * Sums buildings' response against the contractual baseline per interval (see the module comment).
 * Sums are computed from the exact figures and rounded once, so every view shows the same numbers.
 */
export function measureDelivery(
  window: IntervalWindow & { type: Direction; targetsKw?: readonly number[] | undefined },
  buildings: readonly MeasuredBuilding[],
  unmeasured: readonly UnmeasuredBuilding[] = [],
): MeasuredDelivery {
  const n = window.intervals;
  const step = window.intervalMinutes * MINUTE_MS;
  const t0 = toMs(window.start);
  const hours = window.intervalMinutes / 60;
  const exact: (number | null)[] = [];
  const intervals = Array.from({ length: n }, (_, t): DeliveryInterval => {
    let planned = 0;
    let planning: number | null = 0;
    let baseline = 0;
    let metered: number | null = 0;
    let delivered: number | null = 0;
    for (const b of buildings) {
      planned += b.plannedKw[t] ?? 0;
      const p = b.planningBaselineKw?.[t];
      planning = planning === null || p === undefined ? null : planning + p;
      const base = b.baselineKw[t] as number;
      baseline += base;
      const m = b.meteredKw[t] ?? null;
      if (m === null) {
        metered = null;
        if (!b.missingAsZero) delivered = null;
        continue;
      }
      if (metered !== null) metered += m;
      if (delivered !== null) delivered += responseKw(window.type, base, m);
    }
    const none = buildings.length === 0;
    exact.push(none ? null : delivered);
    return {
      start: new Date(t0 + t * step).toISOString(),
      targetKw: window.targetsKw?.[t] ?? null,
      plannedKw: displayKw(planned),
      planningBaselineKw: none || planning === null ? null : displayKw(planning),
      baselineKw: none ? null : displayKw(baseline),
      meteredKw: none || metered === null ? null : displayKw(metered),
      deliveredKw: none || delivered === null ? null : displayKw(delivered),
    };
  });
  const known = exact.filter((d): d is number => d !== null);
  const total = known.reduce((s, d) => s + d, 0);
  return {
    buildings: buildings.length,
    unmeasured: [...unmeasured],
    intervals,
    deliveredKwh: displayKw(total * hours),
    meanDeliveredKw: n > 0 && known.length === n ? displayKw(total / n) : null,
  };
}

/**
 * A command's series laid over the event's window: its value in each window interval, `fill` before
 * it starts or after it ends (a redispatched command may start later than the event).
 */
export function overWindow(
  window: IntervalWindow,
  command: Pick<Command, 'start'>,
  series: readonly number[],
  fill = 0,
): number[] {
  const offset = Math.round(
    (toMs(command.start) - toMs(window.start)) / (window.intervalMinutes * MINUTE_MS),
  );
  return Array.from({ length: window.intervals }, (_, t) => series[t - offset] ?? fill);
}

/** An event's delivery so far (`GET /events/{eventId}/delivery`). */
export interface DeliveryView extends MeasuredDelivery {
  eventId: string;
  type: Direction;
  status: string;
  start: string;
  end: string;
  intervalMinutes: IntervalMinutes;
  /** What delivery is measured against: the program's contractual baseline, by its method. */
  measuredAgainst: { programId: string; baseline: string };
  /** Buildings whose latest command stands but has no answer yet: not measured until acknowledged. */
  awaitingAnswer: number;
}
