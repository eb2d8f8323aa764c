import { describe, expect, it } from 'vitest';
import { chineseDaysYears, seededCalendar } from '../../lib/adapters/calendar/chinese-days.ts';
import { CalendarMissingError } from '../../lib/domain/calendar.ts';
import { InsufficientDataError, ValidationError } from '../../lib/domain/errors.ts';

// The calendar seeded from chinese-days, as the coordinator holds it before any operator entry.
const calendar = seededCalendar();
const isChinaWorkday = (date: string) => calendar.isWorkday(date);
const dayMatches = calendar.dayMatches.bind(calendar);

// 2025 National Day and Mid-autumn (国办发明电〔2024〕12号): 1–8 October off, Sunday 28 September and
// Saturday 11 October worked. 2024 National Day: 1–7 October off, Sunday 29 September and Saturday
// 12 October worked.

describe('isChinaWorkday', () => {
  it('treats the National Day holiday as non-working, whatever the weekday', () => {
    // Prepare: 1 October 2025 is a Wednesday, 8 October a Wednesday, 6 October a Monday
    const holidays = ['2025-10-01', '2025-10-06', '2025-10-08'];

    // Act
    const working = holidays.map(isChinaWorkday);

    // Assess
    expect(working).toEqual([false, false, false]);
  });

  it('treats adjusted weekend days (调休) as working days and ordinary weekends as not', () => {
    // Prepare: 28 September 2025 is a Sunday, 11 October a Saturday; 12 October an ordinary Sunday
    const dates = ['2025-09-28', '2025-10-11', '2025-10-12', '2025-09-27'];

    // Act
    const working = dates.map(isChinaWorkday);

    // Assess
    expect(working).toEqual([true, true, false, false]);
  });

  it('treats an ordinary weekday as a working day', () => {
    // Prepare: Thursday 9 October 2025, the first day back
    const date = '2025-10-09';

    // Act
    const working = isChinaWorkday(date);

    // Assess
    expect(working).toBe(true);
  });

  it('gives the same answers on a host west of UTC', () => {
    // Prepare: dates not asked elsewhere in this file, so no cached answer hides the time zone
    const previous = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    try {
      expect(new Date(Date.UTC(2024, 9, 1)).getDate()).toBe(30);

      // Act: Tuesday 1 October 2024 off, Saturday 12 October 2024 worked, Monday 30 September worked
      const working = ['2024-10-01', '2024-10-12', '2024-09-30'].map(isChinaWorkday);

      // Assess
      expect(working).toEqual([false, true, true]);
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });

  it('refuses years the package does not cover instead of guessing', () => {
    // Prepare: 2099 and 2003 are outside the data (it starts in 2004 and ends in the next year at most)
    const dates = ['2099-01-05', '2003-06-02'];

    // Act
    const attempts = dates.map((date) => () => isChinaWorkday(date));

    // Assess
    for (const attempt of attempts) {
      expect(attempt).toThrow(InsufficientDataError);
      expect(attempt).toThrow(CalendarMissingError);
      expect(attempt).toThrow(/PUT \/calendars\/(2099|2003)/);
    }
  });

  it('rejects strings that are not calendar dates', () => {
    // Prepare
    const dates = ['2025-13-01', '2025-02-30', '2025-1-1', '20251001'];

    // Act
    const attempts = dates.map((date) => () => isChinaWorkday(date));

    // Assess
    for (const attempt of attempts) expect(attempt).toThrow(ValidationError);
  });
});

describe('chineseDaysYears', () => {
  it('seeds every year from 2004 to at least 2026 as version 0, adjusted working days all on weekends', () => {
    // Act
    const years = chineseDaysYears();
    const weekdays = years.flatMap((y) => y.workdays).map((d) => new Date(`${d}T00:00:00Z`).getUTCDay());

    // Assess
    expect(years[0]?.year).toBe(2004);
    expect(years.at(-1)?.year).toBeGreaterThanOrEqual(2026);
    expect(years.map((y) => y.year)).toEqual(years.map((_, i) => 2004 + i));
    expect(years.every((y) => y.version === 0 && y.holidays.length > 0)).toBe(true);
    expect(weekdays.every((w) => w === 0 || w === 6)).toBe(true);
  });
});

describe('dayMatches', () => {
  // Prepare (shared): a working Thursday, a holiday Wednesday, an adjusted working Saturday, a Sunday
  const workday = '2025-10-09';
  const holiday = '2025-10-01';
  const adjustedSaturday = '2025-10-11';
  const sunday = '2025-10-12';
  const candidates = [workday, holiday, adjustedSaturday, sunday];

  it('WORKDAY keeps working days, adjusted weekends included', () => {
    // Act
    const kept = candidates.filter((date) => dayMatches('WORKDAY', date, sunday));

    // Assess
    expect(kept).toEqual([workday, adjustedSaturday]);
  });

  it('NON_WORKDAY keeps holidays and ordinary weekends', () => {
    // Act
    const kept = candidates.filter((date) => dayMatches('NON_WORKDAY', date, workday));

    // Assess
    expect(kept).toEqual([holiday, sunday]);
  });

  it('SAME_DAY_TYPE follows the reference day', () => {
    // Act
    const likeHoliday = candidates.filter((date) => dayMatches('SAME_DAY_TYPE', date, holiday));
    const likeSaturday = candidates.filter((date) => dayMatches('SAME_DAY_TYPE', date, adjustedSaturday));

    // Assess
    expect(likeHoliday).toEqual([holiday, sunday]);
    expect(likeSaturday).toEqual([workday, adjustedSaturday]);
  });

  it('ANY keeps every day without consulting the calendar', () => {
    // Act
    const kept = candidates.filter((date) => dayMatches('ANY', date, workday));
    const uncovered = dayMatches('ANY', '2099-01-05', '2099-01-06');

    // Assess
    expect(kept).toEqual(candidates);
    expect(uncovered).toBe(true);
  });
});
