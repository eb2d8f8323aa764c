/**
 * Closed-loop tracking during an event (DESIGN §3, "Commands a building can execute"): once per
 * interval, metered response is compared with plan and the rest of the window is corrected.
 *
 * Each building measured so far is expected to keep its recent deviation from its plan: its
 * delivered response (against the contractual baseline, `delivery.ts`) minus what its command asked,
 * averaged over its latest metered intervals. A natural load above the forecast, an asset that ran
 * out or an execution error all show up as such a deviation, and they persist over an hour far more
 * than they vanish. The event's expected delivery in a remaining interval is then the plan plus those
 * deviations; where it misses the target by more than the hysteresis band, the gap is either asked
 * of buildings with headroom (shortfall) or given back by the buildings asked the most (excess).
 * Within the band nothing changes, so the loop does not chatter on meter noise.
 *
 * Pure: series in, decision out.
 */

import { unaskedKw } from './commands.ts';
import type { BuildingFlexibility } from './flexibility.ts';
import type { Command } from './model/command.ts';

/** One building under a standing command, over the event's window. */
export interface TrackedBuilding {
  buildingId: string;
  /** The response its standing command asks for, kW in the event's direction (0 where nothing). */
  plannedKw: readonly number[];
  /** The part of `plannedKw` no asset is asked for (`unaskedKw` of its command: what it gives anyway, its forecast's gap): never released. */
  unaskedKw?: readonly number[] | undefined;
  /** Its response against the contractual baseline, kW; `null` where not metered (yet or at all). */
  deliveredKw: readonly (number | null)[];
}

export interface TrackingInput {
  /** The operator's target per interval of the window, kW. */
  targetsKw: readonly number[];
  /**
   * The first interval a correction may change: the one under way when the loop runs. Intervals
   * before it are over and only observed.
   */
  fromInterval: number;
  buildings: readonly TrackedBuilding[];
  /** Act only where the expected gap exceeds this share of the interval's target (0.05: 5 %). */
  hysteresis: number;
  /** How many of a building's latest metered intervals estimate its deviation (default 2). */
  memory?: number;
  /**
   * What a building never metered in the window is expected to deliver, as a share of its ask: the
   * plan's own assumption (the event's expected delivery ratio), since there is no evidence yet to
   * replace it. Default 1.
   */
  unmeteredRatio?: number;
  /**
   * What the latest plan could not cover per interval (its allocator's shortfall): where it is above
   * 0, the buildings had no headroom left when asked, and asking again is no correction.
   */
  planShortfallKw?: readonly number[];
}

export interface TrackingDecision {
  /** Per interval of the window: delivered where observed in full, expected from `fromInterval` on. */
  expectedKw: number[];
  /**
   * Per interval, kW to ask for on top of the standing commands (> 0, a shortfall) or to give back
   * (< 0, an excess); 0 before `fromInterval` and within the hysteresis band.
   */
  correctionKw: number[];
  /** Whether any interval needs a correction: a revision is due. */
  act: boolean;
  /** Per building, the deviation from plan it is expected to keep, kW (0 when never metered in the window). */
  deviationKw: Map<string, number>;
  /**
   * Buildings delivering less than asked by more than the band (of their mean ask where metered):
   * their flexibility on paper is not there, so a shortfall is never asked of them.
   */
  lagging: Set<string>;
}

/** Below this many kW a gap is never worth a revision, whatever the band says of a tiny target. */
export const MIN_CORRECTION_KW = 0.5;

/** A building's expected deviation from plan: the mean over its latest `memory` metered intervals. */
export function expectedDeviationKw(b: TrackedBuilding, fromInterval: number, memory: number): number {
  return deviationOf(b, fromInterval, memory) ?? 0;
}

function deviationOf(b: TrackedBuilding, fromInterval: number, memory: number): number | undefined {
  let sum = 0;
  let seen = 0;
  for (let t = Math.min(fromInterval, b.deliveredKw.length) - 1; t >= 0 && seen < memory; t--) {
    const d = b.deliveredKw[t];
    if (d === null || d === undefined || !Number.isFinite(d)) continue;
    sum += d - (b.plannedKw[t] ?? 0);
    seen++;
  }
  return seen === 0 ? undefined : sum / seen;
}

