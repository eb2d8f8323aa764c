/**
 * Settlement (DESIGN §3): what a building delivered in an event, measured against its baseline,
 * and what the program's rule table pays or charges for it. Pure: readings in, figures out. Every
 * figure can be recomputed by hand from the per-interval rows and the rules the result carries.
 */
import { responseKw } from './delivery.ts';
import { ValidationError } from './errors.ts';
import type { Direction } from './model/common.ts';
import { SettlementRules } from './model/program.ts';
import { CHINA_OFFSET_MS, HOUR_MS, MINUTE_MS } from './time.ts';
import { parseOrThrow } from './validate.ts';

/** Over what delivery is judged ({@link SettlementRules} `evaluation`; absent means `EVENT`). */
export type SettlementEvaluation = NonNullable<SettlementRules['evaluation']>;

/**
 * Ratios within this distance below a threshold count as reaching it, so that a delivery of exactly
 * 80 % written in decimals is not refused because its mean came out at 0.7999999999999999.
 */
export const RATIO_TOLERANCE = 1e-9;

/** Everything one building's settlement is computed from. All arrays have one value per interval. */
export interface SettlementInput {
  buildingId: string;
  parkId: string;
  direction: Direction;
  rules: SettlementRules;
  intervalMinutes: number;
  /** Response committed per interval (the command's response), kW, ≥ 0. */
  declaredKw: readonly number[];
  /** Baseline net import per interval, kW (negative when exporting). */
  baselineKw: readonly number[];
  /** Metered average net import per interval, kW; `null` when the reading is missing. */
  actualKw: readonly (number | null)[];
  /**
   * Start of the first interval, epoch ms. Required when the rules evaluate per `HOUR` (the periods
   * are China clock hours) or per `INTERVAL` (each period carries its start); optional for `EVENT`.
   */
  startMs?: number;
}

/** One interval of a settlement, as it entered the computation. */
export interface SettlementInterval {
  baselineKw: number;
  /** `null` when the reading was missing; the interval then counts as 0 delivered. */
  actualKw: number | null;
  /** `B − L` (peak shaving) or `L − B` (valley filling), {@link responseKw}; 0 when the reading is missing. */
  deliveredKw: number;
  declaredKw: number;
}

/**
 * One period delivery was judged over: the whole event (`EVENT`), one China clock hour or the part
 * of it the window covers (`HOUR`), or one interval (`INTERVAL`). Its figures mean what the event's
 * do in an `EVENT` settlement, computed over the period's intervals only.
 */
export interface SettlementPeriod {
  /**
   * Start of the period's first interval, epoch ms (13:30 China time for an hour the event enters
   * at 13:30); `null` for an `EVENT` settlement computed without `startMs`.
   */
  startMs: number | null;
  /** How many intervals the period holds; its duration is `intervals × intervalMinutes / 60` h. */
  intervals: number;
  /** `P_d` of the period: mean of the declared kW over its intervals. */
  declaredKw: number;
  /** `ΔP` of the period: mean of the delivered kW over its intervals. */
  deliveredKw: number;
  /** `ΔP/P_d` of the period; `null` when nothing was committed in it. */
  ratio: number | null;
  /** Quantity paid for the period (threshold, cap and excess share applied to the period alone). */
  paidKw: number;
  /** Shortfall the period's penalty is charged on, before its multiplier. */
  penaltyKw: number;
  /**
   * The period's share of the event's rounded payment: the running total rounded to 0.01 ¥ after
   * this period minus the running total rounded before it, so the periods add up to the event's
   * `paymentYuan` to the cent and each is within 0.01 ¥ of its exact figure.
   */
  paymentYuan: number;
  /** The period's share of the event's rounded penalty, apportioned as `paymentYuan` is. */
  penaltyYuan: number;
}

/**
 * One building's settlement for one event. kW figures are unrounded; money is rounded to 0.01 ¥.
 *
 * Under `HOUR` or `INTERVAL` evaluation the event-level figures summarize the periods: `declaredKw`,
 * `deliveredKw` and `ratio` are still the event's means (so they match an `EVENT` settlement of the
 * same readings), `cappedKw`, `paidKw` and `penaltyKw` are the periods' means weighted by duration,
 * and money is the sum over periods. With those definitions the `EVENT` formulas still hold at the
 * event level: exact payment = `price × paidKw × durationHours` (¥/kWh) or `price × paidKw` (¥/kW).
 */
