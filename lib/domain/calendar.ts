/**
 * The Chinese working calendar as data: weekends, public holidays and the adjusted working days
 * (调休) the State Council publishes each year, one {@link CalendarYear} per year. Operators enter
 * each year (the notice comes out in late autumn); the `chinese-days` package seeds the years it
 * knows. Pure: dates are `YYYY-MM-DD` strings in China and weekdays are computed in UTC, so the
 * host's time zone never matters.
 *
 * A year the calendar does not hold is never guessed for money: {@link WorkCalendar.isWorkday}
 * raises {@link CalendarMissingError}, which settlement turns into *awaiting data*. Planning, which
 * only needs a good estimate, asks {@link WorkCalendar.covers} first and falls back to the
 * building's same-weekday profile.
 */
import type * as z from 'zod';
import { InsufficientDataError, ValidationError } from './errors.ts';
import {
  type CalendarVersionUsed,
  type CalendarYear,
  type CalendarYearInput,
  LocalDate,
  weekdayOf,
} from './model/calendar.ts';
import type { DayFilter as DayFilterSchema } from './model/program.ts';

/** Which past days may serve a baseline (see `DayFilter` in the program model). */
export type DayFilter = z.infer<typeof DayFilterSchema>;

/** A date's year has no calendar: an operator must enter it before anything depending on it settles. */
export class CalendarMissingError extends InsufficientDataError {
  constructor(
    readonly year: number,
    readonly date: string,
  ) {
    super(
      `No working calendar for ${year} (needed for ${date}): enter the State Council's holiday ` +
        `arrangement for ${year} with PUT /calendars/${year}`,
    );
  }
}

function yearOf(date: string): number {
  if (!LocalDate.safeParse(date).success) {
    throw new ValidationError(`Not a calendar date (YYYY-MM-DD): ${date}`, [
      { path: 'date', message: `expected YYYY-MM-DD, got ${date}` },
    ]);
  }
  return Number(date.slice(0, 4));
}

/**
 * Checks an operator's entry for `year` and makes it the next version of that year.
 *
 * @throws {ValidationError} naming every date that lies outside `year`.
 */
export function calendarYearFrom(
  year: number,
  input: CalendarYearInput,
  previous: CalendarYear | undefined,
  at: string,
  by: string,
): CalendarYear {
  const issues = (['holidays', 'workdays'] as const).flatMap((list) =>
    input[list].flatMap((d, i) =>
      Number(d.slice(0, 4)) === year ? [] : [{ path: `${list}.${i}`, message: `${d} is not in ${year}` }],
    ),
  );
  if (issues.length > 0) {
    throw new ValidationError(
      `calendar ${year}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return {
    year,
    source: input.source,
    holidays: [...new Set(input.holidays)].sort(),
    workdays: [...new Set(input.workdays)].sort(),
    version: (previous?.version ?? 0) + 1,
    updatedAt: at,
    updatedBy: by,
  };
}

/** The working calendar over the years it holds. Immutable; cheap to build per use-case call. */
export class WorkCalendar {
  private readonly years: ReadonlyMap<number, CalendarYear>;
  private readonly holidays = new Set<string>();
  private readonly workdays = new Set<string>();

  constructor(years: readonly CalendarYear[]) {
    this.years = new Map(years.map((y) => [y.year, y]));
    for (const y of this.years.values()) {
      for (const d of y.holidays) this.holidays.add(d);
      for (const d of y.workdays) this.workdays.add(d);
    }
  }

  /** Whether the calendar holds the year of `date`. */
  covers(date: string): boolean {
    return this.years.has(yearOf(date));
  }

  /** The years held, oldest first. */
  list(): CalendarYear[] {
    return [...this.years.values()].sort((a, b) => a.year - b.year);
  }

  /**
   * Whether `date` is a working day in China: Monday to Friday unless a public holiday, plus the
   * weekend days declared working days (调休).
   *
   * @throws {CalendarMissingError} when the calendar does not hold the date's year.
   * @throws {ValidationError} when `date` is not a calendar date.
   */
  isWorkday(date: string): boolean {
    const year = yearOf(date);
    if (!this.years.has(year)) throw new CalendarMissingError(year, date);
    if (this.workdays.has(date)) return true;
    if (this.holidays.has(date)) return false;
    const weekday = weekdayOf(date);
    return weekday >= 1 && weekday <= 5;
  }

  /** {@link isWorkday}, or `undefined` where the calendar does not hold the year (estimates only). */
  workdayOrUnknown(date: string): boolean | undefined {
    return this.covers(date) ? this.isWorkday(date) : undefined;
  }

  /**
   * Whether `date` passes `filter`. `SAME_DAY_TYPE` compares with `referenceDate` (the event day);
   * `ANY` never consults the calendar.
   *
   * @throws {CalendarMissingError} when the filter needs a year the calendar does not hold.
   */
  dayMatches(filter: DayFilter, date: string, referenceDate: string): boolean {
    switch (filter) {
      case 'ANY':
        return true;
      case 'WORKDAY':
        return this.isWorkday(date);
      case 'NON_WORKDAY':
        return !this.isWorkday(date);
      case 'SAME_DAY_TYPE':
        return this.isWorkday(date) === this.isWorkday(referenceDate);
    }
  }

  /** The versions of the years of `dates` (each year once, oldest first) that this calendar holds. */
  versionsOf(dates: Iterable<string>): CalendarVersionUsed[] {
    const years = [...new Set([...dates].map(yearOf))].sort((a, b) => a - b);
    return years.flatMap((year) => {
      const y = this.years.get(year);
      return y ? [{ year, version: y.version, source: y.source }] : [];
    });
  }
}
