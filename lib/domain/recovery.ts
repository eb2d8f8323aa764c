/**
 * Recovery after a peak-shaving window (docs/assets.md, "Recovery"). A battery that discharged and a
 * tank whose heater was off are left short of their baseline; curtailed loads come back. Unplanned,
 * both land right after the window and can make the next peak. So each command carries a recovery
 * schedule: the energy its batteries and tanks gave, put back in the program's recovery window (by
 * default the zone's first valley period after the event), no faster than each asset can take it and
 * with the building's import held at or below its pre-event baseline plus the program's margin,
 * after the rebound of its curtailed loads, which is expected, not commanded.
 */
import type { Reservation } from './flexibility.ts';
import type { Building } from './model/building.ts';
import type { AssetInstruction, Command } from './model/command.ts';
import type { RecoveryRule } from './model/program.ts';
import { clockMinutes, type ZoneTariff } from './model/tariff.ts';
import type { BuildingState } from './model/telemetry.ts';
import { priceSegments } from './tariff.ts';
import { CHINA_OFFSET_MS, DAY_MS, MINUTE_MS, toMs } from './time.ts';

/** Where recovery goes when neither the program nor a tariff says: the night. */
export const DEFAULT_RECOVERY_WINDOW = { from: '23:00', to: '07:00' } as const;
export const DEFAULT_RECOVERY_MARGIN_PCT = 10;
/** The schedule after a window spans at most this many intervals (from the window's end). */
export const MAX_RECOVERY_INTERVALS = 576;

/** A recovery window on the event's grid: `intervals` intervals from `startMs`, `offset` intervals after the event's end. */
export interface RecoveryWindow {
  startMs: number;
  offset: number;
  intervals: number;
}

/** `[from, to)` China clock, its first occurrence that ends after `afterMs`, clipped to start there. */
function nextOccurrence(from: string, to: string, afterMs: number): { fromMs: number; toMs: number } {
  const fromMin = clockMinutes(from) % 1440;
  const length = (((clockMinutes(to) - fromMin) % 1440) + 1440) % 1440 || 1440;
  const day = Math.floor((afterMs + CHINA_OFFSET_MS) / DAY_MS) * DAY_MS - CHINA_OFFSET_MS;
  for (let d = -1; ; d++) {
    const fromMs = day + d * DAY_MS + fromMin * MINUTE_MS;
    const toMs = fromMs + length * MINUTE_MS;
    if (toMs > afterMs) return { fromMs: Math.max(fromMs, afterMs), toMs };
  }
}

/** The tariff's first valley period (contiguous valley segments merged) that ends after `afterMs`. */
function nextValley(tariff: ZoneTariff, afterMs: number): { fromMs: number; toMs: number } | undefined {
  let found: { fromMs: number; toMs: number } | undefined;
  for (const g of priceSegments(tariff, afterMs, afterMs + 3 * DAY_MS)) {
    if (g.kind === 'VALLEY') {
      if (!found) found = { fromMs: g.fromMs, toMs: g.toMs };
      else if (g.fromMs === found.toMs) found.toMs = g.toMs;
    } else if (found) break;
  }
  return found;
}

/**
 * Where recovery after an event ending at `endMs` goes: the program's window, else the zone tariff's
 * next valley, else {@link DEFAULT_RECOVERY_WINDOW}; on the event's grid (whole intervals from its
 * end), and within {@link MAX_RECOVERY_INTERVALS} of it.
 */
export function recoveryWindow(
  rule: RecoveryRule | undefined,
  tariff: ZoneTariff | undefined,
  endMs: number,
  intervalMinutes: number,
): RecoveryWindow {
  const span =
    (rule?.window && nextOccurrence(rule.window.from, rule.window.to, endMs)) ??
    (tariff && nextValley(tariff, endMs)) ??
    nextOccurrence(DEFAULT_RECOVERY_WINDOW.from, DEFAULT_RECOVERY_WINDOW.to, endMs);
  const step = intervalMinutes * MINUTE_MS;
  const offset = Math.min(MAX_RECOVERY_INTERVALS, Math.ceil((span.fromMs - endMs) / step));
  const startMs = endMs + offset * step;
  const intervals = Math.max(
    0,
    Math.min(MAX_RECOVERY_INTERVALS - offset, Math.floor((span.toMs - startMs) / step)),
  );
  return { startMs, offset, intervals };
}

