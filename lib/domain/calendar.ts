/**
 * The Chinese working calendar: weekends, public holidays and the adjusted working days (调休)
 * the State Council publishes each year, from the `chinese-days` package.
 *
 * Two things the package does not do for us, and why this wrapper exists:
 * - It answers for any year, falling back to "Monday to Friday" where it has no data. A baseline
 *   drawn from such a guess would be wrong exactly around holidays, so a date outside the years
 *   it covers raises {@link InsufficientDataError} instead.
 * - It reads dates with the host's local-time getters, so a `YYYY-MM-DD` string can land on the
 *   previous day on a machine west of UTC. We hand it a `Date` at local noon of the wanted day,
 *   which every time zone reads back as that day.
 */
import chineseDays from 'chinese-days';
import type { z } from 'zod';
import { InsufficientDataError, ValidationError } from './errors.ts';
import type { DayFilter as DayFilterSchema } from './model/program.ts';

/** Which past days may serve a baseline (see `DayFilter` in the program model). */
export type DayFilter = z.infer<typeof DayFilterSchema>;

/** First and last calendar year (inclusive) for which the package has the official arrangement. */
export interface CalendarCoverage {
  firstYear: number;
  lastYear: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// Years the scan for data spans; the package starts at 2004 and adds one year each winter.
const SCAN_FROM = 1990;
const SCAN_TO = 2200;

let coverage: CalendarCoverage | undefined;
// At most one entry per day of the covered years (a few thousand), so the cache stays small.
const workdayCache = new Map<string, boolean>();

/** A `Date` at local noon of the day: its local getters read back that day in every time zone. */
function localNoon(year: number, month: number, day: number): Date {
  return new Date(year, month - 1, day, 12);
}

function parseDate(date: string): { year: number; month: number; day: number } {
  const match = DATE.exec(date);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const valid =
    match !== null && new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10) === date;
  if (!valid) {
    throw new ValidationError(`Not a calendar date (YYYY-MM-DD): ${date}`, [
      { path: 'date', message: `expected YYYY-MM-DD, got ${date}` },
    ]);
  }
  return { year, month, day };
}

/**
 * The years the installed `chinese-days` covers. New Year's Day (元旦, 1 January) is a public
 * holiday every year, so a year with data lists it and a year without does not.
 */
export function chinaCalendarCoverage(): CalendarCoverage {
  if (coverage) return coverage;
  let firstYear = Number.NaN;
  let lastYear = Number.NaN;
  for (let year = SCAN_FROM; year <= SCAN_TO; year++) {
    const jan1 = localNoon(year, 1, 1);
    if (chineseDays.getHolidaysInRange(jan1, jan1, false).length > 0) {
      if (Number.isNaN(firstYear)) firstYear = year;
      lastYear = year;
    }
  }
  if (Number.isNaN(firstYear))
    throw new InsufficientDataError('The chinese-days package holds no holiday data');
  coverage = { firstYear, lastYear };
  return coverage;
}

/**
 * Whether a local date in China is a working day: Monday to Friday unless a public holiday, plus
 * the weekend days declared working days (调休).
 *
 * @param date Local date `YYYY-MM-DD`.
 * @throws {ValidationError} when `date` is not a calendar date.
 * @throws {InsufficientDataError} when the date's year is outside {@link chinaCalendarCoverage}.
 */
/**
 * For estimates (planning profiles), not for money: the Chinese calendar where it has data, Monday
 * to Friday where it stops. Settlement baselines use `isChinaWorkday`, which refuses instead.
 */
export function isLikelyWorkday(date: string): boolean {
  const { year, month, day } = parseDate(date);
  const { firstYear, lastYear } = chinaCalendarCoverage();
  if (year >= firstYear && year <= lastYear) return isChinaWorkday(date);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return weekday >= 1 && weekday <= 5;
}

export function isChinaWorkday(date: string): boolean {
  const cached = workdayCache.get(date);
  if (cached !== undefined) return cached;
  const { year, month, day } = parseDate(date);
  const { firstYear, lastYear } = chinaCalendarCoverage();
  if (year < firstYear || year > lastYear) {
    throw new InsufficientDataError(
      `No Chinese holiday calendar for ${date}: the installed chinese-days covers ${firstYear}–${lastYear}; ` +
        'update it once the State Council publishes that year’s arrangement',
    );
  }
  const workday = chineseDays.isWorkday(localNoon(year, month, day));
  workdayCache.set(date, workday);
  return workday;
}

/**
 * Whether `date` passes `filter`. `SAME_DAY_TYPE` compares with `referenceDate` (the event day);
 * `ANY` never consults the calendar, so it works for years the package does not cover.
 *
 * @throws {InsufficientDataError} when the filter needs the calendar for a year it does not cover.
 */
export function dayMatches(filter: DayFilter, date: string, referenceDate: string): boolean {
  switch (filter) {
    case 'ANY':
      return true;
    case 'WORKDAY':
      return isChinaWorkday(date);
    case 'NON_WORKDAY':
      return !isChinaWorkday(date);
    case 'SAME_DAY_TYPE':
      return isChinaWorkday(date) === isChinaWorkday(referenceDate);
  }
}
