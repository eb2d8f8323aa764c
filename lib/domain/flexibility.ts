/**
 * Flexibility: what each resource of a building can add in an event's direction, interval by
 * interval, from asset parameters, reported state and the building's baseline (DESIGN §3; the
 * formulas per asset and what a curtailment limit means are in docs/assets.md).
 * Everything here is conservative: when a simplification is needed, it errs towards asking less.
 */
import type { AllocationBuilding } from './allocation.ts';
import type { ApplianceAsset, BatteryAsset, DcBusAsset, HeatStorageAsset } from './model/asset.ts';
import type { Building } from './model/building.ts';
import type { AssetAction } from './model/command.ts';
import type { Direction } from './model/common.ts';
import { clockMinutes } from './model/tariff.ts';
import type { AssetState, BuildingState } from './model/telemetry.ts';
import { CHINA_OFFSET_MS, DAY_MS, HOUR_MS, MINUTE_MS, toMs } from './time.ts';

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
  /**
   * A recovery after the reserving event's window (it charges back what that event took): it holds the
   * asset's power and the building's headroom, but its energy only restores the level the event
   * lowered, so it takes no room on the asset's timeline.
   */
  recovery?: boolean;
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
  /**
   * Stored assets (batteries, tanks): the most response energy, kWh, this event may take from the
   * asset by the end of each interval (non-decreasing, the last one `budgetKwh`), from its stored
   * energy interval by interval and every other event's use of it (`withTimeline`).
   */
  prefixKwh?: number[];
  /**
   * Share of the response energy that comes back after the curtailment ends (appliances). Curtailment
   * ends with the window (`curtailmentSlot`), so the rebound falls after it; nothing plans it there yet.
   */
  reboundShare: number;
  /**
   * The asset's own power in each interval without this event, kW: a battery's signed power
   * (charging > 0), a heater's or an appliance's draw. Commands state absolute set points from it.
   * Absent where the model has no single figure (an EV charger's pool, a DC bus's loads).
   */
  baselineKw?: number[];
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
  const states = new Map<string, AssetState>((input.state?.assets ?? []).map((s) => [s.assetId, s]));
  const up = direction === 'PEAK_SHAVING';

  const resources: ResourceFlexibility[] = [];
  for (const asset of building.assets) {
    const state = states.get(asset.id);
    let res: ResourceFlexibility | undefined;
    switch (asset.kind) {
      case 'battery':
        res = withTimeline(
          batteryFlexibility(asset, state?.kind === 'battery' ? state : undefined, up, input),
          input,
        );
        break;
      case 'heatStorage':
        res = withTimeline(
          heatStorageFlexibility(asset, state?.kind === 'heatStorage' ? state : undefined, up, input),
          input,
        );
        break;
      case 'appliance':
        res = applianceFlexibility(asset, state?.kind === 'appliance' ? state : undefined, up, input);
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
  applyReservedPower(input, resources, limitKw);
  return { buildingId: building.buildingId, direction, limitKw, resources };
}

function constant(n: number, kw: number): number[] {
  return new Array<number>(n).fill(Math.max(0, kw));
}

/**
 * An asset that stores energy (a battery, a tank), before the timeline of other events is applied:
 * its per-interval bound and its headroom `H_j`, the response energy (kWh) it could have given in
 * total by `W0 + j·Δ` without leaving its limits, on the window's grid continued past its end
 * (`j ≥ 0`; `H` is linear between grid points and `H_0` before the window).
 */
interface EnergyBounded {
  resource: Omit<ResourceFlexibility, 'budgetKwh' | 'prefixKwh' | 'upperKw'>;
  headroom: (j: number) => number;
  /**
   * The bound in interval t when other events of the opposite direction may have moved the level by
   * up to `shift` (level units, towards the limit this event's response moves away from).
   */
  bound: (t: number, shift: number) => number;
  /** How far one kWh of an opposite-direction response can move the level, level units. */
  shiftPerKwh: number;
}

/** The reported state of an asset of kind `K`, if any. */
type StateOf<K extends AssetState['kind']> = Extract<AssetState, { kind: K }> | undefined;

/** A stored asset's resource (battery or tank): it gives nothing back as rebound. */
function storedResource(
  assetId: string,
  kind: 'battery' | 'heatStorage',
  action: AssetAction,
  costYuanPerKwh: number,
): EnergyBounded['resource'] {
  return { assetId, kind, action, costYuanPerKwh, reboundShare: 0 };
}

/** Past this many intervals before or after the window, a stored asset's baseline is taken as settled. */
const HORIZON_INTERVALS = 20_000;

/**
 * A stored asset's baseline level on the window's grid, `level(j)` at `W0 + j·Δ`, stepped one interval
 * at a time as far as it is asked for. `step(level, h)` advances the level by `h` hours.
 *
 * The baseline starts from the reported state at its time: the present power continues from the
 * report, through any time before the window, until the level reaches the limit it is heading to.
 * One trajectory per report, so every event planned from it sees the same asset.
 */
function baselineLevel(
  input: FlexibilityInput,
  reported: number,
  step: (level: number, hours: number) => number,
): (j: number) => number {
  const dt = input.intervalMinutes / 60;
  const gapMs = input.state ? input.startMs - toMs(input.state.at) : 0;
  let atStart = reported;
  if (gapMs > 0) {
    const whole = Math.min(Math.floor(gapMs / (input.intervalMinutes * MINUTE_MS)), HORIZON_INTERVALS);
    atStart = step(atStart, Math.max(0, gapMs / HOUR_MS - whole * dt));
    for (let k = 0; k < whole; k++) atStart = step(atStart, dt);
  }
  const levels = [atStart];
  return (j) => {
    while (levels.length <= j) levels.push(step(levels[levels.length - 1] as number, dt));
    return levels[j] as number;
  };
}

/**
 * Battery, relative to its baseline: the present power p0 (charging > 0) continues until the stored
 * energy reaches the limit it is heading to, so the baseline power in interval t is
 * `p_t = min(p0c, (Emax − E_t)/(ηc·Δ))` when charging and `−min(p0d, ηd·(E_t − Emin)/Δ)` when
 * discharging, and `E_(t+1) = E_t + ηc·p_t⁺·Δ − p_t⁻·Δ/ηd`.
 * Up (discharge): `x_t ≤ Pdis + p_t⁺ − p0d`. Each kWh of response lowers the stored energy by at most
 * `1/ηd` kWh (a stopped charge by `ηc`, a discharge by `1/ηd`), so `H_j = ηd·(E_j − Emin)`.
 * Down (charge): `x_t ≤ Pch − p0c + p_t⁻`. Each kWh raises it by `ηc` (by up to `1/ηd` while it only
 * stops a baseline discharge), so `H_j = (Emax − E_j)/γ` with `γ = 1/ηd` when the baseline
 * discharges and `ηc` otherwise.
 * The bound counts a baseline flow it can stop (`p_t⁺` up, `p_t⁻` down) at the level other events may
 * have moved it to (`withTimeline`), and one that adds to the response's own (`p0d` up, `p0c` down)
 * at the reported power, whatever the level: the BMS runs its own rule on the level it actually has.
 */
function batteryFlexibility(
  a: BatteryAsset,
  s: StateOf<'battery'>,
  up: boolean,
  input: FlexibilityInput,
): EnergyBounded {
  const dt = input.intervalMinutes / 60;
  const eMin = a.socMin * a.capacityKwh;
  const eMax = a.socMax * a.capacityKwh;
  const p0 = s?.powerKw ?? 0;
  const power = (e: number, h: number) =>
    h <= 0
      ? 0
      : p0 >= 0
        ? Math.max(0, Math.min(p0, (eMax - e) / (a.chargeEfficiency * h)))
        : -Math.max(0, Math.min(-p0, ((e - eMin) * a.dischargeEfficiency) / h));
  const energy = baselineLevel(input, (s?.soc ?? (a.socMin + a.socMax) / 2) * a.capacityKwh, (e, h) => {
    const p = power(e, h);
    return p >= 0 ? e + a.chargeEfficiency * p * h : e + (p * h) / a.dischargeEfficiency;
  });
  const gain = p0 < 0 ? 1 / a.dischargeEfficiency : a.chargeEfficiency;
  return {
    resource: {
      ...storedResource(a.id, 'battery', up ? 'discharge' : 'charge', a.cycleCostYuanPerKwh),
      baselineKw: Array.from({ length: input.intervals }, (_, t) => power(energy(t), dt)),
    },
    headroom: up ? (j) => a.dischargeEfficiency * (energy(j) - eMin) : (j) => (eMax - energy(j)) / gain,
    bound: up
      ? (t, shift) =>
          Math.max(0, a.maxDischargeKw + Math.max(0, power(energy(t) + shift, dt)) - Math.max(0, -p0))
      : (t, shift) =>
          Math.max(0, a.maxChargeKw - Math.max(0, p0) + Math.max(0, -power(energy(t) - shift, dt))),
    // a charge raises the level by up to γ per kWh; a discharge lowers it by up to 1/ηd
    shiftPerKwh: up ? gain : 1 / a.dischargeEfficiency,
  };
}

/**
 * Heat storage, relative to its baseline. The tank's controller keeps the heater at its present draw
 * Pb0 but puts no more heat into the tank than fits, and holds the tank's minimum (drawing up to its
 * rating) when the level would fall below it; so its baseline draw in interval t is
 * `p_t = max(min(Pb0, (Smax − (1 − λΔ)·S_t + Q·Δ)/(COP·Δ)), min(Pbmax, (Smin − (1 − λΔ)·S_t + Q·Δ)/(COP·Δ)))`
 * and the tank follows `S(t+Δ) = (1 − λΔ)·S_t + COP·p_t·Δ − Q·Δ` (never below 0). A full tank thus
 * holds with the draw that serves demand and losses, and that is all switching the heater off can
 * remove. A heater-off command is obeyed as it stands (the level may then fall, within the caps).
 * Up (heater off): `x_t ≤ p_t`, `H_j = (S_j − Smin)/COP`, the draw taken at the level other events may
 * have raised the tank to (`withTimeline`).
 * Down (charge): `x_t ≤ Pbmax − max(Pb0, h_t)`, `H_j = (Smax − S_j)/COP`, with `h_t` the draw that holds
 * the minimum from `min(S_t, Smin)`: a tank another event left lower draws all of Pb0, and up to what
 * holds its minimum, whatever level it is at.
 * Fewer losses at a lower level and more at a higher one only make both safer.
 */
function heatStorageFlexibility(
  a: HeatStorageAsset,
  s: StateOf<'heatStorage'>,
  up: boolean,
  input: FlexibilityInput,
): EnergyBounded {
  const dt = input.intervalMinutes / 60;
  const heater = Math.min(s?.heaterKw ?? 0, a.heaterKw);
  const demand = s?.heatDemandKwTh ?? 0;
  const loss = a.lossPctPerHour / 100;
  /** The heater draw over `h` hours that ends them at `target` from `level`. */
  const toReach = (target: number, level: number, h: number) =>
    (target - (1 - loss * h) * level + demand * h) / (a.cop * h);
  const hold = (level: number, h: number) => Math.max(0, Math.min(a.heaterKw, toReach(a.minKwhTh, level, h)));
  const draw = (level: number, h: number) =>
    h <= 0 ? 0 : Math.max(Math.max(0, Math.min(heater, toReach(a.capacityKwhTh, level, h))), hold(level, h));
  const level = baselineLevel(input, s?.storedKwhTh ?? (a.minKwhTh + a.capacityKwhTh) / 2, (l, h) =>
    Math.max(0, (1 - loss * h) * l + a.cop * draw(l, h) * h - demand * h),
  );
  return {
    resource: {
      ...storedResource(a.id, 'heatStorage', up ? 'heaterOff' : 'heatCharge', a.costYuanPerKwh),
      baselineKw: Array.from({ length: input.intervals }, (_, t) => draw(level(t), dt)),
    },
    headroom: up ? (j) => (level(j) - a.minKwhTh) / a.cop : (j) => (a.capacityKwhTh - level(j)) / a.cop,
    bound: up
      ? (t, shift) => draw(level(t) + shift, dt)
      : (t) => Math.max(0, a.heaterKw - Math.max(heater, hold(Math.min(level(t), a.minKwhTh), dt))),
    shiftPerKwh: a.cop,
  };
}

/**
 * One timeline per asset: the prefix caps of a stored asset's response, counting every standing
 * reservation of the same direction on it wherever it lies in time. With `X(τ)` this event's response
 * energy by τ and `C(τ)` the others' (each of their intervals counted whole from its start, and none
 * that ended before the reported state, which already shows it), the asset stays within its limits
 * when `X(τ) + C(τ) ≤ H(τ)` at every τ. `X` is linear between the window's grid points, `C` steps only
 * at the others' interval starts and `H` is monotone within each interval (taken at its worse end
 * there), so it is enough to require it at these points: at the end of each of
 * this event's intervals, at every start or end of another's interval that falls inside one of this
 * event's intervals (charged to that interval's end, which can only ask less) and after the window
 * (charged to the total). An earlier event thus leaves less; a later one keeps its energy until
 * then. Opposite directions are never credited (a valley charge before a peak discharge only helps
 * both, and the plan does not count on it), but they can move the level the bound depends on: an
 * interval's bound takes the baseline flow it stops at the level moved by every opposite-direction
 * interval that starts before its end, and the caps also hold at the ends of opposite-direction
 * intervals, so that a later response counting on a baseline flow still finds room for it. Caps on nested prefixes of a non-negative response: a
 * later, smaller cap binds the earlier ones (suffix minimum).
 */
function withTimeline(bounded: EnergyBounded, input: FlexibilityInput): ResourceFlexibility {
  const { intervals: n, startMs } = input;
  const step = input.intervalMinutes * MINUTE_MS;
  const endMs = startMs + n * step;
  const notBeforeMs = input.state ? toMs(input.state.at) : Number.NEGATIVE_INFINITY;
  const H = bounded.headroom;
  const headroomAt = (ms: number) => {
    if (ms <= startMs) return H(0);
    const x = Math.min((ms - startMs) / step, HORIZON_INTERVALS);
    const j = Math.floor(x);
    // the baseline is monotone within an interval, so its worst point there is an end
    return x === j ? H(j) : Math.min(H(j), H(j + 1));
  };
  // the others' intervals on this asset not yet shown by the state (all of them: the level must stay
  // within its limits at the end of each, even where another event asks nothing of it)
  const held: { fromMs: number; toMs: number; kwh: number; same: boolean }[] = [];
  for (const r of input.reservations ?? []) {
    if (r.assetId !== bounded.resource.assetId) continue;
    const rStep = r.intervalMinutes * MINUTE_MS;
    r.kw.forEach((kw, k) => {
      const fromMs = r.startMs + k * rStep;
      if (fromMs + rStep > notBeforeMs)
        held.push({
          fromMs,
          toMs: fromMs + rStep,
          kwh: r.recovery ? 0 : (kw * r.intervalMinutes) / 60,
          same: r.direction === input.direction,
        });
    });
  }
  const by = cumulative(held);
  const upperKw = Array.from({ length: n }, (_, t) =>
    bounded.bound(t, bounded.shiftPerKwh * by(startMs + (t + 1) * step - 1, false)),
  );
  const caps = Array.from({ length: n }, (_, t) => {
    const at = startMs + (t + 1) * step;
    return headroomAt(at) - by(at, true);
  });
  // Every other interval's ends, of either direction: a later heater-off or discharge that stops a
  // baseline charge needs the room that charge fills, and a later charge that stops a baseline
  // discharge needs the energy it drains.
  for (const u of held)
    for (const at of [u.fromMs, u.toMs]) {
      if (at <= startMs) continue;
      const t = at >= endMs ? n - 1 : Math.ceil((at - startMs) / step) - 1;
      caps[t] = Math.min(caps[t] as number, headroomAt(at) - by(at, true));
    }
  let least = Number.POSITIVE_INFINITY;
  for (let t = n - 1; t >= 0; t--) {
    least = Math.min(least, caps[t] as number);
    caps[t] = Math.max(0, least);
  }
  return { ...bounded.resource, upperKw, budgetKwh: caps[n - 1] ?? 0, prefixKwh: caps };
}

/**
 * `by(ms, same)`: the energy of the intervals of one direction (same as the event's, or not) that
 * start at or before `ms`, by binary search over their starts (a building holds a few events of up to
 * hundreds of intervals each, and this is asked twice per interval and per point).
 */
function cumulative(
  held: readonly { fromMs: number; kwh: number; same: boolean }[],
): (ms: number, same: boolean) => number {
  const sorted = [...held].sort((a, b) => a.fromMs - b.fromMs);
  const starts = sorted.map((u) => u.fromMs);
  const sums = { same: [0], other: [0] };
  for (const u of sorted) {
    sums.same.push((sums.same.at(-1) as number) + (u.same ? u.kwh : 0));
    sums.other.push((sums.other.at(-1) as number) + (u.same ? 0 : u.kwh));
  }
  return (ms, same) => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((starts[mid] as number) <= ms) lo = mid + 1;
      else hi = mid;
    }
    return (same ? sums.same : sums.other)[lo] as number;
  };
}

