import { describe, expect, it } from 'vitest';
import { seededCalendar } from '../../lib/adapters/calendar/chinese-days.ts';
import {
  type BaselineInput,
  computeBaseline,
  type LoadReading,
  naturalLoadForecast,
} from '../../lib/domain/baseline.ts';
import { InsufficientDataError, ValidationError } from '../../lib/domain/errors.ts';
import { BaselineMethod } from '../../lib/domain/model/program.ts';
import { chinaMidnight, HOUR_MS } from '../../lib/domain/time.ts';

/** Epoch ms of a local (UTC+8) time on a date. */
const at = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+08:00`);

/** Hourly readings of one local day, keyed by hour. */
function day(date: string, kwByHour: Record<number, number>): LoadReading[] {
  return Object.entries(kwByHour).map(([hour, kw]) => ({
    startMs: chinaMidnight(date) + Number(hour) * HOUR_MS,
    kw,
  }));
}

/** Hourly baseline input; `method` goes through the schema so its defaults apply. */
function hourly(
  method: unknown,
  eventStart: string,
  intervals: number,
  readings: LoadReading[],
  eventDays: string[] = [],
): BaselineInput {
  return {
    method: BaselineMethod.parse(method),
    eventStartMs: Date.parse(eventStart),
    intervalMinutes: 60,
    intervals,
    readings,
    eventDays: new Set(eventDays),
    calendar,
  };
}

const calendar = seededCalendar();

describe('N_DAY_AVERAGE', () => {
  it('skips the National Day holiday and counts the adjusted working Sunday', () => {
    // Prepare: event Thursday 9 October 2025, 14:00–16:00. Back from 8 October: 1–8 October are
    // holidays, Tuesday 30 and Monday 29 September work, Sunday 28 September is a 调休 working day.
    const holidays = ['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04', '2025-10-05'];
    const readings = [
      ...['2025-10-08', '2025-10-07', '2025-10-06', ...holidays].flatMap((d) =>
        day(d, { 14: 1000, 15: 1000 }),
      ),
      ...day('2025-10-09', { 14: 9999, 15: 9999 }),
      ...day('2025-09-30', { 14: 100, 15: 110 }),
      ...day('2025-09-29', { 14: 200, 15: 220 }),
      ...day('2025-09-28', { 14: 300, 15: 330 }),
      ...day('2025-09-27', { 14: 5000, 15: 5000 }),
      ...day('2025-09-26', { 14: 7000, 15: 7000 }),
    ];
    const input = hourly({ method: 'N_DAY_AVERAGE', days: 3 }, '2025-10-09T14:00:00+08:00', 2, readings);

    // Act
    const baseline = computeBaseline(input);

    // Assess: 14:00 (100 + 200 + 300) / 3 = 200; 15:00 (110 + 220 + 330) / 3 = 220
    expect(baseline.days).toEqual(['2025-09-30', '2025-09-29', '2025-09-28']);
    expect(baseline.requestedDays).toBe(3);
    expect(baseline.kw[0]).toBeCloseTo(200, 9);
    expect(baseline.kw[1]).toBeCloseTo(220, 9);
    expect(baseline.adjustment).toBeUndefined();
  });

  it('counts the adjusted working Saturday after the holiday', () => {
    // Prepare: event Monday 13 October 2025; Sunday 12 is off, Saturday 11 is a 调休 working day
    const readings = [
      ...day('2025-10-12', { 10: 1000 }),
      ...day('2025-10-11', { 10: 50 }),
      ...day('2025-10-10', { 10: 70 }),
      ...day('2025-10-09', { 10: 1000 }),
    ];
    const input = hourly({ method: 'N_DAY_AVERAGE', days: 2 }, '2025-10-13T10:00:00+08:00', 1, readings);

    // Act
    const baseline = computeBaseline(input);

    // Assess: (50 + 70) / 2 = 60
    expect(baseline.days).toEqual(['2025-10-11', '2025-10-10']);
    expect(baseline.kw[0]).toBeCloseTo(60, 9);
  });

  it.each(['NON_WORKDAY', 'SAME_DAY_TYPE'])(
    '%s on a Sunday draws on holidays, not the adjusted Saturday',
    (dayFilter) => {
      // Prepare: event Sunday 12 October 2025; Saturday 11 works, 10 and 9 October are working days,
      // 8 and 7 October are holidays
      const readings = [
        ...day('2025-10-11', { 10: 1000 }),
        ...day('2025-10-10', { 10: 1000 }),
        ...day('2025-10-09', { 10: 1000 }),
        ...day('2025-10-08', { 10: 40 }),
        ...day('2025-10-07', { 10: 60 }),
      ];
      const input = hourly(
        { method: 'N_DAY_AVERAGE', days: 2, dayFilter },
        '2025-10-12T10:00:00+08:00',
        1,
        readings,
      );

      // Act
      const baseline = computeBaseline(input);

      // Assess: (40 + 60) / 2 = 50
      expect(baseline.days).toEqual(['2025-10-08', '2025-10-07']);
      expect(baseline.kw[0]).toBeCloseTo(50, 9);
    },
  );

  it('skips past event days and days with a gap in the event window, whatever the reading order', () => {
    // Prepare: event Thursday 20 November 2025, 14:00–16:00. Wednesday 19 had an event, Tuesday 18
    // lacks its 15:00 reading, the weekend does not count.
    const readings = [
      ...day('2025-11-19', { 14: 500, 15: 510 }),
      ...day('2025-11-18', { 14: 400 }),
      ...day('2025-11-17', { 14: 120, 15: 130 }),
      ...day('2025-11-16', { 14: 800, 15: 800 }),
      ...day('2025-11-15', { 14: 800, 15: 800 }),
      ...day('2025-11-14', { 14: 90, 15: 100 }),
      ...day('2025-11-13', { 14: 150, 15: 160 }),
      ...day('2025-11-12', { 14: 600, 15: 600 }),
    ].reverse();
    const input = hourly({ method: 'N_DAY_AVERAGE', days: 3 }, '2025-11-20T14:00:00+08:00', 2, readings, [
      '2025-11-19',
    ]);

    // Act
    const baseline = computeBaseline(input);

    // Assess: 14:00 (120 + 90 + 150) / 3 = 120; 15:00 (130 + 100 + 160) / 3 = 130
    expect(baseline.days).toEqual(['2025-11-17', '2025-11-14', '2025-11-13']);
    expect(baseline.kw[0]).toBeCloseTo(120, 9);
    expect(baseline.kw[1]).toBeCloseTo(130, 9);
  });

  it('uses the eligible days it finds when the lookback holds fewer than asked', () => {
    // Prepare: 5 days asked, but the lookback of 3 days reaches only 19, 18 and 17 November
    const readings = [
      ...day('2025-11-19', { 14: 10 }),
      ...day('2025-11-18', { 14: 20 }),
      ...day('2025-11-17', { 14: 60 }),
      ...day('2025-11-14', { 14: 1000 }),
    ];
    const input = hourly(
      { method: 'N_DAY_AVERAGE', days: 5, lookbackDays: 3 },
      '2025-11-20T14:00:00+08:00',
      1,
      readings,
    );

    // Act
    const baseline = computeBaseline(input);

    // Assess: (10 + 20 + 60) / 3 = 30
    expect(baseline.days).toEqual(['2025-11-19', '2025-11-18', '2025-11-17']);
    expect(baseline.requestedDays).toBe(5);
    expect(baseline.kw[0]).toBeCloseTo(30, 9);
  });

  it('compares an event across midnight with the windows starting on past days', () => {
    // Prepare: event Thursday 20 November 2025 23:00–01:00; Wednesday 19's window runs into the 20th
    const readings = [...day('2025-11-19', { 23: 40 }), ...day('2025-11-20', { 0: 60 })];
    const input = hourly({ method: 'N_DAY_AVERAGE', days: 1 }, '2025-11-20T23:00:00+08:00', 2, readings);

    // Act
    const baseline = computeBaseline(input);

    // Assess
    expect(baseline.days).toEqual(['2025-11-19']);
    expect(baseline.kw).toEqual([40, 60]);
  });

  it('throws InsufficientDataError naming the method and lookback when no day is eligible', () => {
    // Prepare: only weekend and event-day readings within the 10-day lookback
    const readings = [...day('2025-11-16', { 14: 100 }), ...day('2025-11-15', { 14: 100 })];
    const input = hourly(
      { method: 'N_DAY_AVERAGE', days: 5, lookbackDays: 10 },
      '2025-11-20T14:00:00+08:00',
      1,
      readings,
    );

    // Act
    const act = () => computeBaseline(input);

    // Assess
    expect(act).toThrow(InsufficientDataError);
    expect(act).toThrow(/N_DAY_AVERAGE: no eligible day .* in the 10 days before 2025-11-20/);
  });

  it('refuses a working-day filter in a year the holiday data does not cover, but not ANY', () => {
    // Prepare: an event in 2099
    const readings = day('2099-03-02', { 14: 75 });
    const workdays = hourly({ method: 'N_DAY_AVERAGE', days: 1 }, '2099-03-03T14:00:00+08:00', 1, readings);
    const anyDay = hourly(
      { method: 'N_DAY_AVERAGE', days: 1, dayFilter: 'ANY' },
      '2099-03-03T14:00:00+08:00',
      1,
      readings,
    );

    // Act
    const act = () => computeBaseline(workdays);
    const baseline = computeBaseline(anyDay);

    // Assess
    expect(act).toThrow(InsufficientDataError);
    expect(act).toThrow(/No working calendar for 2099/);
    expect(baseline.kw).toEqual([75]);
  });
});

describe('HIGH_K_OF_M', () => {
  // Prepare (shared): event Friday 21 November 2025, 14:00–16:00; skipDays 1 leaves out Thursday 20,
  // so the m = 4 most recent working days are 19, 18, 17 and 14 November (13 is the fifth).
  //   day     09:00  14:00  15:00   daily max  window mean
  //   19 Wed   300    100    120      300        110
  //   18 Tue   150    200    220      220        210
  //   17 Mon   400    150    150      400        150
  //   14 Fri   100    180    180      180        180
  const eventStart = '2025-11-21T14:00:00+08:00';
  const readings = [
    ...day('2025-11-20', { 9: 999, 14: 999, 15: 999 }),
    ...day('2025-11-19', { 9: 300, 14: 100, 15: 120 }),
    ...day('2025-11-18', { 9: 150, 14: 200, 15: 220 }),
    ...day('2025-11-17', { 9: 400, 14: 150, 15: 150 }),
    ...day('2025-11-14', { 9: 100, 14: 180, 15: 180 }),
    ...day('2025-11-13', { 9: 999, 14: 999, 15: 999 }),
  ];
  const highTwoOfFour = { method: 'HIGH_K_OF_M', k: 2, m: 4, skipDays: 1 };

  it('by DAILY_MAX picks the days with the highest peak anywhere in the day', () => {
    // Prepare
    const input = hourly({ ...highTwoOfFour, rankBy: 'DAILY_MAX' }, eventStart, 2, readings);

    // Act
    const baseline = computeBaseline(input);

    // Assess: 17 (400) and 19 (300); 14:00 (100 + 150) / 2 = 125, 15:00 (120 + 150) / 2 = 135
    expect(baseline.candidateDays).toEqual(['2025-11-19', '2025-11-18', '2025-11-17', '2025-11-14']);
    expect(baseline.days).toEqual(['2025-11-19', '2025-11-17']);
    expect(baseline.requestedDays).toBe(2);
    expect(baseline.kw[0]).toBeCloseTo(125, 9);
    expect(baseline.kw[1]).toBeCloseTo(135, 9);
  });

  it('by WINDOW_AVERAGE picks the days with the highest load over the event window', () => {
    // Prepare
    const input = hourly({ ...highTwoOfFour, rankBy: 'WINDOW_AVERAGE' }, eventStart, 2, readings);

    // Act
    const baseline = computeBaseline(input);

    // Assess: 18 (210) and 14 (180); 14:00 (200 + 180) / 2 = 190, 15:00 (220 + 180) / 2 = 200
    expect(baseline.days).toEqual(['2025-11-18', '2025-11-14']);
    expect(baseline.kw[0]).toBeCloseTo(190, 9);
    expect(baseline.kw[1]).toBeCloseTo(200, 9);
  });

  it('reads the whole of the oldest day in the lookback when ranking by daily maximum', () => {
    // Prepare: lookback 2 days before Thursday 20 November; the 18th, the oldest, peaks at 09:00
    const edge = [...day('2025-11-19', { 9: 100, 14: 200 }), ...day('2025-11-18', { 9: 500, 14: 150 })];
    const input = hourly(
      { method: 'HIGH_K_OF_M', k: 1, m: 2, lookbackDays: 2, rankBy: 'DAILY_MAX' },
      '2025-11-20T14:00:00+08:00',
      1,
      edge,
    );

    // Act
    const baseline = computeBaseline(input);

    // Assess: 500 > 200, so the 18th and its 14:00 reading
    expect(baseline.days).toEqual(['2025-11-18']);
    expect(baseline.kw).toEqual([150]);
  });

  it('breaks a tie in favour of the more recent day', () => {
    // Prepare: 20 and 19 November both peak at 300 kW; 18 peaks at 250
    const tied = [
      ...day('2025-11-20', { 9: 100, 14: 300 }),
      ...day('2025-11-19', { 9: 300, 14: 200 }),
      ...day('2025-11-18', { 9: 100, 14: 250 }),
    ];
    const input = hourly({ method: 'HIGH_K_OF_M', k: 1, m: 3 }, eventStart, 1, tied);

    // Act
    const baseline = computeBaseline(input);

    // Assess: the 20th wins the tie, so its 14:00 reading is the baseline
    expect(baseline.days).toEqual(['2025-11-20']);
    expect(baseline.kw).toEqual([300]);
  });

  it('throws InsufficientDataError naming the method when no day is eligible', () => {
    // Prepare: only the skipped day has readings
    const input = hourly(highTwoOfFour, eventStart, 2, day('2025-11-20', { 14: 100, 15: 100 }));

    // Act
    const act = () => computeBaseline(input);

    // Assess
    expect(act).toThrow(InsufficientDataError);
    expect(act).toThrow(/HIGH_K_OF_M: no eligible day .* in the 60 days before 2025-11-21/);
  });
});

describe('day-of adjustment', () => {
  // Prepare (shared): event Thursday 20 November 2025 14:00–15:00, W = [10:00, 13:00).
  //   day     10:00  11:00  12:00  14:00
  //   19 Wed    90    100    110    150
  //   18 Tue   110    100     90    250
  //   B         100    100    100    200
  const eventStart = '2025-11-20T14:00:00+08:00';
  const history = [
    ...day('2025-11-19', { 10: 90, 11: 100, 12: 110, 14: 150 }),
    ...day('2025-11-18', { 10: 110, 11: 100, 12: 90, 14: 250 }),
  ];
  const withDayOf = (load: [number, number, number]) => [
    ...history,
    ...day('2025-11-20', { 10: load[0], 11: load[1], 12: load[2] }),
  ];
  const average = (kind: 'MULTIPLICATIVE' | 'ADDITIVE') => ({
    method: 'N_DAY_AVERAGE',
    days: 2,
    adjustment: { kind },
  });

  it.each([
    // ΣL / ΣB = 450 / 300 = 1.5, capped at 1.2: 200 × 1.2 = 240
    { load: [150, 150, 150], factor: 1.2, uncapped: 1.5, capped: true, kw: 240 },
    // 150 / 300 = 0.5, capped at 0.8: 200 × 0.8 = 160
    { load: [50, 50, 50], factor: 0.8, uncapped: 0.5, capped: true, kw: 160 },
    // 330 / 300 = 1.1: 200 × 1.1 = 220
    { load: [100, 110, 120], factor: 1.1, uncapped: 1.1, capped: false, kw: 220 },
  ] as const)(
    'MULTIPLICATIVE with day-of load $load gives factor $factor',
    ({ load, factor, uncapped, capped, kw }) => {
      // Prepare
      const input = hourly(average('MULTIPLICATIVE'), eventStart, 1, withDayOf([...load]));

      // Act
      const baseline = computeBaseline(input);

      // Assess
      expect(baseline.adjustment?.factor).toBeCloseTo(factor, 9);
      expect(baseline.adjustment?.uncapped).toBeCloseTo(uncapped, 9);
      expect(baseline.adjustment?.capped).toBe(capped);
      expect(baseline.adjustment?.windowStartMs).toBe(at('2025-11-20', '10:00'));
      expect(baseline.adjustment?.windowEndMs).toBe(at('2025-11-20', '13:00'));
      expect(baseline.kw[0]).toBeCloseTo(kw, 9);
    },
  );

  it.each([
    // mean(L − B) = (5 + 15 + 25) / 3 = 15, within ±0.2 × 100: 200 + 15 = 215
    { load: [105, 115, 125], offset: 15, uncapped: 15, capped: false, kw: 215 },
    // mean(L − B) = 50, capped at (1.2 − 1) × 100 = 20: 200 + 20 = 220
    { load: [150, 150, 150], offset: 20, uncapped: 50, capped: true, kw: 220 },
    // mean(L − B) = −60, capped at −(1 − 0.8) × 100 = −20: 200 − 20 = 180
    { load: [40, 40, 40], offset: -20, uncapped: -60, capped: true, kw: 180 },
  ] as const)('ADDITIVE with day-of load $load adds $offset kW', ({ load, offset, uncapped, capped, kw }) => {
    // Prepare
    const input = hourly(average('ADDITIVE'), eventStart, 1, withDayOf([...load]));

    // Act
    const baseline = computeBaseline(input);

    // Assess
    expect(baseline.adjustment?.kind).toBe('ADDITIVE');
    expect(baseline.adjustment?.offsetKw).toBeCloseTo(offset, 9);
    expect(baseline.adjustment?.uncapped).toBeCloseTo(uncapped, 9);
    expect(baseline.adjustment?.capped).toBe(capped);
    expect(baseline.kw[0]).toBeCloseTo(kw, 9);
  });

  it('ADDITIVE on HIGH_K_OF_M takes the window baseline from the chosen days only', () => {
    // Prepare: PJM-like high 2 of 4 by window load on Friday 21 November 2025, 14:00–16:00. The chosen
    // days are 18 (window mean 210) and 14 (180); their W readings average (90 + 130) / 2 = 110 kW.
    // The days left out carry 1000 kW in W, which must not leak in.
    const readings = [
      ...day('2025-11-20', { 10: 1000, 11: 1000, 12: 1000, 14: 100, 15: 100 }),
      ...day('2025-11-19', { 10: 1000, 11: 1000, 12: 1000, 14: 100, 15: 120 }),
      ...day('2025-11-18', { 10: 90, 11: 90, 12: 90, 14: 200, 15: 220 }),
      ...day('2025-11-17', { 10: 1000, 11: 1000, 12: 1000, 14: 150, 15: 150 }),
      ...day('2025-11-14', { 10: 130, 11: 130, 12: 130, 14: 180, 15: 180 }),
      ...day('2025-11-21', { 10: 120, 11: 125, 12: 130 }),
    ];
    const input = hourly(
      {
        method: 'HIGH_K_OF_M',
        k: 2,
        m: 4,
        skipDays: 1,
        rankBy: 'WINDOW_AVERAGE',
        adjustment: { kind: 'ADDITIVE' },
      },
      '2025-11-21T14:00:00+08:00',
      2,
      readings,
    );

    // Act
    const baseline = computeBaseline(input);

    // Assess: offset = 125 − 110 = 15 (cap ±22); 190 + 15 = 205, 200 + 15 = 215
    expect(baseline.days).toEqual(['2025-11-18', '2025-11-14']);
    expect(baseline.adjustment?.offsetKw).toBeCloseTo(15, 9);
    expect(baseline.adjustment?.capped).toBe(false);
    expect(baseline.kw[0]).toBeCloseTo(205, 9);
    expect(baseline.kw[1]).toBeCloseTo(215, 9);
  });

  it('does not use a past day that lacks readings in W', () => {
    // Prepare: 19 November misses 11:00, so 18 and 17 serve; B(14:00) = (250 + 50) / 2 = 150, B(W) = 100
    const readings = [
      ...day('2025-11-19', { 10: 90, 12: 110, 14: 1000 }),
      ...day('2025-11-18', { 10: 110, 11: 100, 12: 90, 14: 250 }),
      ...day('2025-11-17', { 10: 90, 11: 100, 12: 110, 14: 50 }),
      ...day('2025-11-20', { 10: 110, 11: 110, 12: 110 }),
    ];
    const input = hourly(average('MULTIPLICATIVE'), eventStart, 1, readings);

    // Act
    const baseline = computeBaseline(input);

    // Assess: factor 330 / 300 = 1.1; 150 × 1.1 = 165
    expect(baseline.days).toEqual(['2025-11-18', '2025-11-17']);
    expect(baseline.kw[0]).toBeCloseTo(165, 9);
  });

  it('throws InsufficientDataError naming the window when a day-of reading is missing', () => {
    // Prepare: no 11:00 reading on the event day
    const readings = [...history, ...day('2025-11-20', { 10: 100, 12: 100 })];
    const input = hourly(average('ADDITIVE'), eventStart, 1, readings);

    // Act
    const act = () => computeBaseline(input);

    // Assess
    expect(act).toThrow(InsufficientDataError);
    expect(act).toThrow(
      'ADDITIVE adjustment: the event day has no reading for 2025-11-20 11:00 (UTC+8) in the window ' +
        '[2025-11-20 10:00 (UTC+8), 2025-11-20 13:00 (UTC+8))',
    );
  });

  it('estimates the adjustment over the latest complete window when W is not in yet, and says when it will be', () => {
    // Prepare: planned at 10:xx on the event day, so only 07:00–09:00 are in and W = [10:00, 13:00)
    // is read three hours back, over [07:00, 10:00). There the past days average 90, 100, 110
    // (19th: 80, 90, 100; 18th: 100, 110, 120), 300 in all, and the day's own load sums to 330.
    const readings = [
      ...day('2025-11-19', { 7: 80, 8: 90, 9: 100, 10: 90, 11: 100, 12: 110, 14: 150 }),
      ...day('2025-11-18', { 7: 100, 8: 110, 9: 120, 10: 110, 11: 100, 12: 90, 14: 250 }),
      ...day('2025-11-20', { 7: 100, 8: 110, 9: 120 }),
    ];
    const input = { ...hourly(average('MULTIPLICATIVE'), eventStart, 1, readings), estimate: true };

    // Act
    const baseline = computeBaseline(input);

    // Assess: factor 330 / 300 = 1.1 over [07:00, 10:00); 200 × 1.1 = 220; final once W ends at 13:00
    expect(baseline.adjustment?.factor).toBeCloseTo(1.1, 9);
    expect(baseline.adjustment?.windowStartMs).toBe(at('2025-11-20', '07:00'));
    expect(baseline.adjustment?.windowEndMs).toBe(at('2025-11-20', '10:00'));
    expect(baseline.kw[0]).toBeCloseTo(220, 9);
    expect(baseline.estimate).toEqual({
      finalAtMs: at('2025-11-20', '13:00'),
      fromMs: at('2025-11-20', '07:00'),
      toMs: at('2025-11-20', '10:00'),
    });
    // without `estimate`, the same readings are refused, as settlement must
    expect(() => computeBaseline({ ...input, estimate: false })).toThrow(InsufficientDataError);
  });

  it('is final, with no estimate, when W is complete even though estimating was allowed', () => {
    // Prepare
    const input = {
      ...hourly(average('ADDITIVE'), eventStart, 1, withDayOf([105, 115, 125])),
      estimate: true,
    };

    // Act
    const baseline = computeBaseline(input);

    // Assess: the same as settlement's: 200 + 15
    expect(baseline.kw[0]).toBeCloseTo(215, 9);
    expect(baseline.estimate).toBeUndefined();
  });

  it('refuses to estimate from no event-day reading within a day', () => {
    // Prepare: nothing on the 20th at all
    const input = { ...hourly(average('ADDITIVE'), eventStart, 1, history), estimate: true };

    // Act
    const act = () => computeBaseline(input);

    // Assess
    expect(act).toThrow(InsufficientDataError);
  });

  it('refuses a MULTIPLICATIVE ratio over a window where the baseline is net export', () => {
    // Prepare: a PV building exporting 20 kW in W on both past days
    const readings = [
      ...day('2025-11-19', { 10: -20, 11: -20, 12: -20, 14: 50 }),
      ...day('2025-11-18', { 10: -20, 11: -20, 12: -20, 14: 50 }),
      ...day('2025-11-20', { 10: -30, 11: -30, 12: -30 }),
    ];
    const input = hourly(average('MULTIPLICATIVE'), eventStart, 1, readings);

    // Act
    const act = () => computeBaseline(input);

    // Assess
    expect(act).toThrow(InsufficientDataError);
    expect(act).toThrow(/baseline sums to -60 kW/);
  });

  it('rejects a window that does not fall on the interval grid', () => {
    // Prepare: W starts 0.1 h (6 min) before t0, on a 15-minute grid
    const input: BaselineInput = {
      ...hourly(
        { method: 'N_DAY_AVERAGE', days: 2, adjustment: { kind: 'ADDITIVE', fromHoursBefore: 1.1 } },
        eventStart,
        1,
        withDayOf([100, 100, 100]),
      ),
      intervalMinutes: 15,
    };

    // Act
    const act = () => computeBaseline(input);

    // Assess
    expect(act).toThrow(ValidationError);
  });
});

describe('PRE_EVENT', () => {
  // Prepare (shared): 15-minute readings before an event on Thursday 20 November 2025 at 14:00
  const readings: LoadReading[] = [
    { startMs: at('2025-11-20', '13:30'), kw: 999 },
    { startMs: at('2025-11-20', '13:45'), kw: 321 },
    { startMs: at('2025-11-20', '14:00'), kw: 50 },
  ];
  const preEvent = (minutesBefore: number, eventStart = '2025-11-20T14:00:00+08:00', rs = readings) =>
    computeBaseline({
      method: BaselineMethod.parse({ method: 'PRE_EVENT', minutesBefore }),
      eventStartMs: Date.parse(eventStart),
      intervalMinutes: 15,
      intervals: 4,
      readings: rs,
      calendar,
    });

  it('repeats the reading of the interval 15 minutes before control for every interval', () => {
    // Act
    const baseline = preEvent(15);

    // Assess
    expect(baseline.kw).toEqual([321, 321, 321, 321]);
    expect(baseline.days).toEqual(['2025-11-20']);
    expect(baseline.requestedDays).toBe(1);
  });

  it('takes the interval containing t0 − minutesBefore when it is not a multiple of the interval', () => {
    // Act: 13:55 lies in [13:45, 14:00); 13:40 lies in [13:30, 13:45)
    const five = preEvent(5);
    const twenty = preEvent(20);

    // Assess
    expect(five.kw).toEqual([321, 321, 321, 321]);
    expect(twenty.kw).toEqual([999, 999, 999, 999]);
  });

  it('estimates from the latest reading when the one before control is not in yet', () => {
    // Prepare: planned at 13:50, before the 13:45 reading ends; the latest is 13:30's
    const input = {
      method: BaselineMethod.parse({ method: 'PRE_EVENT', minutesBefore: 15 }),
      eventStartMs: at('2025-11-20', '14:00'),
      intervalMinutes: 15,
      intervals: 2,
      readings: readings.slice(0, 1),
      calendar,
      estimate: true,
    };

    // Act
    const baseline = computeBaseline(input);

    // Assess
    expect(baseline.kw).toEqual([999, 999]);
    expect(baseline.estimate).toEqual({
      finalAtMs: at('2025-11-20', '14:00'),
      fromMs: at('2025-11-20', '13:30'),
      toMs: at('2025-11-20', '13:45'),
    });
  });

  it('dates the reading by its own day for an event at midnight', () => {
    // Prepare: event at 00:00 on the 21st, reading at 23:45 on the 20th
    const lateReading = [{ startMs: at('2025-11-20', '23:45'), kw: 42 }];

    // Act
    const baseline = preEvent(15, '2025-11-21T00:00:00+08:00', lateReading);

    // Assess
    expect(baseline.kw).toEqual([42, 42, 42, 42]);
    expect(baseline.days).toEqual(['2025-11-20']);
  });

  it('throws InsufficientDataError when the reading is missing', () => {
    // Act
    const act = () => preEvent(60);

    // Assess
    expect(act).toThrow(InsufficientDataError);
    expect(act).toThrow(
      'PRE_EVENT: no reading for the interval starting 2025-11-20 13:00 (UTC+8), 60 min before',
    );
  });
});

describe('input checks', () => {
  it('rejects a non-positive interval count', () => {
    // Prepare
    const input = hourly({ method: 'N_DAY_AVERAGE', days: 1 }, '2025-11-20T14:00:00+08:00', 0, []);

    // Act
    const act = () => computeBaseline(input);

    // Assess
    expect(act).toThrow(ValidationError);
  });

  it('rejects an interval length that does not divide a day', () => {
    // Prepare
    const input = {
      ...hourly({ method: 'N_DAY_AVERAGE', days: 1 }, '2025-11-20T14:00:00+08:00', 1, []),
      intervalMinutes: 7,
    };

    // Act
    const act = () => computeBaseline(input);

    // Assess
    expect(act).toThrow(ValidationError);
  });

  it('keeps the later of two readings with the same start', () => {
    // Prepare: the 19th's 14:00 reading was sent twice, corrected from 500 to 90
    const readings = [...day('2025-11-19', { 14: 500 }), ...day('2025-11-19', { 14: 90 })];
    const input = hourly({ method: 'N_DAY_AVERAGE', days: 1 }, '2025-11-20T14:00:00+08:00', 1, readings);

    // Act
    const baseline = computeBaseline(input);

    // Assess
    expect(baseline.kw).toEqual([90]);
  });

  it('ignores non-finite readings as if they were missing', () => {
    // Prepare: the 19th reports NaN at 14:00, so the 18th serves
    const readings = [...day('2025-11-19', { 14: Number.NaN }), ...day('2025-11-18', { 14: 80 })];
    const input = hourly({ method: 'N_DAY_AVERAGE', days: 1 }, '2025-11-20T14:00:00+08:00', 1, readings);

    // Act
    const baseline = computeBaseline(input);

    // Assess
    expect(baseline.days).toEqual(['2025-11-18']);
    expect(baseline.kw).toEqual([80]);
  });
});

describe('naturalLoadForecast: the load apart from the sun', () => {
  // Prepare: the same two days and event as above, W = [10:00, 13:00). Each day's gross load is 100 in
  // W and 200 at 14:00; a 60 kW array makes 30 / 50 / 20 in W on the 18th and 19th, and 0 at 14:00 (a
  // winter evening, stylised). On the event day the load is the same, 100 gross, but the sun is out:
  // 60 / 60 / 60 kW of PV, so the net load in W is 40 / 40 / 40.
  const eventStart = '2025-11-20T14:00:00+08:00';
  const pv = (date: string, kw: Record<number, number>, gross: Record<number, number>) =>
    Object.entries(gross).map(([hour, g]) => ({
      startMs: chinaMidnight(date) + Number(hour) * HOUR_MS,
      kw: g - (kw[Number(hour)] ?? 0),
      pvKw: kw[Number(hour)] ?? 0,
    }));
  const gross = { 10: 100, 11: 100, 12: 100, 14: 200 };
  const readings = [
    ...pv('2025-11-19', { 10: 30, 11: 50, 12: 20 }, gross),
    ...pv('2025-11-18', { 10: 30, 11: 50, 12: 20 }, gross),
    ...pv('2025-11-20', { 10: 60, 11: 60, 12: 60 }, { 10: 100, 11: 100, 12: 100 }),
  ];
  const method = { method: 'N_DAY_AVERAGE', days: 2, adjustment: { kind: 'MULTIPLICATIVE' } };

  it('adjusts on gross load, where the contractual baseline follows the sun', () => {
    const input = hourly(method, eventStart, 1, readings);
    // contractual: net W 120 today over 200 on the baseline days = 0.6, capped at 0.8: 200 × 0.8 = 160
    expect(computeBaseline(input).kw[0]).toBeCloseTo(160, 9);
    // FlexDR's forecast: gross W 300 / 300 = 1, so 200, less no PV at 14:00: the 200 kW the day will draw
    expect(naturalLoadForecast(input)?.[0]).toBeCloseTo(200, 9);
  });

  it('takes off the PV the baseline days saw in the window', () => {
    const sunny = readings.map((r) =>
      r.startMs % (24 * HOUR_MS) === (14 - 8) * HOUR_MS ? { ...r, kw: r.kw - 40, pvKw: 40 } : r,
    );
    // 200 gross at 14:00 on both days, 40 of it from the roof: 200 − 40
    expect(naturalLoadForecast(hourly(method, eventStart, 1, sunny))?.[0]).toBeCloseTo(160, 9);
  });

  it('is undefined without PV readings: FlexDR has no forecast of its own then', () => {
    const net = readings.map(({ startMs, kw }) => ({ startMs, kw }));
    expect(naturalLoadForecast(hourly(method, eventStart, 1, net))).toBeUndefined();
  });
});
