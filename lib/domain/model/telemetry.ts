import * as z from 'zod';
import { Id, Instant, IntervalMinutes, Kw, Kwh, Share } from './common.ts';

const SignedKw = z.number().min(-1_000_000).max(1_000_000);

export const BatteryState = z.strictObject({
  kind: z.literal('battery'),
  assetId: Id,
  soc: Share,
  /** Present power, positive when charging, negative when discharging. */
  powerKw: SignedKw.default(0),
});
export const HeatStorageState = z.strictObject({
  kind: z.literal('heatStorage'),
  assetId: Id,
  storedKwhTh: Kwh,
  /** Heat the building draws from the tank, kW thermal. */
  heatDemandKwTh: Kw,
  /** Present electric draw of the heater. */
  heaterKw: Kw,
});
export const DcBusState = z.strictObject({
  kind: z.literal('dcBus'),
  assetId: Id,
  busVoltage: z.number().positive().max(1_500),
  loadKw: Kw,
});
export const ApplianceState = z.strictObject({
  kind: z.literal('appliance'),
  assetId: Id,
  on: z.boolean(),
  kw: Kw,
  /**
   * EV chargers, the car plugged in (or announced): energy it still needs by its departure, minutes
   * until then (0: no car), and minutes until it plugs in (absent or 0: plugged in now).
   */
  energyNeededKwh: Kwh.optional(),
  minutesToDeparture: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .optional(),
  minutesToArrival: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .optional(),
  /** EV chargers: the most this car accepts, kW, when below the charger's rating. */
  carMaxKw: Kw.optional(),
});
export const PvState = z.strictObject({
  kind: z.literal('pv'),
  assetId: Id,
  outputKw: Kw,
});

export const AssetState = z.discriminatedUnion('kind', [
  BatteryState,
  HeatStorageState,
  DcBusState,
  ApplianceState,
  PvState,
]);
export type AssetState = z.infer<typeof AssetState>;

/** A building's state as its BMS reports it. */
export const BuildingState = z
  .strictObject({
    buildingId: Id,
    at: Instant,
    /** Net import at the meter, negative when exporting. */
    netLoadKw: SignedKw,
    assets: z.array(AssetState).max(64),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.assets.forEach((a, i) => {
      if (seen.has(a.assetId))
        ctx.addIssue({
          code: 'custom',
          message: `duplicate state for asset '${a.assetId}'`,
          path: ['assets', i],
        });
      seen.add(a.assetId);
    });
  });
export type BuildingState = z.infer<typeof BuildingState>;

/**
 * One interval's net import at the meter, as energy (kWh) or average power (kW); exactly one.
 * Negative values are net export.
 */
export const MeterReading = z
  .strictObject({
    buildingId: Id,
    intervalStart: Instant,
    intervalMinutes: IntervalMinutes.default(15),
    kwh: z.number().min(-1_000_000).max(1_000_000).optional(),
    kw: SignedKw.optional(),
    /**
     * PV generation behind the meter over the same interval, average kW, where the PV is metered. Not
     * part of the net import; it lets FlexDR forecast the building's load apart from the day's sun
     * (`naturalLoadForecast` in lib/domain/baseline.ts).
     */
    pvKw: Kw.optional(),
  })
  .refine((r) => (r.kwh === undefined) !== (r.kw === undefined), {
    message: 'give exactly one of kwh or kw',
    path: ['kwh'],
  });
export type MeterReading = z.infer<typeof MeterReading>;

/** Average net import in kW of a reading, whichever way it was reported. */
export function readingKw(r: MeterReading): number {
  return r.kw ?? ((r.kwh ?? 0) * 60) / r.intervalMinutes;
}
