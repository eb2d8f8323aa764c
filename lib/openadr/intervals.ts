/**
 * Durations and interval windows of OpenADR objects, and the one way this module refuses input.
 */
import { ValidationError } from '../domain/errors.ts';
import { IntervalMinutes } from '../domain/model/common.ts';
import { MINUTE_MS, toIso, toMs } from '../domain/time.ts';
import type { Interval, IntervalPeriod } from './schemas.ts';

/** Throws a {@link ValidationError} naming the offending field. */
export function refuse(path: string, message: string): never {
  throw new ValidationError(`${path}: ${message}`, [{ path, message }]);
}

/** Minutes of an ISO 8601 duration made only of hours, minutes and whole seconds (`PT15M`, `PT1H`). */
export function durationMinutes(duration: string, path: string): number {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(duration);
  if (!m || duration === 'PT')
    refuse(path, `duration '${duration}' is not a whole number of minutes in PTnHnMnS form`);
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  if (seconds % 60 !== 0) refuse(path, `duration '${duration}' is not a whole number of minutes`);
  return seconds / 60;
}

/** The interval length of a duration, if FlexDR supports it (5, 15, 30 or 60 minutes). */
export function intervalMinutesOf(duration: string | undefined, path: string): IntervalMinutes {
  if (duration === undefined) refuse(path, 'an interval duration is required');
  const minutes = durationMinutes(duration, path);
  const parsed = IntervalMinutes.safeParse(minutes);
  if (!parsed.success)
    refuse(path, `interval duration ${duration} is not supported; use PT5M, PT15M, PT30M or PT60M`);
  return parsed.data;
}

/** `instant` plus `minutes`, written in the same UTC offset as `instant` (`+08:00` stays `+08:00`). */
export function addMinutesInOffset(instant: string, minutes: number): string {
  const ms = toMs(instant) + minutes * MINUTE_MS;
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(instant);
  if (!offset) return toIso(ms);
  const sign = offset[1] === '-' ? -1 : 1;
  const offsetMs = sign * (Number(offset[2]) * 60 + Number(offset[3])) * MINUTE_MS;
  return `${toIso(ms + offsetMs).slice(0, -1)}${offset[0]}`.replace('.000', '');
}

/** `PT15M` for 15, `PT1H` for 60. */
export function minutesToDuration(minutes: number): string {
  return minutes % 60 === 0 ? `PT${minutes / 60}H` : `PT${minutes}M`;
}

/** Start of each interval in order, with its one duration, after checking the intervals are consecutive. */
export function eventWindow(
  period: IntervalPeriod | undefined,
  intervals: readonly Interval[],
): { start: string; intervalMinutes: IntervalMinutes } {
  if (period?.randomizeStart && period.randomizeStart !== 'PT0S')
    refuse('intervalPeriod.randomizeStart', 'randomized starts are not supported');
  const first = intervals[0]?.intervalPeriod;
  const start = first?.start ?? period?.start;
  if (start === undefined) refuse('intervalPeriod.start', 'the event needs a start');
  if (start.startsWith('0001-01-01'))
    refuse('intervalPeriod.start', "a start of 'now' (0001-01-01) is not supported");
  const intervalMinutes = intervalMinutesOf(first?.duration ?? period?.duration, 'intervalPeriod.duration');
  const step = intervalMinutes * MINUTE_MS;
  intervals.forEach((interval, i) => {
    const own = interval.intervalPeriod;
    if (own?.start !== undefined && toMs(own.start) !== toMs(start) + i * step)
      refuse(`intervals.${i}.intervalPeriod.start`, 'intervals must be consecutive, in order, without gaps');
    if (
      own?.duration !== undefined &&
      intervalMinutesOf(own.duration, `intervals.${i}.intervalPeriod.duration`) !== intervalMinutes
    )
      refuse(`intervals.${i}.intervalPeriod.duration`, 'every interval must have the same duration');
    if (own?.randomizeStart && own.randomizeStart !== 'PT0S')
      refuse(`intervals.${i}.intervalPeriod.randomizeStart`, 'randomized starts are not supported');
  });
  return { start, intervalMinutes };
}
