/**
 * Planning past the working calendar, through the real handlers on DynamoDB Local: an event in a
 * year the calendar lacks (fictional 2031) is planned from the building's same-weekday profile and
 * the plan says so; once the operator enters the year, a re-plan follows the calendar and the note
 * is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batteryInput, buildingInput } from '../support/fixtures.ts';
import { bms, Harness, operator } from './harness.ts';

const NOW = Date.parse('2031-01-08T09:00:00+08:00');
const BMS = bms('cal-b1');

let h: Harness;
beforeAll(async () => {
  h = await Harness.startAt(NOW);
});
afterAll(() => h?.stop());

/** A one-hour peak event on Wednesday 2031-01-08, 17:00–18:00 China time. */
const event = (targetKw: number) => ({
  eventId: 'cal-2031',
  programId: 'cal-program',
  type: 'PEAK_SHAVING',
  start: '2031-01-08T17:00:00+08:00',
  end: '2031-01-08T18:00:00+08:00',
  intervalMinutes: 15,
  targetsKw: [targetKw, targetKw, targetKw, targetKw],
  scope: { parkIds: ['cal-park'] },
  noticeAt: '2031-01-08T09:00:00+08:00',
});

/** The plan summary and the building's latest command. */
async function planned() {
  const status = await h.http('get-event', operator, { params: { eventId: 'cal-2031' } });
  const plan = await h.http('event-plan', operator, { params: { eventId: 'cal-2031' } });
  const commands = plan.body.commands as {
    status: string;
    command: { revision: number; baselineKw: number[] };
  }[];
  const latest = commands.sort((a, b) => b.command.revision - a.command.revision)[0];
  return { summary: status.body.plan, baselineKw: latest?.command.baselineKw };
}

describe('planning in a year without a working calendar', () => {
  it('plans from the Wednesday profile and says so, then follows the calendar once it is entered', async () => {
    // Prepare: a battery building whose last state says 500 kW and whose only readings are of
    // Wednesday 2031-01-01 17:00–18:00 (300, 310, 320, 330 kW)
    await h.http('put-program', operator, {
      params: { programId: 'cal-program' },
      body: {
        programId: 'cal-program',
        name: 'peak',
        baseline: { method: 'PRE_EVENT', minutesBefore: 15 },
        settlement: { unit: 'YUAN_PER_KWH', price: 1 },
      },
    });
    await h.http('put-park', operator, {
      params: { parkId: 'cal-park' },
      body: { parkId: 'cal-park', name: 'Calendar park', zone: 'mengxi', city: 'Hohhot' },
    });
    await h.http('put-building', operator, {
      params: { buildingId: 'cal-b1' },
      body: buildingInput({ buildingId: 'cal-b1', parkId: 'cal-park', assets: [batteryInput] }),
    });
    const readings = [300, 310, 320, 330].map((kw, i) => ({
      buildingId: 'cal-b1',
      intervalStart: new Date(Date.parse('2031-01-01T17:00:00+08:00') + i * 15 * 60_000).toISOString(),
      kw,
    }));
    const state = {
      buildingId: 'cal-b1',
      at: new Date(NOW).toISOString(),
      netLoadKw: 500,
      assets: [{ kind: 'battery', assetId: 'bat', soc: 0.9, powerKw: 0 }],
    };
    const reported = await h.http('report-telemetry', BMS, {
      params: { buildingId: 'cal-b1' },
      body: { state, readings },
    });
    expect(reported.status).toBe(202);

    // Act
    expect((await h.http('create-event', operator, { body: event(20) })).status).toBe(201);
    await h.pump();
    const first = await planned();

    // Assess: slot 68 seeded at 300, then each slot moves 0.3 of the way to its reading
    expect(first.summary.notes).toEqual([
      "No working calendar for 2031: 2031-01-08 planned from each building's recent Wednesday profile " +
        '(enter it with PUT /calendars/2031)',
    ]);
    expect(first.baselineKw).toEqual([300, 303, 306, 309]);

    // Act: the operator enters 2031 with 2031-01-08 a holiday, and the event is revised
    const entered = await h.http('put-calendar-year', operator, {
      params: { year: '2031' },
      body: { source: 'test notice', holidays: ['2031-01-08'], workdays: [] },
    });
    expect(entered.status).toBe(200);
    expect(
      (await h.http('revise-event', operator, { params: { eventId: 'cal-2031' }, body: event(25) })).status,
    ).toBe(202);
    await h.pump();
    const second = await planned();

    // Assess: no note; no holiday (other-day) readings yet, so the last state held flat
    expect(second.summary.revision).toBe(2);
    expect(second.summary.notes).toBeUndefined();
    expect(second.baselineKw).toEqual([500, 500, 500, 500]);
  });
});