export interface RecoveryInput {
  building: Building;
  state?: BuildingState | undefined;
  /** The command's asset instructions (peak shaving). */
  assets: readonly AssetInstruction[];
  intervalMinutes: number;
  window: RecoveryWindow;
  /** The building's planning baseline in each interval from the event's end to the window's end, kW. */
  baselineAfterKw: readonly number[];
  /** The building's baseline when the event starts, kW: the import recovery must not exceed (plus the margin). */
  preEventKw: number;
  marginPct: number;
}

export interface RecoveryPlan {
  /** What each battery (`charge`) and tank (`heatCharge`) is asked to take back in each interval of the window. */
  assets: AssetInstruction[];
  /** Per interval from the event's end: the recovery commanded and the rebound expected, kW. */
  recoveryKw: number[];
  reboundKw: number[];
  /** Energy that does not fit in the window under the cap, kWh (it is recovered by the assets' own rules). */
  unrecoveredKwh: number;
}

/**
 * Rebound of curtailed loads: `reboundShare` of an appliance's curtailed energy (all of an EV's, the
 * car still needs it) comes back right after the window, spread over as many intervals as it was
 * curtailed, per interval from the event's end.
 */
export function reboundAfter(
  building: Building,
  assets: readonly AssetInstruction[],
  length: number,
): number[] {
  const out = new Array<number>(length).fill(0);
  for (const a of assets) {
    if (a.action !== 'curtail') continue;
    const asset = building.assets.find((x) => x.id === a.assetId);
    if (asset?.kind !== 'appliance') continue;
    const share = asset.applianceKind === 'evCharger' ? 1 : asset.reboundShare;
    const used = a.kw.filter((kw) => kw > 0).length;
    if (used === 0 || share <= 0) continue;
    const kw = (share * a.kw.reduce((s, v) => s + v, 0)) / used;
    for (let t = 0; t < Math.min(used, length); t++) out[t] = (out[t] as number) + kw;
  }
  return out;
}

/**
 * The recovery of one building after a peak-shaving window. Each battery puts back what it gave at
 * both efficiencies (`Σx·Δ/(ηd·ηc)` kWh from the grid) no faster than `Pch − p0c`; each tank's heater
 * what it did not draw (`Σx·Δ`) no faster than `Pbmax − Pb0`; earliest first, batteries before tanks in
 * command order, with `baseline + rebound + recovery ≤ min(import limit, pre-event baseline × (1 +
 * margin))` in every interval.
 */
