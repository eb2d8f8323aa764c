/**
 * Settlement (DESIGN §3): what a building delivered in an event, measured against its baseline,
 * and what the program's rule table pays or charges for it. Pure: readings in, figures out. Every
 * figure can be recomputed by hand from the per-interval rows and the rules the result carries.
 */
import { ValidationError } from './errors.ts';
import type { Direction } from './model/common.ts';
import { SettlementRules } from './model/program.ts';
import { parseOrThrow } from './validate.ts';

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
}

/** One interval of a settlement, as it entered the computation. */
export interface SettlementInterval {
  baselineKw: number;
  /** `null` when the reading was missing; the interval then counts as 0 delivered. */
  actualKw: number | null;
  /** `B − L` (peak shaving) or `L − B` (valley filling); 0 when the reading is missing. */
  deliveredKw: number;
  declaredKw: number;
}

/** One building's settlement for one event. kW figures are unrounded; money is rounded to 0.01 ¥. */
export interface BuildingSettlement {
  buildingId: string;
  parkId: string;
  direction: Direction;
  /** The rules applied, with their defaults filled in, so the result is self-contained. */
  rules: SettlementRules;
  intervalMinutes: number;
  intervals: SettlementInterval[];
  /** `P_d`: mean of the declared kW over the event. */
  declaredKw: number;
  /** `ΔP`: mean of the delivered kW over the event; negative when the building moved the wrong way. */
  deliveredKw: number;
  /** `r = ΔP/P_d`; `null` when nothing was committed (`P_d = 0`). */
  ratio: number | null;
  /** `min(ΔP, maxRatio·P_d)` when the ratio reaches `minRatio` and ΔP > 0, else 0. */
  cappedKw: number;
  /** Quantity paid at full price: `cappedKw`, with the part above `excess.aboveRatio·P_d` weighted by `excess.paidShare`. */
  paidKw: number;
  /** Shortfall the penalty is charged on, before its multiplier: `max(belowRatio·P_d − max(ΔP, 0), 0)`. */
  penaltyKw: number;
  paymentYuan: number;
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
 * 1. validate the input (equal, non-empty lengths; finite numbers; commitments ≥ 0) and the rules;
 * 2. delivered per interval `B − L` (peak) or `L − B` (valley), a missing reading counting as 0;
 * 3. `P_d` and `ΔP` as means over the event, `r = ΔP/P_d` (`null` when `P_d = 0`);
 * 4. payment on `min(ΔP, maxRatio·P_d)` if `r ≥ minRatio`, the excess weighted by its share;
 * 5. penalty on `max(belowRatio·P_d − max(ΔP, 0), 0) × multiplier`;
 * 6. money: `price × kW × hours` (YUAN_PER_KWH) or `price × kW` (YUAN_PER_KW), rounded last.
 *
 * @throws ValidationError naming every offending field.
 */
export function settleBuilding(input: SettlementInput): BuildingSettlement {
  const { buildingId, parkId, direction, intervalMinutes, declaredKw, baselineKw, actualKw } = input;
  validateInput(input);
  const rules = parseOrThrow(SettlementRules, input.rules, `settlement rules for building ${buildingId}`);

  const n = declaredKw.length;
  const intervalHours = intervalMinutes / 60;
  const sign = direction === 'PEAK_SHAVING' ? 1 : -1;
  const missingIntervals: number[] = [];
  const intervals = declaredKw.map((declared, t): SettlementInterval => {
    const baseline = baselineKw[t] as number;
    const actual = actualKw[t] ?? null;
    if (actual === null) missingIntervals.push(t);
    // A missing reading cannot prove any response, so it earns nothing rather than the baseline's guess.
    const delivered = actual === null ? 0 : sign * (baseline - actual);
    return { baselineKw: baseline, actualKw: actual, deliveredKw: delivered, declaredKw: declared };
  });

  const pd = sum(intervals.map((i) => i.declaredKw)) / n;
  const dp = sum(intervals.map((i) => i.deliveredKw)) / n;
  const durationHours = n * intervalHours;
  const deliveredKwh = sum(intervals.map((i) => i.deliveredKw * intervalHours));

  // No commitment: no ratio to judge, so neither payment nor penalty (an uncommitted building that
  // happened to move is not a participant in this event).
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

  const yuanPerKw = rules.unit === 'YUAN_PER_KWH' ? rules.price * durationHours : rules.price;
  const exactPayment = paidKw * yuanPerKw;
  const exactPenalty = rules.penalty ? penaltyKw * rules.penalty.multiplier * yuanPerKw : 0;
  const paymentYuan = roundYuan(exactPayment);
  const penaltyYuan = roundYuan(exactPenalty);

  return {
    buildingId,
    parkId,
    direction,
    rules,
    intervalMinutes,
    intervals,
    declaredKw: pd,
    deliveredKw: dp,
    ratio,
    cappedKw,
    paidKw,
    penaltyKw,
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