function applianceCommon(a: ApplianceAsset) {
  return {
    assetId: a.id,
    kind: 'appliance' as const,
    costYuanPerKwh: a.comfortCostYuanPerKwh,
    reboundShare: a.reboundShare,
  };
}

/**
 * Flexible appliances other than EV chargers: the present draw (rated when unknown) continues through
 * the window. Up: curtail up to `share·draw` in the intervals `curtailmentSlot` leaves. Down: nothing
 * to move.
 */
function applianceFlexibility(
  a: ApplianceAsset,
  s: StateOf<'appliance'>,
  up: boolean,
  input: FlexibilityInput,
): ResourceFlexibility | undefined {
  if (a.applianceKind === 'evCharger') return evChargerFlexibility(a, s, up, input);
  if (!up) return undefined;
  const draw = s ? (s.on ? s.kw : 0) : a.ratedKw;
  return {
    ...applianceCommon(a),
    action: 'curtail',
    upperKw: curtailmentSlot(constant(input.intervals, draw * a.curtailableShare), a, input.intervalMinutes),
    budgetKwh: Number.POSITIVE_INFINITY,
    baselineKw: constant(input.intervals, draw),
  };
}

/**
 * What `maxCurtailMinutes` allows: curtailment in at most ⌊maxCurtailMinutes/Δ⌋ intervals of the
 * event, an interval with any curtailment counting whole. A cap on the number of non-zero intervals is
 * not linear, so the intervals are fixed before the allocation: the last ones in which there is a draw
 * to curtail, so the curtailment ends with the window (or with the car's charging) and its rebound
 * falls after it. The bound is zeroed in every other interval.
 */