/** What the rest of the window is expected to deliver, and the correction it needs (see the module comment). */
export function trackingDecision(input: TrackingInput): TrackingDecision {
  const n = input.targetsKw.length;
  const from = Math.max(0, Math.min(n, Math.floor(input.fromInterval)));
  const memory = Math.max(1, Math.floor(input.memory ?? 2));
  const deviationKw = new Map<string, number>();
  const expectedKw = new Array<number>(n).fill(0);
  const observedIn = new Array<boolean>(n).fill(true);
  const ratio = input.unmeteredRatio ?? 1;
  const lagging = new Set<string>();
  for (const b of input.buildings) {
    const metered = deviationOf(b, from, memory);
    deviationKw.set(b.buildingId, metered ?? 0);
    if (metered !== undefined && -metered > Math.max(MIN_CORRECTION_KW, input.hysteresis * meanAsk(b, from)))
      lagging.add(b.buildingId);
    const expected = (t: number) => {
      const planned = b.plannedKw[t] ?? 0;
      return metered === undefined ? planned * ratio : planned + metered;
    };
    for (let t = 0; t < n; t++) {
      if (t < from) {
        const d = b.deliveredKw[t];
        if (d === null || d === undefined || !Number.isFinite(d)) observedIn[t] = false;
        else expectedKw[t] = (expectedKw[t] as number) + d;
      } else expectedKw[t] = (expectedKw[t] as number) + expected(t);
    }
  }
  const correctionKw = new Array<number>(n).fill(0);
  let act = false;
  for (let t = from; t < n; t++) {
    const target = Math.max(0, input.targetsKw[t] ?? 0);
    const gap = target - (expectedKw[t] as number);
    if (Math.abs(gap) <= Math.max(MIN_CORRECTION_KW, Math.max(0, input.hysteresis) * target)) continue;
    if (gap > 0 && (input.planShortfallKw?.[t] ?? 0) > MIN_CORRECTION_KW) continue;
    correctionKw[t] = gap;
    act = true;
  }
  // An interval before `fromInterval` not metered in full has no delivered figure: NaN says so.
  return {
    expectedKw: expectedKw.map((kw, t) => (t < from && !observedIn[t] ? Number.NaN : kw)),
    correctionKw,
    act,
    deviationKw,
    lagging,
  };
}

/** A building's mean ask over the intervals before `from` that it reported. */
function meanAsk(b: TrackedBuilding, from: number): number {
  let sum = 0;
  let seen = 0;
  for (let t = 0; t < Math.min(from, b.deliveredKw.length); t++) {
    const d = b.deliveredKw[t];
    if (d === null || d === undefined || !Number.isFinite(d)) continue;
    sum += b.plannedKw[t] ?? 0;
    seen++;
  }
  return seen === 0 ? 0 : sum / seen;
}

/**
 * Who gives back an excess: per interval with a negative correction, the buildings asked the most in
 * it lower their ask first, each at most to 0, until the excess is covered. Buildings are taken in
 * one order for the whole window (most asked over the intervals concerned first), so a release
 * touches as few buildings as it can. A building delivering less than asked (a negative deviation)
 * is taken to be at its limit: lowering its ask by the deficit changes nothing it delivers, so only
 * what is lowered beyond the deficit counts. Answers, per building touched, the kW to take off each
 * interval.
 */
