import * as z from 'zod';
import { Direction, Id, Instant, IntervalMinutes, MAX_INTERVALS } from './common.ts';

const KwSeries = z.array(z.number().min(-1_000_000).max(1_000_000)).max(MAX_INTERVALS);

/** What an asset is asked to do; the kW series says how much in each interval. */
export const AssetAction = z.enum([
  /** battery: discharge more (or charge less) than planned. */
  'discharge',
  /** battery: charge more (or discharge less) than planned. */
  'charge',
  /** appliance: reduce draw. */
  'curtail',
  /** appliance (EV charger): charge earlier than planned. */
  'chargeEarly',
  /** heat storage: heater off, the tank covers the heat load. */
  'heaterOff',
  /** heat storage: heater on to charge the tank (valley or curtailed wind power). */
  'heatCharge',
  /** DC bus: float the bus voltage so voltage-following loads adjust. */
  'busVoltage',
]);
export type AssetAction = z.infer<typeof AssetAction>;

export const AssetInstruction = z.strictObject({
  assetId: Id,
  action: AssetAction,
  /** Response of this asset in each interval, kW in the event's direction. */
  kw: KwSeries,
  /** DC bus only: voltage set point per interval. */
  voltage: z.array(z.number().positive().max(1_500)).max(MAX_INTERVALS).optional(),
  /**
   * Absolute set point per interval, kW: the power the asset is to hold, its baseline moved by `kw`
   * (a battery's signed power, charging > 0, so "discharge 90" from a 50 kW charge reads −40; a
   * heater's or an appliance's draw). Absent where the plan has no baseline of the asset's own.
   */
  setpointKw: z.array(z.number().finite().min(-1e6).max(1e6)).max(MAX_INTERVALS).optional(),
});
export type AssetInstruction = z.infer<typeof AssetInstruction>;

/**
 * One building's instruction for one event revision. Its core is the grid-power limit per
 * interval (`MAX_IMPORT` for peak shaving, `MIN_IMPORT` for valley filling), which a 光储直柔
 * building executes by itself; `assets` breaks it down for BMS that drive assets one by one.
 * A cancellation is a command with `kind: 'CANCEL'` and empty series. BMS deduplicate by id.
 */
export const Command = z.strictObject({
  commandId: Id,
  eventId: Id,
  revision: z.number().int().min(1).max(10_000),
  kind: z.enum(['DISPATCH', 'CANCEL']),
  buildingId: Id,
  parkId: Id,
  bmsIntegrationId: Id,
  direction: Direction,
  start: Instant,
  intervalMinutes: IntervalMinutes,
  limitType: z.enum(['MAX_IMPORT', 'MIN_IMPORT']),
  gridLimitKw: KwSeries,
  /** What `responseKw` is measured from, and `gridLimitKw` derived from: see `baselineKind`. */
  baselineKw: KwSeries,
  /**
   * What `baselineKw` is. `CONTRACTUAL`: the program's contractual baseline, the one settlement
   * measures delivery against, final. `CONTRACTUAL_ESTIMATE`: the same method with its day-of
   * adjustment estimated from the latest readings, because its window had not closed when the
   * command was made; an update with the final baseline follows when the window closes before the
   * event (`baselineFinalAt`). `FORECAST`: FlexDR's planning forecast, where the contractual baseline
   * cannot be computed yet (too little history). Absent on commands made before the field: `FORECAST`.
   */
  baselineKind: z.enum(['CONTRACTUAL', 'CONTRACTUAL_ESTIMATE', 'FORECAST']).optional(),
  /** `CONTRACTUAL_ESTIMATE`: when the readings that make the baseline final are in. */
  baselineFinalAt: Instant.optional(),
  /** FlexDR's own forecast of the building's load, kept when `baselineKw` is the contractual one. */
  planningBaselineKw: KwSeries.optional(),
  /** Response expected against `baselineKw` per interval, kW in the event's direction (`standingKw` included). */
  responseKw: KwSeries,
  /**
   * Valley filling: the part of `responseKw` the building gives anyway, for another event's sake (its
   * batteries and tanks recovering after a peak window, per that event's command). Counted, not
   * asked: `assets` carry the rest. Absent when none.
   */
  standingKw: KwSeries.optional(),
  /**
   * The contractual baseline less FlexDR's own forecast of the building's natural load, kW per
   * interval in the event's direction: the response settlement will measure with no asset moving
   * (negative where the load is expected above the baseline, as when PV lowered the afternoon that
   * set the day-of adjustment). Part of `responseKw`, not asked of any asset: the import limit is the
   * forecast moved by the assets' asks. Absent where FlexDR has no forecast of its own (no PV
   * readings: `naturalLoadForecast`).
   */
  forecastGapKw: KwSeries.optional(),
  assets: z.array(AssetInstruction).max(64),
  /** The command this one supersedes (the previous revision's id), if any. */
  supersedes: Id.optional(),
  /**
   * Peak shaving: how the building's batteries (`charge`) and tanks (`heatCharge`) take back what they
   * gave, per interval of `intervalMinutes` from `start`, after the window (docs/assets.md, "Recovery").
   */
  recovery: z
    .strictObject({
      start: Instant,
      assets: z.array(AssetInstruction).max(64),
    })
    .optional(),
});
export type Command = z.infer<typeof Command>;

/** A BMS's answer to a command. */
export const Acknowledgement = z.strictObject({
  commandId: Id,
  eventId: Id,
  buildingId: Id,
  revision: z.number().int().min(1).max(10_000),
  status: z.enum(['ACCEPTED', 'DECLINED']),
  reason: z.string().max(500).optional(),
  at: Instant,
});
export type Acknowledgement = z.infer<typeof Acknowledgement>;