function curtailmentSlot(upperKw: number[], a: ApplianceAsset, intervalMinutes: number): number[] {
  let left = Math.floor(a.maxCurtailMinutes / intervalMinutes);
  for (let t = upperKw.length - 1; t >= 0; t--) {
    if ((upperKw[t] as number) <= 0) continue;
    if (left > 0) left--;
    else upperKw[t] = 0;
  }
  return upperKw;
}

/** One car on an EV charger, as planning sees it. */
interface EvSession {
  /** When it can first charge: its arrival, or the report when it was plugged in before. */
  fromMs: number;
  departMs: number;
  /** Energy it still needs at `fromMs`, kWh. */
  needKwh: number;
  /** The most it accepts, kW. */
  carKw: number;
  /** Baseline draw from `fromMs` until it has `needKwh` or leaves, kW. */
  drawKw: number;
}

/**
 * An EV charger, for the one car whose session (`evSession`) overlaps the window; none, no response.
 * Its baseline draws `drawKw` from `fromMs` until the car has what it needs or leaves. With `R` the
 * energy still needed when the window starts, `B` what the baseline draws in the window and `A` the
 * hours the car stays after the window:
 * Up: curtail `x_t ≤ share·b_t` in the intervals `curtailmentSlot` leaves, `Σx·Δ ≤ B + carKw·A − R`
 * (no draw above the baseline inside the window, so what is deferred is made up after it at the car's
 * full rate, before it leaves).
 * Down (charge early): `x_t ≤ carKw·(presence share of t) − b_t`, `Σx·Δ ≤ R − B` (what the baseline
 * would still draw after the window: no more than the car needs).
 * Either budget is shared with the other events of the same direction on this car's session
 * (`reservedForSession`), wherever they lie in it.
 */