export function releaseExcess(
  buildings: readonly Pick<TrackedBuilding, 'buildingId' | 'plannedKw' | 'unaskedKw'>[],
  correctionKw: readonly number[],
  deviationKw: ReadonlyMap<string, number> = new Map(),
): Map<string, number[]> {
  type Asked = Pick<TrackedBuilding, 'buildingId' | 'plannedKw' | 'unaskedKw'>;
  const n = correctionKw.length;
  const left = correctionKw.map((c) => Math.max(0, -c));
  const intervals = left.flatMap((kw, t) => (kw > 0 ? [t] : []));
  const out = new Map<string, number[]>();
  if (intervals.length === 0) return out;
  const deficit = (b: Pick<TrackedBuilding, 'buildingId'>) =>
    Math.max(0, -(deviationKw.get(b.buildingId) ?? 0));
  // only what was asked can be given back; what a building gives anyway stays
  const asked = (b: Asked, t: number) => Math.max(0, (b.plannedKw[t] ?? 0) - (b.unaskedKw?.[t] ?? 0));
  const releasable = (b: Asked, t: number) => Math.max(0, asked(b, t) - deficit(b));
  const weight = (b: Asked) => intervals.reduce((s, t) => s + releasable(b, t), 0);
  const order = buildings
    .map((b) => ({ b, w: weight(b) }))
    .filter(({ w }) => w > 0)
    .sort((x, y) => y.w - x.w || (x.b.buildingId < y.b.buildingId ? -1 : 1))
    .map(({ b }) => b);
  for (const b of order) {
    if (intervals.every((t) => (left[t] as number) <= 0)) break;
    const cut = new Array<number>(n).fill(0);
    let any = false;
    for (const t of intervals) {
      const effective = Math.min(left[t] as number, releasable(b, t));
      if (effective <= 0) continue;
      cut[t] = Math.min(asked(b, t), effective + deficit(b));
      left[t] = (left[t] as number) - effective;
      any = true;
    }
    if (any) out.set(b.buildingId, cut);
  }
  return out;
}

/** How closely an event's delivery followed its target, over the intervals with both figures. */
export interface TrackingError {
  /** Mean over those intervals of |delivered − target| / target, percent (0.1). */
  meanAbsPct: number;
  /** The worst of them, percent (0.1), and its interval's index. */
  worstPct: number;
  worstInterval: number;
  /** How many intervals were counted (a target above 0 and a delivered figure). */
  intervals: number;
}

/** Tracking error of delivered against target per interval; `undefined` when no interval has both. */
export function trackingError(
  intervals: readonly { targetKw: number | null; deliveredKw: number | null }[],
): TrackingError | undefined {
  let sum = 0;
  let count = 0;
  let worst = -1;
  let worstInterval = -1;
  intervals.forEach(({ targetKw, deliveredKw }, t) => {
    if (targetKw === null || deliveredKw === null || !(targetKw > 0)) return;
    const e = Math.abs(deliveredKw - targetKw) / targetKw;
    sum += e;
    count++;
    if (e > worst) {
      worst = e;
      worstInterval = t;
    }
  });
  if (count === 0) return undefined;
  const pct = (v: number) => Math.round(v * 1000) / 10;
  return { meanAbsPct: pct(sum / count), worstPct: pct(worst), worstInterval, intervals: count };
}

/**
 * Before the start: by how much a command planned on an older state asks more than its building can
 * give now (a heater drawing less at 17:00 than the morning state it was planned on, a battery that
 * drained since). Per interval of the command, the kW its ask must come down by so that, lowered in
 * proportion (`loweredCommand`), every asset's ask fits `flex`, the building's flexibility on its
 * latest state: each asset within its bound in each interval and its energy so far, and the sum
 * within the building's grid limit. 0 where the ask fits. An asset `flex` no longer offers fits
 * nothing; what no asset is asked for (`unaskedKw`) is never cut.
 */
export function overAskKw(command: Command, flex: BuildingFlexibility): number[] {
  const hours = command.intervalMinutes / 60;
  const n = command.responseKw.length;
  const factor = new Array<number>(n).fill(1);
  const asked = new Array<number>(n).fill(0);
  for (const a of command.assets) {
    const r = flex.resources.find((x) => x.assetId === a.assetId && x.action === a.action);
    let used = 0;
    for (let t = 0; t < n; t++) {
      const kw = a.kw[t] ?? 0;
      if (!(kw > 0)) continue;
      const energy = r ? Math.min(r.budgetKwh, r.prefixKwh?.[t] ?? Number.POSITIVE_INFINITY) - used : 0;
      const fits = r ? Math.max(0, Math.min(kw, r.upperKw[t] ?? 0, energy / hours)) : 0;
      used += fits * hours;
      factor[t] = Math.min(factor[t] as number, fits / kw);
      asked[t] = (asked[t] as number) + kw;
    }
  }
  return command.responseKw.map((r, t) => {
    const limit = flex.limitKw[t] ?? Number.POSITIVE_INFINITY;
    const a = asked[t] as number;
    const f = Math.min(factor[t] as number, a > limit ? limit / a : 1);
    const ask = Math.max(0, r - unaskedKw(command, t));
    return Math.round(ask * (1 - f) * 1000) / 1000;
  });
}
