import { describe, expect, it } from 'vitest';
import { chineseDaysYears } from '../../lib/adapters/calendar/chinese-days.ts';
import { computeBaseline, type LoadReading } from '../../lib/domain/baseline.ts';
import { CalendarMissingError, calendarYearFrom, WorkCalendar } from '../../lib/domain/calendar.ts';
import { ValidationError } from '../../lib/domain/errors.ts';
import { CalendarYearInput } from '../../lib/domain/model/calendar.ts';
import { BaselineMethod } from '../../lib/domain/model/program.ts';
import { chinaMidnight, HOUR_MS } from '../../lib/domain/time.ts';

// A fictional year: 2031's arrangement is not published, so these dates are made up for the tests.
const FICTIONAL = { source: 'fictional', holidays: ['2031-03-10', '2031-03-06'], workdays: ['2031-03-08'] };
const AT = '2031-01-01T00:00:00.000Z';

describe('calendarYearFrom', () => {
  it('makes an entry the next version of its year, its dates sorted and each once', () => {
    // Prepare
    const input = CalendarYearInput.parse({ ...FICTIONAL, holidays: [...FICTIONAL.holidays, '2031-03-06'] });

    // Act
    const first = calendarYearFrom(2031, input, undefined, AT, 'op-1');
    const second = calendarYearFrom(2031, input, first, AT, 'op-2');

    // Assess
    expect(first).toEqual({
      year: 2031,
      source: 'fictional',
      holidays: ['2031-03-06', '2031-03-10'],
      workdays: ['2031-03-08'],
      version: 1,
      updatedAt: AT,
      updatedBy: 'op-1',
    });
    expect(second.version).toBe(2);
  });

  it('refuses dates of another year, naming each', () => {
    // Prepare
    const input = CalendarYearInput.parse({
      ...FICTIONAL,
      holidays: ['2030-12-31', '2031-01-01'],
      workdays: ['2032-01-03'],
    });

    // Act
    const act = () => calendarYearFrom(2031, input, undefined, AT, 'op-1');

    // Assess
    expect(act).toThrow(ValidationError);
    expect(act).toThrow(/holidays\.0: 2030-12-31 is not in 2031; workdays\.0: 2032-01-03 is not in 2031/);
  });

  it('refuses a weekday as an adjusted working day and a date listed both ways', () => {
    // Act: Tuesday 11 March 2031 is a weekday; Saturday 8 March cannot be both
    const weekday = CalendarYearInput.safeParse({ ...FICTIONAL, workdays: ['2031-03-11'] });
    const both = CalendarYearInput.safeParse({ ...FICTIONAL, holidays: ['2031-03-08'] });
    const notADate = CalendarYearInput.safeParse({ ...FICTIONAL, holidays: ['2031-02-30'] });

    // Assess
    expect(weekday.error?.issues[0]?.message).toMatch(/2031-03-11 is a weekday/);
    expect(both.error?.issues[0]?.message).toMatch(/also listed as a holiday/);
    expect(notADate.success).toBe(false);
  });
});

describe('WorkCalendar', () => {
  const calendar = new WorkCalendar([
    ...chineseDaysYears(),
    calendarYearFrom(2031, FICTIONAL, undefined, AT, 'op'),
  ]);

  it('answers from an entered year: holidays off, adjusted weekends worked, Monday to Friday otherwise', () => {
    // Act
    const days = ['2031-03-10', '2031-03-06', '2031-03-08', '2031-03-09', '2031-03-11'].map((d) =>
      calendar.isWorkday(d),
    );

    // Assess
    expect(days).toEqual([false, false, true, false, true]);
  });

  it('refuses a year it does not hold, saying how to enter it, and says so without throwing when asked', () => {
    // Act
    const act = () => calendar.isWorkday('2030-06-03');

    // Assess
    expect(act).toThrow(CalendarMissingError);
    expect(act).toThrow(/PUT \/calendars\/2030/);
    expect(calendar.covers('2030-06-03')).toBe(false);
    expect(calendar.workdayOrUnknown('2030-06-03')).toBeUndefined();
    expect(calendar.workdayOrUnknown('2031-03-08')).toBe(true);
  });

  it('lets an entered year replace the seeded one', () => {
    // Prepare: an operator amends 2025, making Wednesday 1 October an ordinary working day
    const amended = calendarYearFrom(
      2025,
      { source: 'amended', holidays: [], workdays: [] },
      undefined,
      AT,
      'op',
    );
    const years = new Map(chineseDaysYears().map((y) => [y.year, y]));
    years.set(2025, amended);

    // Act
    const before = new WorkCalendar(chineseDaysYears()).isWorkday('2025-10-01');
    const after = new WorkCalendar([...years.values()]).isWorkday('2025-10-01');

    // Assess
    expect(before).toBe(false);
    expect(after).toBe(true);
  });

  it('lists the versions of the years a set of dates falls in, each year once', () => {
    // Act
    const used = calendar.versionsOf(['2031-03-06', '2025-10-01', '2031-01-02', '2030-05-05']);

    // Assess: 2030 is not held, so it is not listed
    expect(used).toEqual([
      { year: 2025, version: 0, source: expect.stringMatching(/^chinese-days /) },
      { year: 2031, version: 1, source: 'fictional' },
    ]);
  });
});