function evChargerFlexibility(
  a: ApplianceAsset,
  s: StateOf<'appliance'>,
  up: boolean,
  input: FlexibilityInput,
): ResourceFlexibility | undefined {
  const car = evSession(a, s, input);
  if (!car) return undefined;
  const dt = input.intervalMinutes / 60;
  const step = input.intervalMinutes * MINUTE_MS;
  const endMs = input.startMs + input.intervals * step;
  const doneMs =
    car.drawKw > 0 ? Math.min(car.departMs, car.fromMs + (car.needKwh / car.drawKw) * HOUR_MS) : car.fromMs;
  const charging = (lo: number, hi: number) => car.drawKw * overlapHours(car.fromMs, doneMs, lo, hi);
  const remaining = car.needKwh - charging(Number.NEGATIVE_INFINITY, input.startMs);
  const inWindow = charging(input.startMs, endMs);
  const reserved = reservedForSession(input, a.id, car);
  const baseKw = Array.from({ length: input.intervals }, (_, t) => {
    const lo = input.startMs + t * step;
    return charging(lo, lo + step) / dt;
  });
  if (up) {
    const after = overlapHours(car.fromMs, car.departMs, endMs, Number.POSITIVE_INFINITY);
    return {
      ...applianceCommon(a),
      action: 'curtail',
      upperKw: curtailmentSlot(
        baseKw.map((kw) => kw * a.curtailableShare),
        a,
        input.intervalMinutes,
      ),
      budgetKwh: Math.max(0, inWindow + car.carKw * after - remaining - reserved),
    };
  }
  const upperKw = baseKw.map((kw, t) => {
    const lo = input.startMs + t * step;
    return Math.max(0, (car.carKw * overlapHours(car.fromMs, car.departMs, lo, lo + step)) / dt - kw);
  });
  const takes = upperKw.reduce((sum, kw) => sum + kw, 0) * dt;
  return {
    ...applianceCommon(a),
    action: 'chargeEarly',
    upperKw,
    budgetKwh: Math.max(0, Math.min(remaining - inWindow, takes) - reserved),
  };
}