export interface BuildingSettlement {
  buildingId: string;
  parkId: string;
  direction: Direction;
  /** The rules applied, with their defaults filled in, so the result is self-contained. */
  rules: SettlementRules;
  /** The rules' `evaluation`, `EVENT` when they leave it out. */
  evaluation: SettlementEvaluation;
  intervalMinutes: number;
  intervals: SettlementInterval[];
  /** The periods judged, in time order: one for `EVENT`, one per clock hour or per interval otherwise. */
  periods: SettlementPeriod[];
  /** `P_d`: mean of the declared kW over the event. */
  declaredKw: number;
  /** `ΔP`: mean of the delivered kW over the event; negative when the building moved the wrong way. */
  deliveredKw: number;
  /**
   * `r = ΔP/P_d` over the event; `null` when nothing was committed (`P_d = 0`). Under `HOUR` or
   * `INTERVAL` it describes the event but does not decide payment: each period's ratio does.
   */
  ratio: number | null;
  /**
   * `min(ΔP, maxRatio·P_d)` when the ratio reaches `minRatio` and ΔP > 0, else 0; under `HOUR` or
   * `INTERVAL`, the duration-weighted mean of that figure per period.
   */
  cappedKw: number;
  /**
   * Quantity paid at full price: `cappedKw`, with the part above `excess.aboveRatio·P_d` weighted by
   * `excess.paidShare`; under `HOUR` or `INTERVAL`, the duration-weighted mean of the periods' `paidKw`.
   */
  paidKw: number;
  /**
   * Shortfall the penalty is charged on, before its multiplier: `max(belowRatio·P_d − max(ΔP, 0), 0)`;
   * under `HOUR` or `INTERVAL`, the duration-weighted mean of the periods' `penaltyKw`.
   */
  penaltyKw: number;
  /** Σ of the periods' exact payments, rounded once; equal to the sum of the periods' `paymentYuan`. */
  paymentYuan: number;
  /** Σ of the periods' exact penalties, rounded once; equal to the sum of the periods' `penaltyYuan`. */
  penaltyYuan: number;
  /** `paymentYuan − penaltyYuan`, from the rounded figures so the lines of a statement add up. */
  netYuan: number;
  /** The money figures before rounding, for audits and aggregations that must not round twice. */
  exact: { paymentYuan: number; penaltyYuan: number; netYuan: number };
  /** `Σ deliveredKw·Δ` over the event (equal to `ΔP × durationHours`). */
  deliveredKwh: number;
  /** `intervals × intervalMinutes / 60`. */
  durationHours: number;
  /** Indices of the intervals whose reading was missing. */
  missingIntervals: number[];
}

/** The sum of a park's building settlements for one event. */
export interface ParkSettlement {
  parkId: string;
  /** The buildings' common direction; `null` when no building was settled. */
  direction: Direction | null;
  buildingCount: number;
  buildingIds: string[];
  /** Σ of the buildings' `P_d`, kW. */
  declaredKw: number;
  /** Σ of the buildings' `ΔP`, kW. */
  deliveredKw: number;
  deliveredKwh: number;
  /** Σ of the buildings' rounded payments, so the park total equals the sum of its lines. */
  paymentYuan: number;
  penaltyYuan: number;
  netYuan: number;
}

/**
 * Settles one building for one event under `rules` (DESIGN §3, {@link SettlementRules}).
 *
 * Steps:
 * 1. validate the input (equal, non-empty lengths; finite numbers; commitments ≥ 0; `startMs` when
 *    the rules evaluate per hour or interval) and the rules;
 * 2. delivered per interval `B − L` (peak) or `L − B` (valley), a missing reading counting as 0;
 * 3. cut the event into periods: the whole event (`EVENT`), China clock hours (`HOUR`: an interval
 *    belongs to the hour its start lies in, so a partial hour at either edge is a period of its
 *    own), or single intervals (`INTERVAL`);
 * 4. per period, `P_d` and `ΔP` as means over its intervals, `r = ΔP/P_d` (`null` when `P_d = 0`);
 *    payment on `min(ΔP, maxRatio·P_d)` if `r ≥ minRatio`, the excess weighted by its share;
 *    penalty on `max(belowRatio·P_d − max(ΔP, 0), 0) × multiplier`;
 * 5. money per period: `price × kW × periodHours` (YUAN_PER_KWH), or `price × kW × periodHours /
 *    durationHours` (YUAN_PER_KW: paid once per response, each period weighted by its share of the
 *    event's duration, so equal periods pay exactly what the event would);
 * 6. the event's money is the sum of the periods' exact figures, rounded once to 0.01 ¥; each
 *    period's rounded figure is its share of that total (see {@link SettlementPeriod.paymentYuan}).
 *
 * @throws ValidationError naming every offending field.
 */
