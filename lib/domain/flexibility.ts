/**
 * Flexibility: what each resource of a building can add in an event's direction, interval by
 * interval, from asset parameters, reported state and the building's baseline (DESIGN §3).
 * Everything here is conservative: when a simplification is needed, it errs towards asking less.
 */
import type { AllocationBuilding } from './allocation.ts';
import type { ApplianceAsset, BatteryAsset, DcBusAsset, HeatStorageAsset } from './model/asset.ts';
import type { Building } from './model/building.ts';
import type { AssetAction } from './model/command.ts';
import type { Direction } from './model/common.ts';
import type { AssetState, BuildingState } from './model/telemetry.ts';
import { MINUTE_MS } from './time.ts';

/** What another event already committed on one asset of this building. */
export interface Reservation {
  eventId: string;
  assetId: string;
  direction: Direction;
  startMs: number;
  intervalMinutes: number;
  /** Committed response per interval of the reserving event, kW. */
  kw: readonly number[];
  /** Committed energy over the reserving event, kWh. */
  kwh: number;
}

export interface FlexibilityInput {
  building: Building;
  /** Latest reported state; without it, assets are assumed idle at their mid-range. */
  state?: BuildingState | undefined;
  direction: Direction;
  startMs: number;
  intervalMinutes: number;
  intervals: number;
  /** The building's baseline net import per interval, kW. */
  baselineKw: readonly number[];
  /** Reservations of other events on this building (this event's own are excluded by the caller). */
  reservations?: readonly Reservation[];
  /**
   * Valley filling: the mean tariff price over the window in the building's zone, ¥/kWh
   * (`meanPriceYuanPerKwh`). Every kWh of valley-filling response is a kWh more bought from the grid,
   * so it is added to the cost of each resource and the allocator prefers buildings in a cheaper zone
   * or season. Ignored for peak shaving; absent when the program has no tariff for the zone.
   */
  energyPriceYuanPerKwh?: number | undefined;
}

export interface ResourceFlexibility {
  assetId: string;
  kind: 'battery' | 'heatStorage' | 'appliance' | 'dcBus';
  action: AssetAction;
  costYuanPerKwh: number;
  upperKw: number[];
  /** kWh of response over the window; `Infinity` when only the per-interval bound limits it. */
  budgetKwh: number;
  /** Share of the response energy that comes back after the window (appliances). */
  reboundShare: number;
}

export interface BuildingFlexibility {
  buildingId: string;
  direction: Direction;
  /** Upper bound of the building's total response per interval from its grid limits, kW. */
  limitKw: number[];
  resources: ResourceFlexibility[];
}

/** Flexibility of one building for one event window. */
export function computeFlexibility(input: FlexibilityInput): BuildingFlexibility {
  const { building, direction, intervals: n } = input;
  if (input.baselineKw.length !== n)
    throw new RangeError(`baselineKw has ${input.baselineKw.length} values for ${n} intervals`);
  const hours = (input.intervalMinutes * n) / 60;
  const states = new Map<string, AssetState>((input.state?.assets ?? []).map((s) => [s.assetId, s]));
  const up = direction === 'PEAK_SHAVING';

  const resources: ResourceFlexibility[] = [];
  for (const asset of building.assets) {
    const state = states.get(asset.id);
    let res: ResourceFlexibility | undefined;
    switch (asset.kind) {
      case 'battery':
        res = batteryFlexibility(asset, state?.kind === 'battery' ? state : undefined, up, n, hours);
        break;
      case 'heatStorage':
        res = heatStorageFlexibility(asset, state?.kind === 'heatStorage' ? state : undefined, up, input);
        break;
      case 'appliance':
        res = applianceFlexibility(asset, state?.kind === 'appliance' ? state : undefined, up, n, hours);
        break;
      case 'dcBus':
        res = dcBusFlexibility(asset, n);
        break;
      case 'pv':
        // Forecast only: PV is already in the baseline net load and is never dispatched up.
        break;
    }
    if (res) resources.push(res);
  }
  if (!up && input.energyPriceYuanPerKwh !== undefined)
    for (const r of resources) r.costYuanPerKwh += input.energyPriceYuanPerKwh;

  const limitKw = input.baselineKw.map((load) =>
    Math.max(0, up ? load + building.gridLimits.exportKw : building.gridLimits.importKw - load),
  );
  applyReservations(input, resources, limitKw);
  return { buildingId: building.buildingId, direction, limitKw, resources };
}

function constant(n: number, kw: number): number[] {
  return new Array<number>(n).fill(Math.max(0, kw));
}

/**
 * Battery, relative to its present power p0 (charging > 0) continuing through the window.
 * Up: stop charging and discharge, `x ≤ Pdis + p0c`, energy `ηd·(E − Emin + ηc·p0c·D)` (the stopped
 * charging counted at round-trip efficiency, so the SoC can never fall below its minimum).
 * Down: charge more, `x ≤ Pch − p0c + p0d`, energy `(Emax − E)/ηc − p0c·D`.
 */
