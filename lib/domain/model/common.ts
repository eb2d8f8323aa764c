import * as z from 'zod';

/** Identifiers chosen by users or operators: short, printable, safe in keys and URLs. */
export const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/,
    'must start with a letter or digit and use only A-Z a-z 0-9 . _ : @ -',
  );

/** An ISO-8601 instant with an explicit offset (`Z` or `+08:00`). */
export const Instant = z.iso.datetime({ offset: true });

/** Power in kW, finite, within what one building or connection could plausibly be. */
export const Kw = z.number().min(0).max(1_000_000);
/** Energy in kWh (electric or thermal), finite and non-negative. */
export const Kwh = z.number().min(0).max(10_000_000);
/** A share or ratio in [0, 1]. */
export const Share = z.number().min(0).max(1);
/** Money per kWh in yuan (元). */
export const YuanPerKwh = z.number().min(0).max(1_000);
/** An efficiency in (0, 1]. */
export const Efficiency = z.number().gt(0).max(1);

/** Interval lengths the coordinator supports, in minutes (the 蒙西 spot market clears every 15). */
export const IntervalMinutes = z.union([z.literal(5), z.literal(15), z.literal(30), z.literal(60)]);
export type IntervalMinutes = z.infer<typeof IntervalMinutes>;

/** At most two days of 5-minute intervals in one event or query. */
export const MAX_INTERVALS = 576;

export const Direction = z.enum(['PEAK_SHAVING', 'VALLEY_FILLING']);
/** PEAK_SHAVING (削峰): less import. VALLEY_FILLING (填谷): more import. */
export type Direction = z.infer<typeof Direction>;