export function planRecovery(input: RecoveryInput): RecoveryPlan {
  const { building, window, intervalMinutes } = input;
  const dt = intervalMinutes / 60;
  const length = window.offset + window.intervals;
  const reboundKw = reboundAfter(building, input.assets, length);
  const states = new Map((input.state?.assets ?? []).map((s) => [s.assetId, s]));
  const owed: { assetId: string; action: 'charge' | 'heatCharge'; kwh: number; rateKw: number }[] = [];
  for (const a of input.assets) {
    const asset = building.assets.find((x) => x.id === a.assetId);
    const given = a.kw.reduce((s, v) => s + v, 0) * dt;
    if (given <= 0) continue;
    const st = states.get(a.assetId);
    if (a.action === 'discharge' && asset?.kind === 'battery') {
      const p0c = st?.kind === 'battery' ? Math.max(0, st.powerKw) : 0;
      owed.push({
        assetId: a.assetId,
        action: 'charge',
        kwh: given / (asset.dischargeEfficiency * asset.chargeEfficiency),
        rateKw: Math.max(0, asset.maxChargeKw - p0c),
      });
    } else if (a.action === 'heaterOff' && asset?.kind === 'heatStorage') {
      const pb0 = st?.kind === 'heatStorage' ? Math.min(st.heaterKw, asset.heaterKw) : 0;
      owed.push({
        assetId: a.assetId,
        action: 'heatCharge',
        kwh: given,
        rateKw: Math.max(0, asset.heaterKw - pb0),
      });
    }
  }
  owed.sort((x, y) => (x.action === y.action ? 0 : x.action === 'charge' ? -1 : 1));
  const ceiling = Math.min(building.gridLimits.importKw, input.preEventKw * (1 + input.marginPct / 100));
  const recoveryKw = new Array<number>(length).fill(0);
  const kwByAsset = owed.map(() => new Array<number>(window.intervals).fill(0));
  for (let t = 0; t < window.intervals; t++) {
    const at = window.offset + t;
    let room = Math.max(0, ceiling - (input.baselineAfterKw[at] ?? 0) - (reboundKw[at] as number));
    owed.forEach((o, i) => {
      const kw = Math.min(o.rateKw, o.kwh / dt, room);
      if (!(kw > 1e-9)) return;
      const rounded = Math.round(kw * 1000) / 1000;
      (kwByAsset[i] as number[])[t] = rounded;
      o.kwh = Math.max(0, o.kwh - rounded * dt);
      room -= rounded;
      recoveryKw[at] = (recoveryKw[at] as number) + rounded;
    });
  }
  return {
    assets: owed
      .map((o, i) => ({ assetId: o.assetId, action: o.action, kw: kwByAsset[i] as number[] }))
      .filter((a) => a.kw.some((kw) => kw > 0)),
    recoveryKw: recoveryKw.map((v) => Math.round(v * 1000) / 1000),
    reboundKw: reboundKw.map((v) => Math.round(v * 1000) / 1000),
    unrecoveredKwh: Math.round(owed.reduce((s, o) => s + o.kwh, 0) * 1000) / 1000,
  };
}

/** A recovery schedule's total kW per interval from the event's end (its assets start at `window.offset`). */
export function carriedRecoveryKw(assets: readonly AssetInstruction[], window: RecoveryWindow): number[] {
  const kw = new Array<number>(window.offset + window.intervals).fill(0);
  for (const a of assets) addInto(kw, a.kw, window.offset);
  return kw;
}

/** Adds `series` into `target` from index `from`, as far as `target` reaches. */
export function addInto(target: number[], series: readonly number[], from = 0): void {
  for (let t = 0; t < series.length && from + t < target.length; t++)
    target[from + t] = (target[from + t] as number) + (series[t] as number);
}

/** When a command's recovery ends (0 without one). */
export function recoveryEndMs(command: Command): number {
  const r = command.recovery;
  if (!r) return 0;
  const intervals = Math.max(0, ...r.assets.map((a) => a.kw.length));
  return toMs(r.start) + intervals * command.intervalMinutes * MINUTE_MS;
}

/**
 * What other events' recoveries draw in a valley-filling window, kW per interval of `window`: their
 * batteries charging and tanks heating back what a peak event took (`Reservation.recovery`). That
 * draw is above the contractual baseline, which knows no event, so a building commanded in the
 * window delivers it as valley response whether asked or not: the plan counts it (`standingKw`)
 * instead of asking the same kW again. Reservations on another interval length are spread by overlap.
 */
export function standingRecoveryKw(
  reservations: readonly Reservation[],
  window: { eventId: string; startMs: number; intervalMinutes: number; intervals: number },
): number[] {
  const step = window.intervalMinutes * MINUTE_MS;
  const out = new Array<number>(window.intervals).fill(0);
  for (const r of reservations) {
    if (!r.recovery || r.eventId === window.eventId) continue;
    const rStep = r.intervalMinutes * MINUTE_MS;
    r.kw.forEach((kw, k) => {
      if (!(kw > 0)) return;
      const from = r.startMs + k * rStep;
      const to = from + rStep;
      const first = Math.max(0, Math.floor((from - window.startMs) / step));
      const last = Math.min(window.intervals - 1, Math.ceil((to - window.startMs) / step) - 1);
      for (let t = first; t <= last; t++) {
        const a = window.startMs + t * step;
        const overlap = Math.min(to, a + step) - Math.max(from, a);
        if (overlap > 0) out[t] = (out[t] as number) + (kw * overlap) / step;
      }
    });
  }
  return out.map((v) => Math.round(v * 1000) / 1000);
}
