import * as z from 'zod';
import { Id, YuanPerKwh } from './common.ts';
import { ClockTime, Tariffs } from './tariff.ts';

/**
 * Which past days may serve a baseline. `WORKDAY` follows the Chinese calendar, so an adjusted
 * working Saturday (调休) counts and a public holiday on a Wednesday does not.
 */
export const DayFilter = z.enum(['WORKDAY', 'NON_WORKDAY', 'SAME_DAY_TYPE', 'ANY']);

/**
 * The day eligible days are counted back from: the event day, or the day the event was notified
 * (Jiangsu: the 5 most recent normal working days before the invitation day), in which case the days
 * between the notice and the event never serve.
 */
export const BaselineAnchor = z.enum(['EVENT_DAY', 'NOTICE_DAY']);

/** Day-of adjustment computed over `[t0 − fromHoursBefore, t0 − toHoursBefore)`. */
export const BaselineAdjustment = z
  .strictObject({
    /** `MULTIPLICATIVE` (CAISO): B·clamp(ΣL/ΣB, capLow, capHigh). `ADDITIVE` (PJM): B + mean(L − B), capped. */
    kind: z.enum(['MULTIPLICATIVE', 'ADDITIVE']),
    fromHoursBefore: z.number().positive().max(24).default(4),
    toHoursBefore: z.number().min(0).max(24).default(1),
    /** MULTIPLICATIVE: factor bounds. ADDITIVE: bounds as shares of the baseline mean over the window. */
    capLow: z.number().min(0).max(1).default(0.8),
    capHigh: z.number().min(1).max(10).default(1.2),
  })
  .refine((a) => a.toHoursBefore < a.fromHoursBefore, {
    message: 'toHoursBefore must be less than fromHoursBefore',
    path: ['toHoursBefore'],
  });

export const BaselineMethod = z.discriminatedUnion('method', [
  /** Average of the same interval over the last `days` eligible days (Jiangsu: 5; CAISO: 10 in 10). */
  z.strictObject({
    method: z.literal('N_DAY_AVERAGE'),
    days: z.number().int().min(1).max(30),
    dayFilter: DayFilter.default('WORKDAY'),
    /** How far back to look for eligible days. */
    lookbackDays: z.number().int().min(1).max(90).default(45),
    /** Absent: `EVENT_DAY`. */
    anchor: BaselineAnchor.optional(),
    adjustment: BaselineAdjustment.optional(),
  }),
  /**
   * Highest `k` of `m` eligible days (Beijing: 5 of 10 working days from D−12 to D−2 by daily
   * maximum; PJM: 4 of 5 by load over the event window).
   */
  z.strictObject({
    method: z.literal('HIGH_K_OF_M'),
    k: z.number().int().min(1).max(30),
    m: z.number().int().min(1).max(60),
    /** Most recent days skipped before counting (Beijing: 1, so the window ends at D−2). */
    skipDays: z.number().int().min(0).max(30).default(0),
    rankBy: z.enum(['DAILY_MAX', 'WINDOW_AVERAGE']).default('DAILY_MAX'),
    dayFilter: DayFilter.default('WORKDAY'),
    lookbackDays: z.number().int().min(1).max(120).default(60),
    /** Absent: `EVENT_DAY`. */
    anchor: BaselineAnchor.optional(),
    adjustment: BaselineAdjustment.optional(),
  }),
  /** Real-time events: the load of the interval `minutesBefore` minutes before control starts. */
  z.strictObject({
    method: z.literal('PRE_EVENT'),
    minutesBefore: z.number().int().min(5).max(120).default(15),
  }),
]);
export type BaselineMethod = z.infer<typeof BaselineMethod>;

