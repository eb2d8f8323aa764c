import * as z from 'zod';
import { Efficiency, Id, Kw, Kwh, Share, YuanPerKwh } from './common.ts';
import { ClockTime, clockMinutes } from './tariff.ts';

/** PV 光: forecast only, never dispatched up; it sits behind the meter. */
export const PvAsset = z.strictObject({
  kind: z.literal('pv'),
  id: Id,
  kwp: Kw,
  inverterKw: Kw,
});

/** Battery 储. SoC bounds are shares of `capacityKwh`. */
export const BatteryAsset = z
  .strictObject({
    kind: z.literal('battery'),
    id: Id,
    capacityKwh: Kwh.gt(0),
    maxChargeKw: Kw,
    maxDischargeKw: Kw,
    socMin: Share,
    socMax: Share,
    chargeEfficiency: Efficiency.default(0.95),
    dischargeEfficiency: Efficiency.default(0.95),
    /** Degradation cost per kWh of throughput. */
    cycleCostYuanPerKwh: YuanPerKwh.default(0.1),
  })
  .refine((b) => b.socMin <= b.socMax, { message: 'socMin must not exceed socMax', path: ['socMin'] });

/**
 * DC bus 直. In a 光储直柔 building the AC/DC converter follows a grid-power set point and the bus
 * voltage floats within the band; devices adjust their draw to the voltage.
 */
export const DcBusAsset = z.strictObject({
  kind: z.literal('dcBus'),
  id: Id,
  nominalVoltage: z.number().positive().max(1_500),
  /** Allowed deviation from nominal, in percent (for example 10 for ±10 %). */
  bandPct: z.number().min(0).max(20),
  /** Load that follows the voltage, in kW per percent of voltage change. */
  flexKwPerPct: Kw,
  costYuanPerKwh: YuanPerKwh.default(0.05),
});

export const ApplianceKind = z.enum(['hvac', 'evCharger', 'waterHeater', 'lighting', 'other']);

/**
 * An EV charger's usual session, from enrollment: when a car is usually plugged in (China clock time)
 * and how much energy it then needs. Planning uses it only where telemetry describes no session
 * (docs/assets.md).
 */
export const EvUsualSession = z
  .strictObject({
    arrival: ClockTime,
    /** At or before `arrival` on the clock means the next day (overnight charging at home). */
    departure: ClockTime,
    /** Energy a car needs on arrival, kWh. */
    energyKwh: Kwh,
  })
  .refine((u) => clockMinutes(u.arrival) % 1440 !== clockMinutes(u.departure) % 1440, {
    message: 'arrival and departure must differ',
    path: ['departure'],
  });

/**
 * Flexible appliance 柔. `maxCurtailMinutes` is the number of minutes per event in which the draw may
 * be held below its baseline, at any level up to `curtailableShare` (docs/assets.md).
 */
export const ApplianceAsset = z
  .strictObject({
    kind: z.literal('appliance'),
    id: Id,
    applianceKind: ApplianceKind,
    ratedKw: Kw,
    curtailableShare: Share,
    maxCurtailMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60),
    /**
     * Share of the curtailed energy that comes back after the curtailment ends. Planning keeps it out
     * of the window (curtailment ends with the window); what follows the window is not planned yet.
     */
    reboundShare: Share.default(0),
    comfortCostYuanPerKwh: YuanPerKwh.default(0.3),
    /** EV chargers: the most a car accepts, kW, when its onboard charger is below `ratedKw`. */
    carMaxKw: Kw.optional(),
    /** EV chargers: the usual session, for planning when telemetry describes none. */
    usualSession: EvUsualSession.optional(),
  })
  .refine((a) => a.applianceKind === 'evCharger' || (a.carMaxKw === undefined && !a.usualSession), {
    message: 'carMaxKw and usualSession are for EV chargers only',
    path: ['applianceKind'],
  });

/** Heat storage 蓄热: an electric heater (resistive or heat pump) charging a thermal tank. */
export const HeatStorageAsset = z
  .strictObject({
    kind: z.literal('heatStorage'),
    id: Id,
    heaterKw: Kw,
    /** Coefficient of performance: 1 for resistive, 2–4 for a heat pump (lower in deep cold). */
    cop: z.number().min(0.5).max(8),
    capacityKwhTh: Kwh.gt(0),
    minKwhTh: Kwh,
    /** Standing loss in percent of stored heat per hour. */
    lossPctPerHour: z.number().min(0).max(50),
    costYuanPerKwh: YuanPerKwh.default(0.02),
  })
  .refine((h) => h.minKwhTh <= h.capacityKwhTh, {
    message: 'minKwhTh must not exceed capacityKwhTh',
    path: ['minKwhTh'],
  });

export const Asset = z.discriminatedUnion('kind', [
  PvAsset,
  BatteryAsset,
  DcBusAsset,
  ApplianceAsset,
  HeatStorageAsset,
]);

export type PvAsset = z.infer<typeof PvAsset>;
export type BatteryAsset = z.infer<typeof BatteryAsset>;
export type DcBusAsset = z.infer<typeof DcBusAsset>;
export type ApplianceAsset = z.infer<typeof ApplianceAsset>;
export type HeatStorageAsset = z.infer<typeof HeatStorageAsset>;
export type Asset = z.infer<typeof Asset>;