/**
 * What other events of the same direction already take from this car's session: the energy of
 * their intervals on the charger that overlap the session and end after the reported state.
 */
function reservedForSession(input: FlexibilityInput, assetId: string, car: EvSession): number {
  const notBeforeMs = input.state ? toMs(input.state.at) : Number.NEGATIVE_INFINITY;
  let kwh = 0;
  for (const r of input.reservations ?? []) {
    if (r.assetId !== assetId || r.direction !== input.direction) continue;
    const rStep = r.intervalMinutes * MINUTE_MS;
    r.kw.forEach((kw, k) => {
      const fromMs = r.startMs + k * rStep;
      if (kw > 0 && fromMs < car.departMs && fromMs + rStep > Math.max(car.fromMs, notBeforeMs))
        kwh += (kw * r.intervalMinutes) / 60;
    });
  }
  return kwh;
}

/** Hours of `[from, to)` inside `[lo, hi)`. */
function overlapHours(from: number, to: number, lo: number, hi: number): number {
  return Math.max(0, Math.min(to, hi) - Math.max(from, lo)) / HOUR_MS;
}

/**
 * The car planning counts on: the one telemetry reports (plugged in, or announced with
 * `minutesToArrival`) when it is still there at the window's start; otherwise the enrolled usual
 * session's first occurrence that ends after the window starts and begins after anything telemetry
 * already accounts for (the report itself, or the reported car's departure). A reported car draws its
 * reported kW; an announced or usual one charges at its full rate from arrival. Without either, none.
 */
