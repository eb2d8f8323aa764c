/**
 * The seed of the working calendar: the years the `chinese-days` package knows, read from its
 * published data file (date strings, so no time zone enters), as version 0 of each year. Stored
 * years (operator entries) take precedence over these; a year the package does not hold is absent,
 * never guessed.
 */
import data from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import pkg from 'chinese-days/package.json' with { type: 'json' };
import { WorkCalendar } from '../../domain/calendar.ts';
import { type CalendarYear, LocalDate, weekdayOf } from '../../domain/model/calendar.ts';

const SOURCE = `chinese-days ${pkg.version} (npm)`;

let seeded: CalendarYear[] | undefined;

/** Every year the installed `chinese-days` holds, oldest first, as calendar years of version 0. */
export function chineseDaysYears(): CalendarYear[] {
  if (seeded) return seeded;
  const byYear = new Map<number, { holidays: string[]; workdays: string[] }>();
  const entry = (date: string) => {
    const year = Number(date.slice(0, 4));
    let y = byYear.get(year);
    if (!y) {
      y = { holidays: [], workdays: [] };
      byYear.set(year, y);
    }
    return y;
  };
  for (const date of Object.keys(data.holidays)) entry(LocalDate.parse(date)).holidays.push(date);
  for (const date of Object.keys(data.workdays)) {
    // The package lists every working day it knows of with a reason; an adjusted one falls on a weekend.
    const weekday = weekdayOf(LocalDate.parse(date));
    if (weekday === 0 || weekday === 6) entry(date).workdays.push(date);
  }
  seeded = [...byYear.entries()]
    .sort(([a], [b]) => a - b)
    .map(([year, y]) => ({
      year,
      source: SOURCE,
      holidays: y.holidays.sort(),
      workdays: y.workdays.sort(),
      version: 0,
    }));
  return seeded;
}

/** The seeded years as a calendar, for simulations and tests (the coordinator reads its store). */
export function seededCalendar(): WorkCalendar {
  return new WorkCalendar(chineseDaysYears());
}