describe('baselines anchored on the notice day', () => {
  // Hourly readings at 14:00 of each day: 160 kW on Tuesday 18 November 2025, 100 kW on every
  // other day from 10 to 17 November.
  const readings: LoadReading[] = [
    '2025-11-10',
    '2025-11-11',
    '2025-11-12',
    '2025-11-13',
    '2025-11-14',
    '2025-11-15',
    '2025-11-16',
    '2025-11-17',
    '2025-11-18',
  ].map((d) => ({ startMs: chinaMidnight(d) + 14 * HOUR_MS, kw: d === '2025-11-18' ? 160 : 100 }));
  const input = (anchor: 'EVENT_DAY' | 'NOTICE_DAY', noticeAtMs?: number) => ({
    method: BaselineMethod.parse({ method: 'N_DAY_AVERAGE', days: 5, dayFilter: 'WORKDAY', anchor }),
    eventStartMs: Date.parse('2025-11-19T14:00:00+08:00'),
    intervalMinutes: 60,
    intervals: 1,
    readings,
    calendar: new WorkCalendar(chineseDaysYears()),
    ...(noticeAtMs === undefined ? {} : { noticeAtMs }),
  });

  it('counts the five working days back from the day before the notice (Jiangsu), not the event', () => {
    // Prepare: an event on Wednesday 19 November notified on Tuesday 18 November
    const notice = Date.parse('2025-11-18T10:00:00+08:00');

    // Act
    const fromEvent = computeBaseline(input('EVENT_DAY', notice));
    const fromNotice = computeBaseline(input('NOTICE_DAY', notice));

    // Assess: from the event day the days are 18, 17, 14, 13, 12 November: (160 + 4 × 100) / 5 = 112;
    // from the notice day they are 17, 14, 13, 12, 11 November: 100 (−10.7 %). Both consulted
    // the seeded 2025 calendar.
    expect(fromEvent.days).toEqual(['2025-11-18', '2025-11-17', '2025-11-14', '2025-11-13', '2025-11-12']);
    expect(fromEvent.kw).toEqual([112]);
    expect(fromNotice.days).toEqual(['2025-11-17', '2025-11-14', '2025-11-13', '2025-11-12', '2025-11-11']);
    expect(fromNotice.kw).toEqual([100]);
    expect(fromNotice.anchorDate).toBe('2025-11-18');
    expect(fromNotice.calendar).toEqual([
      { year: 2025, version: 0, source: expect.stringMatching(/^chinese-days /) },
    ]);
  });

  it('is the event-day baseline when the notice comes the same day', () => {
    // Act
    const sameDay = computeBaseline(input('NOTICE_DAY', Date.parse('2025-11-19T09:00:00+08:00')));

    // Assess
    expect(sameDay.kw).toEqual([112]);
  });

  it('needs the notice instant, and one not after the event', () => {
    // Act
    const missing = () => computeBaseline(input('NOTICE_DAY'));
    const late = () => computeBaseline(input('NOTICE_DAY', Date.parse('2025-11-20T09:00:00+08:00')));

    // Assess
    expect(missing).toThrow(/needs the notice instant/);
    expect(late).toThrow(/notified after it started/);
  });
});