/**
 * How delivery is paid. With declared `P_d` and delivered `ΔP`, ratio `r = ΔP/P_d`: nothing is paid
 * below `minRatio`; the paid quantity is `min(ΔP, maxRatio·P_d)`, where the part above
 * `excess.aboveRatio·P_d` is paid at `excess.paidShare`; a penalty of
 * `max(penalty.belowRatio·P_d − ΔP, 0) × penalty.multiplier × price` applies below the floor
 * (Sichuan: 0.9, 1.1, with excess above 1.1 counted at half).
 *
 * `evaluation` says over what these are judged: the whole event (`EVENT`, the default when absent,
 * which is how every program stored before the setting existed is read), each China clock hour
 * (`HOUR`; a partial hour at either edge of the window is a period of its own) or each interval
 * (`INTERVAL`). Per period, `P_d` and `ΔP` are the means over its intervals and the thresholds, cap,
 * excess share and penalty apply to that period alone, so 400 kW in one interval of four against
 * 100 kW declared in each is paid for one interval, not four (see `settleBuilding`).
 */
export const SettlementRules = z
  .strictObject({
    unit: z.enum(['YUAN_PER_KWH', 'YUAN_PER_KW']),
    price: YuanPerKwh,
    minRatio: z.number().min(0).max(1).default(0.8),
    maxRatio: z.number().min(1).max(5).default(1.2),
    excess: z
      .strictObject({ aboveRatio: z.number().min(1).max(5), paidShare: z.number().min(0).max(1) })
      .optional(),
    penalty: z
      .strictObject({ belowRatio: z.number().min(0).max(1), multiplier: z.number().min(0).max(10) })
      .optional(),
    /** Absent: `EVENT`. Optional rather than defaulted, so literals typed as rules need not spell it. */
    evaluation: z.enum(['EVENT', 'HOUR', 'INTERVAL']).optional(),
  })
  .refine((s) => !s.excess || s.excess.aboveRatio <= s.maxRatio, {
    message: 'excess.aboveRatio must not exceed maxRatio',
    path: ['excess', 'aboveRatio'],
  });
export type SettlementRules = z.infer<typeof SettlementRules>;

/**
 * What happens to a building whose data (a calendar year, readings) is still missing some time
 * after the event: until `deadlineHours` after the window's end it waits (*awaiting data*, never
 * ¥0); then it is settled as `settleAs` says, with the reason recorded. `UNPAID`: no delivery can
 * be shown, nothing paid, no penalty. `NO_DELIVERY`: counted as delivering nothing, so the
 * program's penalty applies. A building whose baseline exists but some readings of the window are
 * missing is settled with those intervals counting as zero delivered, either way.
 */
export const MissingDataRule = z.strictObject({
  deadlineHours: z
    .number()
    .int()
    .min(1)
    .max(90 * 24),
  settleAs: z.enum(['UNPAID', 'NO_DELIVERY']),
});
export type MissingDataRule = z.infer<typeof MissingDataRule>;

/** The rule for programs that set none: a week, then unpaid. */
export const DEFAULT_MISSING_DATA_RULE: MissingDataRule = { deadlineHours: 7 * 24, settleAs: 'UNPAID' };

/**
 * How batteries and tanks recover after a peak-shaving window (docs/assets.md, "Recovery"): in the
 * first occurrence of `window` (China clock time; it may wrap midnight) after the event ends, or, when
 * absent, in the zone tariff's first valley period after it, or else 23:00–07:00; with the building's
 * import held at or below its pre-event baseline plus `marginPct` per cent (and its import limit).
 */
export const RecoveryRule = z.strictObject({
  window: z.strictObject({ from: ClockTime, to: ClockTime }).optional(),
  marginPct: z.number().min(0).max(500).default(10),
});
export type RecoveryRule = z.infer<typeof RecoveryRule>;

/** A demand-response program: how baselines are drawn and delivery is paid. Configuration, never code. */
export const Program = z.strictObject({
  programId: Id,
  name: z.string().min(1).max(200),
  baseline: BaselineMethod,
  settlement: SettlementRules,
  /** Absent: {@link DEFAULT_MISSING_DATA_RULE}. */
  missingData: MissingDataRule.optional(),
  /**
   * Time-of-use tariffs per zone and season (presets in `tariff-presets.ts`): planning adds the
   * window's mean price to the cost of valley-filling response, reports value delivery at them.
   * Absent: neither happens.
   */
  tariffs: Tariffs.optional(),
  /** Absent: recovery in the valley (or 23:00–07:00) with a 10 % margin. */
  recovery: RecoveryRule.optional(),
});
export type Program = z.infer<typeof Program>;