function batteryFlexibility(
  a: BatteryAsset,
  s: Extract<AssetState, { kind: 'battery' }> | undefined,
  up: boolean,
  n: number,
  hours: number,
): ResourceFlexibility {
  const soc = s?.soc ?? (a.socMin + a.socMax) / 2;
  const e = soc * a.capacityKwh;
  const eMin = a.socMin * a.capacityKwh;
  const eMax = a.socMax * a.capacityKwh;
  const p0c = Math.max(0, s?.powerKw ?? 0);
  const p0d = Math.max(0, -(s?.powerKw ?? 0));
  const common = {
    assetId: a.id,
    kind: 'battery' as const,
    costYuanPerKwh: a.cycleCostYuanPerKwh,
    reboundShare: 0,
  };
  if (up) {
    const budget = a.dischargeEfficiency * (e - eMin + a.chargeEfficiency * p0c * hours) - p0d * hours;
    return {
      ...common,
      action: 'discharge',
      upperKw: constant(n, a.maxDischargeKw + p0c - p0d),
      budgetKwh: Math.max(0, budget),
    };
  }
  const budget = (eMax - e) / a.chargeEfficiency - p0c * hours;
  return {
    ...common,
    action: 'charge',
    upperKw: constant(n, a.maxChargeKw - p0c + p0d),
    budgetKwh: Math.max(0, budget),
  };
}

/**
 * Heat storage, relative to the heater's present draw Pb0 continuing. The baseline tank trajectory
 * `S(t+Δ) = (1 − λΔ)·S + COP·Pb0·Δ − Q·Δ` (clamped to the tank) bounds the energy: up (heater off)
 * `COP·Σx·Δ ≤ min S − Smin`; down (charge) `COP·Σx·Δ ≤ Smax − max S`. Fewer losses at a lower level
 * and more at a higher one only make both bounds safer.
 */
function heatStorageFlexibility(
  a: HeatStorageAsset,
  s: Extract<AssetState, { kind: 'heatStorage' }> | undefined,
  up: boolean,
  input: FlexibilityInput,
): ResourceFlexibility {
  const n = input.intervals;
  const dt = input.intervalMinutes / 60;
  const heater = Math.min(s?.heaterKw ?? 0, a.heaterKw);
  const demand = s?.heatDemandKwTh ?? 0;
  const loss = a.lossPctPerHour / 100;
  let level = s?.storedKwhTh ?? (a.minKwhTh + a.capacityKwhTh) / 2;
  let lowest = level;
  let highest = level;
  for (let t = 0; t < n; t++) {
    level = Math.min(
      a.capacityKwhTh,
      Math.max(0, (1 - loss * dt) * level + a.cop * heater * dt - demand * dt),
    );
    lowest = Math.min(lowest, level);
    highest = Math.max(highest, level);
  }
  const common = {
    assetId: a.id,
    kind: 'heatStorage' as const,
    costYuanPerKwh: a.costYuanPerKwh,
    reboundShare: 0,
  };
  if (up)
    return {
      ...common,
      action: 'heaterOff',
      upperKw: constant(n, heater),
      budgetKwh: Math.max(0, lowest - a.minKwhTh) / a.cop,
    };
  return {
    ...common,
    action: 'heatCharge',
    upperKw: constant(n, a.heaterKw - heater),
    budgetKwh: Math.max(0, a.capacityKwhTh - highest) / a.cop,
  };
}

/**
 * Flexible appliances. Up: curtail `share` of the present draw (rated when unknown) for at most
 * `maxCurtailMinutes` in total, an energy budget that keeps the LP exact; an EV charger defers only
 * while it can still reach its departure energy. Down: only an EV charger can charge early, up to the
 * energy it still needs beyond what it would draw anyway.
 */
function applianceFlexibility(
  a: ApplianceAsset,
  s: Extract<AssetState, { kind: 'appliance' }> | undefined,
  up: boolean,
  n: number,
  hours: number,
): ResourceFlexibility | undefined {
  const draw = s ? (s.on ? s.kw : 0) : a.ratedKw;
  const common = {
    assetId: a.id,
    kind: 'appliance' as const,
    costYuanPerKwh: a.comfortCostYuanPerKwh,
    reboundShare: a.reboundShare,
  };
  if (up) {
    const kw = draw * a.curtailableShare;
    let budget = (kw * a.maxCurtailMinutes) / 60;
    if (
      a.applianceKind === 'evCharger' &&
      s?.energyNeededKwh !== undefined &&
      s.minutesToDeparture !== undefined
    ) {
      const slack = (a.ratedKw * s.minutesToDeparture) / 60 - s.energyNeededKwh;
      budget = Math.min(budget, Math.max(0, slack));
    }
    return { ...common, action: 'curtail', upperKw: constant(n, kw), budgetKwh: budget };
  }
  if (a.applianceKind !== 'evCharger' || s?.energyNeededKwh === undefined) return undefined;
  const window = Math.min(hours, (s.minutesToDeparture ?? hours * 60) / 60);
  const budget = Math.max(0, s.energyNeededKwh - draw * window);
  return { ...common, action: 'chargeEarly', upperKw: constant(n, a.ratedKw - draw), budgetKwh: budget };
}