export function settleBuilding(input: SettlementInput): BuildingSettlement {
  const { buildingId, parkId, direction, intervalMinutes, declaredKw, baselineKw, actualKw } = input;
  validateInput(input);
  const rules = parseOrThrow(SettlementRules, input.rules, `settlement rules for building ${buildingId}`);
  const evaluation = rules.evaluation ?? 'EVENT';

  const n = declaredKw.length;
  const intervalHours = intervalMinutes / 60;
  const missingIntervals: number[] = [];
  const intervals = declaredKw.map((declared, t): SettlementInterval => {
    const baseline = baselineKw[t] as number;
    const actual = actualKw[t] ?? null;
    if (actual === null) missingIntervals.push(t);
    // A missing reading cannot prove any response, so it earns nothing rather than the baseline's guess.
    const delivered = actual === null ? 0 : responseKw(direction, baseline, actual);
    return { baselineKw: baseline, actualKw: actual, deliveredKw: delivered, declaredKw: declared };
  });

  const durationHours = n * intervalHours;
  const deliveredKwh = sum(intervals.map((i) => i.deliveredKw * intervalHours));
  const judged = cutPeriods(evaluation, n, intervalMinutes, input.startMs).map((p) => {
    const verdict = judgePeriod(rules, intervals.slice(p.first, p.first + p.count));
    const share = p.count / n;
    // ¥/kW is paid once per response: a period earns its share of it, so that periods delivering
    // alike add up to the EVENT figure.
    const yuanPerKw =
      rules.unit === 'YUAN_PER_KWH' ? rules.price * (p.count * intervalHours) : rules.price * share;
    const exactPayment = verdict.paidKw * yuanPerKw;
    const exactPenalty = rules.penalty ? verdict.penaltyKw * rules.penalty.multiplier * yuanPerKw : 0;
    return { ...p, ...verdict, share, exactPayment, exactPenalty };
  });
  const [only] = judged;
  // With one period (EVENT) its figures are the event's as they are, free of weighting noise.
  const weighted = (pick: (p: (typeof judged)[number]) => number): number =>
    judged.length === 1 && only ? pick(only) : sum(judged.map((p) => pick(p) * p.share));

  const pd = sum(intervals.map((i) => i.declaredKw)) / n;
  const dp = sum(intervals.map((i) => i.deliveredKw)) / n;
  const exactPayment = sum(judged.map((p) => p.exactPayment));
  const exactPenalty = sum(judged.map((p) => p.exactPenalty));
  const payments = apportionYuan(judged.map((p) => p.exactPayment));
  const penalties = apportionYuan(judged.map((p) => p.exactPenalty));
  const paymentYuan = roundYuan(exactPayment);
  const penaltyYuan = roundYuan(exactPenalty);

  return {
    buildingId,
    parkId,
    direction,
    rules,
    evaluation,
    intervalMinutes,
    intervals,
    periods: judged.map((p, i) => ({
      startMs: p.startMs,
      intervals: p.count,
      declaredKw: p.declaredKw,
      deliveredKw: p.deliveredKw,
      ratio: p.ratio,
      paidKw: p.paidKw,
      penaltyKw: p.penaltyKw,
      paymentYuan: payments[i] as number,
      penaltyYuan: penalties[i] as number,
    })),
    declaredKw: pd,
    deliveredKw: dp,
    ratio: pd > 0 ? dp / pd : null,
    cappedKw: weighted((p) => p.cappedKw),
    paidKw: weighted((p) => p.paidKw),
    penaltyKw: weighted((p) => p.penaltyKw),
    paymentYuan,
    penaltyYuan,
    netYuan: roundYuan(paymentYuan - penaltyYuan),
    exact: { paymentYuan: exactPayment, penaltyYuan: exactPenalty, netYuan: exactPayment - exactPenalty },
    deliveredKwh,
    durationHours,
    missingIntervals,
  };
}

