/**
 * The planning baseline by hand: the working calendar decides the kind of day where it holds the
 * year; a year it lacks is planned from the building's same-weekday profile, never Monday–Friday,
 * and the plan says so. The years are fictional: 2031 held, 2032 not.
 */
import { describe, expect, it } from 'vitest';
import { calendarNotes, planningBaseline } from '../../lib/app/planning.ts';
import { WorkCalendar } from '../../lib/domain/calendar.ts';
import type { BuildingState } from '../../lib/domain/model/telemetry.ts';
import type { BuildingTelemetry } from '../../lib/ports.ts';

const at = (iso: string) => Date.parse(iso);
/** Wednesday 2031-01-08 is a holiday; Saturday 2031-01-11 a working day. 2032 is not held. */
const calendar = new WorkCalendar([
  { year: 2031, source: 'test', holidays: ['2031-01-08'], workdays: ['2031-01-11'], version: 1 },
]);
/** 96 slots worth `base + slot`, so every value names its slot. */
const slots = (base: number) => Array.from({ length: 96 }, (_, s) => base + s);
const state: BuildingState = {
  buildingId: 'b1',
  at: '2031-01-08T08:00:00+08:00',
  netLoadKw: 250,
  assets: [],
};
/** Workdays 100 + slot, other days 40 + slot, Wednesdays 70 + slot; no Thursday seen yet. */
const byWeekday = [slots(10), slots(20), slots(30), slots(70), [], slots(50), slots(60)];
const telemetry: BuildingTelemetry = {
  state,
  profile: { workday: slots(100), other: slots(40), byWeekday },
};

describe('planningBaseline', () => {
  it('plans a holiday Wednesday of a year the calendar holds from the other-day profile', () => {
    // Prepare: 17:00–18:00 China time is slots 68 to 71
    const start = at('2031-01-08T17:00:00+08:00');

    // Act
    const baseline = planningBaseline(telemetry, start, 15, 4, calendar);

    // Assess
    expect(baseline).toEqual([108, 109, 110, 111]);
  });

  it('plans an ordinary Wednesday and a working Saturday of that year from the workday profile', () => {
    // Prepare
    const wednesday = at('2031-01-15T17:00:00+08:00');
    const saturday = at('2031-01-11T17:00:00+08:00');

    // Act
    const onWednesday = planningBaseline(telemetry, wednesday, 15, 2, calendar);
    const onSaturday = planningBaseline(telemetry, saturday, 30, 2, calendar);

    // Assess: 30-minute intervals take the slot of their start (68, then 70)
    expect(onWednesday).toEqual([168, 169]);
    expect(onSaturday).toEqual([168, 170]);
  });

  it('plans a Wednesday of a year the calendar lacks from the Wednesday profile', () => {
    // Prepare: Wednesday 2032-01-07; 5-minute intervals share their quarter hour's slot
    const start = at('2032-01-07T17:00:00+08:00');

    // Act
    const baseline = planningBaseline(telemetry, start, 5, 4, calendar);

    // Assess
    expect(baseline).toEqual([138, 138, 138, 139]);
  });

  it('takes the China weekday, not the UTC one: 07:00 on Wednesday is Tuesday 23:00 UTC', () => {
    // Prepare: slot 28
    const start = at('2032-01-07T07:00:00+08:00');

    // Act
    const baseline = planningBaseline(telemetry, start, 15, 1, calendar);

    // Assess
    expect(baseline).toEqual([98]);
  });

  it('holds the last state flat on a weekday never seen, and where the profile predates weekdays', () => {
    // Prepare: Thursday 2032-01-08
    const thursday = at('2032-01-08T17:00:00+08:00');
    const wednesday = at('2032-01-07T17:00:00+08:00');
    const old: BuildingTelemetry = { state, profile: { workday: slots(100), other: slots(40) } };

    // Act
    const unseen = planningBaseline(telemetry, thursday, 15, 2, calendar);
    const fromOld = planningBaseline(old, wednesday, 15, 2, calendar);

    // Assess
    expect(unseen).toEqual([250, 250]);
    expect(fromOld).toEqual([250, 250]);
  });

  it('holds the last state flat in a held year while only days of unknown kind were seen', () => {
    // Prepare: readings so far all in years the calendar lacked, so workday and other are empty
    const fresh: BuildingTelemetry = { state, profile: { workday: [], other: [], byWeekday } };

    // Act
    const baseline = planningBaseline(fresh, at('2031-01-15T17:00:00+08:00'), 15, 2, calendar);

    // Assess
    expect(baseline).toEqual([250, 250]);
  });

  it('switches source at midnight when a window runs into a year the calendar lacks', () => {
    // Prepare: Wednesday 2031-12-31 23:30 (a workday, slots 94 and 95) into Thursday 2032-01-01
    const thursdays = [...byWeekday];
    thursdays[4] = slots(80);
    const t: BuildingTelemetry = {
      state,
      profile: { workday: slots(100), other: slots(40), byWeekday: thursdays },
    };

    // Act
    const baseline = planningBaseline(t, at('2031-12-31T23:30:00+08:00'), 15, 4, calendar);

    // Assess
    expect(baseline).toEqual([194, 195, 80, 81]);
  });

  it('knows nothing of a building that never reported, nor of one whose unseen weekday has no state', () => {
    // Prepare
    const noState: BuildingTelemetry = { profile: { workday: slots(100), other: slots(40), byWeekday } };
    const thursday = at('2032-01-08T17:00:00+08:00');

    // Act
    const never = planningBaseline(undefined, thursday, 15, 2, calendar);
    const unseen = planningBaseline(noState, thursday, 15, 2, calendar);
    const seen = planningBaseline(noState, at('2032-01-07T17:00:00+08:00'), 15, 1, calendar);

    // Assess
    expect(never).toBeUndefined();
    expect(unseen).toBeUndefined();
    expect(seen).toEqual([138]);
  });
});

describe('calendarNotes', () => {
  it('says nothing when the calendar holds every date of the window', () => {
    // Act
    const notes = calendarNotes(calendar, at('2031-01-08T17:00:00+08:00'), 15, 4);

    // Assess
    expect(notes).toEqual([]);
  });

  it('names the year, the date, the weekday and the route that completes the calendar', () => {
    // Act
    const notes = calendarNotes(calendar, at('2032-01-07T17:00:00+08:00'), 15, 4);

    // Assess
    expect(notes).toEqual([
      "No working calendar for 2032: 2032-01-07 planned from each building's recent Wednesday profile " +
        '(enter it with PUT /calendars/2032)',
    ]);
  });

  it('writes one line per year the window touches without a calendar, each with its dates', () => {
    // Prepare: 2031-12-31 22:00 (held) to 2032-01-02 02:00 over two missing days, then 2032 into 2033
    const intoTwoDays = calendarNotes(calendar, at('2031-12-31T22:00:00+08:00'), 60, 28);
    const acrossYears = calendarNotes(calendar, at('2032-12-31T22:00:00+08:00'), 60, 4);

    // Assess: 2032-12-31 is a Friday, 2033-01-01 a Saturday
    expect(intoTwoDays).toEqual([
      "No working calendar for 2032: 2032-01-01 and 2032-01-02 planned from each building's recent " +
        'Thursday and Friday profiles (enter it with PUT /calendars/2032)',
    ]);
    expect(acrossYears).toEqual([
      "No working calendar for 2032: 2032-12-31 planned from each building's recent Friday profile " +
        '(enter it with PUT /calendars/2032)',
      "No working calendar for 2033: 2033-01-01 planned from each building's recent Saturday profile " +
        '(enter it with PUT /calendars/2033)',
    ]);
  });
});
