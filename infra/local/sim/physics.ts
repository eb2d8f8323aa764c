/**
 * The storage physics of DESIGN §3 as pure one-step functions, so they can be tested alone:
 * a battery with charge and discharge efficiencies between SoC bounds, and a heat tank with
 * standing losses feeding a heat demand.
 */
import type { BatteryAsset, HeatStorageAsset } from '../../../lib/domain/model/asset.ts';

type Battery = Pick<
  BatteryAsset,
  | 'capacityKwh'
  | 'maxChargeKw'
  | 'maxDischargeKw'
  | 'socMin'
  | 'socMax'
  | 'chargeEfficiency'
  | 'dischargeEfficiency'
>;

/**
 * One step of a battery asked for `requestedKw` (positive charging) over `hours`. Power is limited
 * to the converter ratings, then to what the SoC bounds allow:
 * `E' = E + ηc·P·Δ` charging, `E' = E − |P|·Δ/ηd` discharging, within `[socMin, socMax]·capacity`.
 * Returns the power actually delivered at the terminals and the new stored energy.
 */
export function stepBattery(
  b: Battery,
  energyKwh: number,
  requestedKw: number,
  hours: number,
): { powerKw: number; energyKwh: number } {
  const eMin = b.socMin * b.capacityKwh;
  const eMax = b.socMax * b.capacityKwh;
  if (requestedKw > 0) {
    const room = Math.max(0, eMax - energyKwh) / (b.chargeEfficiency * hours);
    const p = Math.min(requestedKw, b.maxChargeKw, room);
    return { powerKw: p, energyKwh: Math.min(eMax, energyKwh + b.chargeEfficiency * p * hours) };
  }
  if (requestedKw < 0) {
    const available = (Math.max(0, energyKwh - eMin) * b.dischargeEfficiency) / hours;
    const p = Math.min(-requestedKw, b.maxDischargeKw, available);
    return { powerKw: -p, energyKwh: Math.max(eMin, energyKwh - (p * hours) / b.dischargeEfficiency) };
  }
  return { powerKw: 0, energyKwh };
}

type Tank = Pick<HeatStorageAsset, 'heaterKw' | 'cop' | 'capacityKwhTh' | 'lossPctPerHour'>;

/**
 * One step of a heat tank: `S' = (1 − λΔ)·S + COP·P·Δ − Q·Δ`, the form the coordinator's
 * flexibility model uses. The heater (electric `requestedKw`, at most `heaterKw`) is throttled so
 * the tank never overfills; a demand the tank cannot cover empties it to 0 and the rest goes unserved.
 */
export function stepTank(
  t: Tank,
  storedKwhTh: number,
  requestedKw: number,
  demandKwTh: number,
  hours: number,
): { heaterKw: number; storedKwhTh: number; unservedKwhTh: number } {
  const afterLoss = (1 - (t.lossPctPerHour / 100) * hours) * storedKwhTh;
  const withoutHeater = afterLoss - demandKwTh * hours;
  const room = Math.max(0, t.capacityKwhTh - withoutHeater) / (t.cop * hours);
  const heaterKw = Math.max(0, Math.min(requestedKw, t.heaterKw, room));
  const level = withoutHeater + t.cop * heaterKw * hours;
  return {
    heaterKw,
    storedKwhTh: Math.min(t.capacityKwhTh, Math.max(0, level)),
    unservedKwhTh: Math.max(0, -level),
  };
}