/**
 * Sums the settlements of one park's buildings for one event.
 *
 * @throws ValidationError when a building belongs to another park, appears twice, or the buildings
 * do not share one direction (their deliveries would not add up to anything meaningful).
 */
export function settlePark(parkId: string, buildings: readonly BuildingSettlement[]): ParkSettlement {
  const issues: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  const direction = buildings[0]?.direction ?? null;
  buildings.forEach((b, i) => {
    if (b.parkId !== parkId) {
      issues.push({
        path: `buildings.${i}`,
        message: `building ${b.buildingId} belongs to park ${b.parkId}`,
      });
    }
    if (seen.has(b.buildingId)) {
      issues.push({ path: `buildings.${i}`, message: `building ${b.buildingId} is settled twice` });
    }
    seen.add(b.buildingId);
    if (b.direction !== direction) {
      issues.push({
        path: `buildings.${i}`,
        message: `building ${b.buildingId} settles ${b.direction} but building 0 settles ${direction}`,
      });
    }
  });
  if (issues.length > 0) throwIssues(`invalid settlement of park ${parkId}`, issues);

  const paymentYuan = roundYuan(sum(buildings.map((b) => b.paymentYuan)));
  const penaltyYuan = roundYuan(sum(buildings.map((b) => b.penaltyYuan)));
  return {
    parkId,
    direction,
    buildingCount: buildings.length,
    buildingIds: buildings.map((b) => b.buildingId),
    declaredKw: sum(buildings.map((b) => b.declaredKw)),
    deliveredKw: sum(buildings.map((b) => b.deliveredKw)),
    deliveredKwh: sum(buildings.map((b) => b.deliveredKwh)),
    paymentYuan,
    penaltyYuan,
    netYuan: roundYuan(paymentYuan - penaltyYuan),
  };
}

/**
 * Rounds to 0.01 ¥, half away from zero. Going through 15 significant digits first removes the
 * binary noise that would turn 1.005 (stored as 1.00499999…) into 1.00.
 */
export function roundYuan(yuan: number): number {
  const cents = Number((yuan * 100).toPrecision(15));
  const rounded = Math.sign(cents) * Math.round(Math.abs(cents));
  // `+ 0` turns −0 into 0, which would otherwise print as "-0" in statements.
  return rounded / 100 + 0;
}

/** Intervals `[first, first + count)` of one period, and the start of its first interval. */
interface PeriodSpan {
  first: number;
  count: number;
  startMs: number | null;
}

/** Cuts `n` intervals into the periods `evaluation` judges (validation guarantees `startMs` off EVENT). */
function cutPeriods(
  evaluation: SettlementEvaluation,
  n: number,
  intervalMinutes: number,
  startMs: number | undefined,
): PeriodSpan[] {
  if (evaluation === 'EVENT' || startMs === undefined) {
    return [{ first: 0, count: n, startMs: startMs ?? null }];
  }
  const startOf = (t: number) => startMs + t * intervalMinutes * MINUTE_MS;
  if (evaluation === 'INTERVAL') {
    return Array.from({ length: n }, (_, t) => ({ first: t, count: 1, startMs: startOf(t) }));
  }
  // China has one offset and no daylight saving, so a local clock hour is a fixed 3600 s slot.
  const chinaHour = (ms: number) => Math.floor((ms + CHINA_OFFSET_MS) / HOUR_MS);
  const spans: PeriodSpan[] = [];
  for (let t = 0; t < n; t++) {
    const last = spans.at(-1);
    if (last && chinaHour(startOf(t)) === chinaHour(startOf(last.first))) last.count += 1;
    else spans.push({ first: t, count: 1, startMs: startOf(t) });
  }
  return spans;
}