/** DC bus: voltage-following loads move by `flexKwPerPct` per percent, within the band, in either direction. */
function dcBusFlexibility(a: DcBusAsset, n: number): ResourceFlexibility {
  return {
    assetId: a.id,
    kind: 'dcBus',
    action: 'busVoltage',
    costYuanPerKwh: a.costYuanPerKwh,
    upperKw: constant(n, a.flexKwPerPct * a.bandPct),
    budgetKwh: Number.POSITIVE_INFINITY,
    reboundShare: 0,
  };
}

/**
 * Subtracts what overlapping events reserved: their kW in any direction from the asset's bound
 * (an asset cannot do two things at once), their kWh in the same direction from its budget, and
 * their same-direction kW from the building's grid headroom. The opposite direction is never
 * credited, which can only ask less.
 */
function applyReservations(
  input: FlexibilityInput,
  resources: ResourceFlexibility[],
  limitKw: number[],
): void {
  if (!input.reservations?.length) return;
  const step = input.intervalMinutes * MINUTE_MS;
  const byAsset = new Map(resources.map((r) => [r.assetId, r]));
  for (const res of input.reservations) {
    const target = byAsset.get(res.assetId);
    const same = res.direction === input.direction;
    const resStep = res.intervalMinutes * MINUTE_MS;
    for (let t = 0; t < input.intervals; t++) {
      const from = input.startMs + t * step;
      const to = from + step;
      // the largest reserved kW among the reserving event's intervals that overlap ours
      const first = Math.max(0, Math.floor((from - res.startMs) / resStep));
      const last = Math.min(res.kw.length - 1, Math.ceil((to - res.startMs) / resStep) - 1);
      let kw = 0;
      for (let k = first; k <= last; k++) kw = Math.max(kw, res.kw[k] ?? 0);
      if (kw <= 0) continue;
      if (target) target.upperKw[t] = Math.max(0, (target.upperKw[t] as number) - kw);
      if (same) limitKw[t] = Math.max(0, (limitKw[t] as number) - kw);
    }
    if (target && same) target.budgetKwh = Math.max(0, target.budgetKwh - res.kwh);
  }
}

/** The allocator's view of a building's flexibility, derated by its reliability when asked. */
export function toAllocationBuilding(flex: BuildingFlexibility, derating = 1): AllocationBuilding {
  return {
    id: flex.buildingId,
    limitKw: flex.limitKw,
    derating,
    resources: flex.resources.map((r) => ({
      id: r.assetId,
      costYuanPerKwh: r.costYuanPerKwh,
      upperKw: r.upperKw,
      budgetKwh: r.budgetKwh,
    })),
  };
}

/**
 * How many kW a building could give in each interval taken alone: `min(limit, Σ min(bound, budget/Δ))`.
 * Intervals compete for the same energy budgets, so the curve is an upper envelope, not a schedule;
 * `energyKwh` is what the whole window could have at most.
 */
export function flexibilityCurve(
  flex: BuildingFlexibility,
  intervalMinutes: number,
): { kw: number[]; energyKwh: number } {
  const dt = intervalMinutes / 60;
  const kw = flex.limitKw.map((limit, t) =>
    Math.min(
      limit,
      flex.resources.reduce((sum, r) => sum + Math.min(r.upperKw[t] as number, r.budgetKwh / dt), 0),
    ),
  );
  const bounded = flex.resources.reduce(
    (sum, r) => sum + Math.min(r.budgetKwh, r.upperKw.reduce((a, b) => a + b, 0) * dt),
    0,
  );
  const energyKwh = Math.min(bounded, kw.reduce((a, b) => a + b, 0) * dt);
  return { kw, energyKwh };
}

/** Sums building curves into a scope's curve. */
export function sumCurves(
  curves: readonly { kw: readonly number[]; energyKwh: number }[],
  intervals: number,
) {
  const kw = new Array<number>(intervals).fill(0);
  let energyKwh = 0;
  for (const c of curves) {
    for (let t = 0; t < intervals; t++) kw[t] = (kw[t] as number) + (c.kw[t] ?? 0);
    energyKwh += c.energyKwh;
  }
  return { kw, energyKwh };
}

export interface Curve {
  kw: number[];
  energyKwh: number;
}

export interface FlexibilityView {
  intervals: number;
  /** Per direction: what the scope could offer in each interval taken alone, and energy over the window. */
  total: Record<Direction, Curve>;
  byPark: { parkId: string; buildings: number; PEAK_SHAVING: Curve; VALLEY_FILLING: Curve }[];
  /** Buildings in scope without any telemetry yet: not counted. */
  withoutData: number;
}