function evSession(
  a: ApplianceAsset,
  s: StateOf<'appliance'>,
  input: FlexibilityInput,
): EvSession | undefined {
  const carKw = Math.min(a.ratedKw, s?.carMaxKw ?? a.carMaxKw ?? a.ratedKw);
  let notBeforeMs = Number.NEGATIVE_INFINITY;
  if (input.state) {
    const atMs = toMs(input.state.at);
    notBeforeMs = atMs;
    if (s?.minutesToDeparture !== undefined && s.minutesToDeparture > 0 && s.energyNeededKwh !== undefined) {
      const arrival = s.minutesToArrival ?? 0;
      const departMs = atMs + s.minutesToDeparture * MINUTE_MS;
      const fromMs = atMs + arrival * MINUTE_MS;
      if (departMs > input.startMs && departMs > fromMs)
        return {
          fromMs,
          departMs,
          needKwh: s.energyNeededKwh,
          carKw,
          drawKw: arrival > 0 ? carKw : Math.min(s.on ? s.kw : 0, carKw),
        };
      notBeforeMs = Math.max(atMs, departMs);
    }
  }
  const usual = a.usualSession;
  if (!usual) return undefined;
  const arrivalMin = clockMinutes(usual.arrival) % 1440;
  const lengthMin = (((clockMinutes(usual.departure) - arrivalMin) % 1440) + 1440) % 1440;
  const from = Math.max(input.startMs, notBeforeMs) + CHINA_OFFSET_MS;
  let day = Math.floor(from / DAY_MS) * DAY_MS - CHINA_OFFSET_MS - DAY_MS;
  for (; ; day += DAY_MS) {
    const fromMs = day + arrivalMin * MINUTE_MS;
    const departMs = fromMs + lengthMin * MINUTE_MS;
    if (fromMs >= notBeforeMs && departMs > input.startMs)
      return { fromMs, departMs, needKwh: usual.energyKwh, carKw, drawKw: carKw };
  }
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
 * (an asset cannot do two things at once) and their same-direction kW from the building's grid
 * headroom. The opposite direction is never credited, which can only ask less. (Their energy is
 * counted where it is used: `withTimeline` for stored assets, `evChargerFlexibility` for a car.)
 */
function applyReservedPower(
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
      ...(r.prefixKwh ? { prefixKwh: r.prefixKwh } : {}),
    })),
  };
}

/**
 * How many kW a building could give in each interval taken alone:
 * `min(limit, Σ min(bound, cap/Δ))`, the cap being the resource's energy by the end of that interval.
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
      flex.resources.reduce(
        (sum, r) => sum + Math.min(r.upperKw[t] as number, (r.prefixKwh?.[t] ?? r.budgetKwh) / dt),
        0,
      ),
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