/** The rule table applied to the intervals of one period (the whole event under EVENT). */
function judgePeriod(rules: SettlementRules, intervals: readonly SettlementInterval[]) {
  const n = intervals.length;
  const pd = sum(intervals.map((i) => i.declaredKw)) / n;
  const dp = sum(intervals.map((i) => i.deliveredKw)) / n;
  // No commitment: no ratio to judge, so neither payment nor penalty (an uncommitted building that
  // happened to move is not a participant in this event, or this period).
  const ratio = pd > 0 ? dp / pd : null;
  const reached = ratio !== null && ratio >= rules.minRatio - RATIO_TOLERANCE;
  const cappedKw = reached && dp > 0 ? Math.min(dp, rules.maxRatio * pd) : 0;
  const paidKw = rules.excess
    ? Math.min(cappedKw, rules.excess.aboveRatio * pd) +
      rules.excess.paidShare * Math.max(cappedKw - rules.excess.aboveRatio * pd, 0)
    : cappedKw;
  // Effective response is floored at 0, so the penalty never exceeds belowRatio·P_d × multiplier.
  const penaltyKw =
    rules.penalty && pd > 0 ? Math.max(rules.penalty.belowRatio * pd - Math.max(dp, 0), 0) : 0;
  return { declaredKw: pd, deliveredKw: dp, ratio, cappedKw, paidKw, penaltyKw };
}

/**
 * Rounds each of `exact` (≥ 0, in order) as the difference of rounded running totals, so the parts
 * add up to `roundYuan(Σ exact)` to the cent and each lies within 0.01 ¥ of its exact figure.
 */
function apportionYuan(exact: readonly number[]): number[] {
  let running = 0;
  let roundedCents = 0;
  return exact.map((yuan) => {
    running += yuan;
    const cents = Math.round(roundYuan(running) * 100);
    const part = (cents - roundedCents) / 100;
    roundedCents = cents;
    return part;
  });
}

function validateInput(input: SettlementInput): void {
  const { buildingId, parkId, intervalMinutes, declaredKw, baselineKw, actualKw } = input;
  const issues: { path: string; message: string }[] = [];
  if (buildingId.length === 0) issues.push({ path: 'buildingId', message: 'must not be empty' });
  if (parkId.length === 0) issues.push({ path: 'parkId', message: 'must not be empty' });
  if (!Number.isFinite(intervalMinutes) || intervalMinutes <= 0) {
    issues.push({ path: 'intervalMinutes', message: `is ${intervalMinutes}, expected a positive number` });
  }
  if (declaredKw.length === 0) {
    issues.push({ path: 'declaredKw', message: 'is empty: an event has at least one interval' });
  }
  // Read before the rules are parsed: an unknown value is refused there, by the rules' own schema.
  const evaluation: unknown = input.rules.evaluation;
  if (input.startMs === undefined && (evaluation === 'HOUR' || evaluation === 'INTERVAL')) {
    issues.push({
      path: 'startMs',
      message: `is required when the rules evaluate per ${evaluation}: the periods are placed in time`,
    });
  }
  if (input.startMs !== undefined && !Number.isFinite(input.startMs)) {
    issues.push({ path: 'startMs', message: `is ${input.startMs}, expected epoch milliseconds` });
  }
  for (const [name, values] of [
    ['baselineKw', baselineKw],
    ['actualKw', actualKw],
  ] as const) {
    if (values.length !== declaredKw.length) {
      issues.push({
        path: name,
        message: `has ${values.length} values but declaredKw has ${declaredKw.length}`,
      });
    }
  }
  // Only the first bad value of each array is reported: one is enough to find the broken feed.
  const badDeclared = declaredKw.findIndex((v) => !Number.isFinite(v) || v < 0);
  if (badDeclared >= 0) {
    issues.push({
      path: `declaredKw.${badDeclared}`,
      message: `is ${declaredKw[badDeclared]}, expected a finite number ≥ 0`,
    });
  }
  const badBaseline = baselineKw.findIndex((v) => !Number.isFinite(v));
  if (badBaseline >= 0) {
    issues.push({
      path: `baselineKw.${badBaseline}`,
      message: `is ${baselineKw[badBaseline]}, expected a finite number`,
    });
  }
  const badActual = actualKw.findIndex((v) => v !== null && !Number.isFinite(v));
  if (badActual >= 0) {
    issues.push({
      path: `actualKw.${badActual}`,
      message: `is ${actualKw[badActual]}, expected a finite number or null`,
    });
  }
  if (issues.length > 0) throwIssues(`invalid settlement input for building ${buildingId}`, issues);
}

function throwIssues(what: string, issues: { path: string; message: string }[]): never {
  throw new ValidationError(`${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
