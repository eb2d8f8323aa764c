/**
 * An event in a year the seeded calendar lacks, through the handlers on DynamoDB Local: it plans,
 * waits for data after the window (never settled at ¥0), settles the buildings it can once an
 * operator enters the year's calendar, settles late readings by itself, and at the program's
 * deadline settles what is still missing as the program says. Every settlement is a revision.
 *
 * The year is fictional on purpose: 2031's holidays are not published, so the calendar entered here
 * (a holiday on Monday 10 and Thursday 6 March, Saturday 8 March worked) is made up for the test.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INNER_MONGOLIA_TARIFFS } from '../../lib/domain/model/tariff-presets.ts';
import { batteryInput, buildingInput } from '../support/fixtures.ts';
import { bms, Harness, operator, parkManager } from './harness.ts';

const PARK = 'ordos-fictional';
const IDS = ['c1', 'c2', 'c3', 'c4'];
const BMS = bms(IDS.join(','));
const MANAGER = parkManager(PARK);
const H = 3_600_000;
const DAY = 24 * H;
const STEP = 15 * 60_000;
const EVENT_ID = 'fictional-2031-0312';
const start = Date.parse('2031-03-12T17:00:00+08:00');
const END = '2031-03-12T18:00:00+08:00';
const PRICE = 2;

/** Metered load of building `i`, `d` days before the event, in interval `t` of the event's hour. */
const load = (i: number, d: number, t: number) => 300 + 20 * i + 3 * t + 5 * d;
/**
 * The independent baseline: with the fictional calendar, the 5 most recent working days before
 * Wednesday 12 March are Tue 11 (1 day back), Sat 8 worked (4), Fri 7 (5), Wed 5 (7) and Tue 4 (8):
 * Monday 10 and Thursday 6 are holidays and Sunday 9 is a weekend.
 */
const WORKDAYS_BACK = [1, 4, 5, 7, 8];
const baseline = (i: number, t: number) => WORKDAYS_BACK.reduce((s, d) => s + load(i, d, t), 0) / 5;

const calendar2031 = {
  source: 'fictional calendar for tests (2031 is not published)',
  holidays: ['2031-03-06', '2031-03-10'],
  workdays: ['2031-03-08'],
};

let h: Harness;
/** The accepted command of each building: its id and response per interval. */
const commands = new Map<string, { commandId: string; responseKw: number[] }>();

beforeAll(async () => {
  h = await Harness.startAt('2031-03-12T09:00:00+08:00');
});
afterAll(() => h?.stop());

/** Reports the event-window readings of building `i`, delivering `share` of its command. */
async function reportDelivery(id: string, share: number) {
  const i = IDS.indexOf(id);
  const c = commands.get(id);
  const readings = (c?.responseKw ?? []).map((r, t) => ({
    buildingId: id,
    intervalStart: new Date(start + t * STEP).toISOString(),
    kw: baseline(i, t) - share * r,
  }));
  const res = await h.http('report-telemetry', BMS, { params: { buildingId: id }, body: { readings } });
  expect(res.status).toBe(202);
}

const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;
const performance = async (query?: Record<string, string>) =>
  (
    await h.http('event-performance', operator, {
      params: { eventId: EVENT_ID },
      ...(query ? { query } : {}),
    })
  ).body;
const reevaluations = () => [...h.schedules.keys()].filter((k) => k.startsWith(`reeval-${EVENT_ID}-`)).sort();

describe('an event in a year the calendar lacks', () => {
  it('plans and dispatches without the calendar', async () => {
    const program = {
      programId: 'fictional-peak',
      name: 'peak shaving, judged against 5 working days',
      baseline: { method: 'N_DAY_AVERAGE', days: 5, dayFilter: 'WORKDAY' },
      settlement: {
        unit: 'YUAN_PER_KWH',
        price: PRICE,
        minRatio: 0.5,
        maxRatio: 1.2,
        penalty: { belowRatio: 0.5, multiplier: 1 },
      },
      missingData: { deadlineHours: 48, settleAs: 'NO_DELIVERY' },
      tariffs: INNER_MONGOLIA_TARIFFS,
    };
    expect(
      (await h.http('put-program', operator, { params: { programId: program.programId }, body: program }))
        .status,
    ).toBe(200);
    const park = { parkId: PARK, name: 'Fictional park', zone: 'mengxi', city: 'Ordos' };
    expect((await h.http('put-park', MANAGER, { params: { parkId: PARK }, body: park })).status).toBe(200);
    for (const [i, id] of IDS.entries()) {
      const building = buildingInput({
        buildingId: id,
        parkId: PARK,
        bmsIntegrationId: 'bms-a',
        gridLimits: { importKw: 800, exportKw: 0 },
        assets: [{ ...batteryInput, capacityKwh: 200, maxChargeKw: 100, maxDischargeKw: 100 }],
      });
      expect(
        (await h.http('put-building', MANAGER, { params: { buildingId: id }, body: building })).status,
      ).toBe(200);
      // 14 days of readings over the event's hour; c4 has no history at all.
      const readings = [];
      for (let d = 1; d <= 14 && id !== 'c4'; d++)
        for (let t = 0; t < 4; t++)
          readings.push({
            buildingId: id,
            intervalStart: new Date(start - d * DAY + t * STEP).toISOString(),
            kw: load(i, d, t),
          });
      const state = {
        buildingId: id,
        at: new Date().toISOString(),
        netLoadKw: 300,
        assets: [{ kind: 'battery', assetId: 'bat', soc: 0.8, powerKw: 0 }],
      };
      expect(
        (await h.http('report-telemetry', BMS, { params: { buildingId: id }, body: { state, readings } }))
          .status,
      ).toBe(202);
    }

    const event = {
      eventId: EVENT_ID,
      programId: 'fictional-peak',
      type: 'PEAK_SHAVING',
      start: '2031-03-12T17:00:00+08:00',
      end: END,
      intervalMinutes: 15,
      // More than the four batteries can give, so that every building is asked.
      targetsKw: [1000, 1000, 1000, 1000],
      scope: { parkIds: [PARK] },
      noticeAt: '2031-03-12T09:00:00+08:00',
    };
    expect((await h.http('create-event', operator, { body: event })).status).toBe(201);
    await h.pump();
    for (const p of h.published) {
      const c = p.detail.command as { buildingId: string; commandId: string; responseKw: number[] };
      commands.set(c.buildingId, c);
    }
    expect([...commands.keys()].sort()).toEqual(IDS);
    for (const c of commands.values())
      expect(
        (
          await h.http('acknowledge-command', BMS, {
            params: { commandId: c.commandId },
            body: { status: 'ACCEPTED' },
          })
        ).status,
      ).toBe(200);
    const status = await h.http('get-event', operator, { params: { eventId: EVENT_ID } });
    expect(status.body.status).toBe('dispatched');
  });

  it('waits for the calendar after the window instead of settling at ¥0', async () => {
    // Prepare: c1 and c4 report their delivery in full; c2 reports late, c3 never
    vi.setSystemTime(new Date('2031-03-12T18:20:00+08:00'));
    await reportDelivery('c1', 1);
    await reportDelivery('c4', 1);

    // Act
    vi.setSystemTime(new Date('2031-03-12T18:31:00+08:00'));
    await h.pump();
    const due = [...h.schedules.keys()].find((k) => k.startsWith(`eval-${EVENT_ID}-`));
    await h.fire(due as string);
    const perf = await performance();
    const status = await h.http('get-event', MANAGER, { params: { eventId: EVENT_ID } });

    // Assess: nothing settled, every building waits for 2031's calendar, and says how to enter it
    expect(perf.status).toBe('awaiting-data');
    expect(perf.revision).toBe(1);
    expect(perf.buildings).toEqual([]);
    expect(perf.parks).toEqual([]);
    expect(perf.awaitingData.map((a: { buildingId: string }) => a.buildingId).sort()).toEqual(IDS);
    for (const a of perf.awaitingData) {
      expect(a).toMatchObject({ needs: 'calendar', calendarYear: 2031, parkId: PARK });
      expect(a.reason).toContain('PUT /calendars/2031');
    }
    expect(status.body.settlement.awaitingData).toHaveLength(4);
    expect(status.body.settlement.awaitingCount).toBe(4);
    // The event item counts them (the entries are stored with the settlement, so it stays small).
    expect((await h.deps.events.get(EVENT_ID))?.awaiting).toEqual({
      buildings: 4,
      readings: 0,
      calendarYears: [2031],
      settledWithoutData: 0,
    });
    // A re-run that finds nothing new writes no revision.
    await h.fire(due as string);
    expect((await performance()).revision).toBe(1);
    // The deadline's re-run is scheduled.
    expect(reevaluations().length).toBeGreaterThan(0);
  });

  it('refuses calendar entries that are not an operator’s or not of the year', async () => {
    // Act
    const byManager = await h.http('put-calendar-year', MANAGER, {
      params: { year: '2031' },
      body: calendar2031,
    });
    const wrongYear = await h.http('put-calendar-year', operator, {
      params: { year: '2031' },
      body: { ...calendar2031, holidays: ['2030-10-01'] },
    });
    const weekdayWorked = await h.http('put-calendar-year', operator, {
      params: { year: '2031' },
      body: { ...calendar2031, workdays: ['2031-03-11'] },
    });

    // Assess
    expect(byManager.status).toBe(403);
    expect(wrongYear.status).toBe(400);
    expect(wrongYear.body.message).toContain('2030-10-01 is not in 2031');
    expect(weekdayWorked.status).toBe(400);
    expect(JSON.stringify(weekdayWorked.body)).toContain('Saturday or Sunday');
    expect((await performance()).revision).toBe(1);
  });

  it('settles what it can as soon as the calendar is entered, against the calendar entered', async () => {
    // Act
    const put = await h.http('put-calendar-year', operator, { params: { year: '2031' }, body: calendar2031 });
    await h.pump();
    const perf = await performance();
    const calendar = await h.http('get-calendar', MANAGER);

    // Assess: the entry is version 1 of 2031 and sent the waiting event to evaluation
    expect(put.status).toBe(200);
    expect(put.body.calendar).toMatchObject({ year: 2031, version: 1, updatedBy: operator.sub });
    expect(put.body.reevaluating).toEqual([EVENT_ID]);
    expect(calendar.body.years.at(-1)).toMatchObject({ year: 2031, holidays: calendar2031.holidays });
    expect(calendar.body.years[0].year).toBe(2004);
    // c1 is settled against the five fictional working days (hand-computed baseline above); it
    // delivered its whole command, so it is paid ΔP × 2 ¥/kWh × 1 h.
    expect(perf.status).toBe('awaiting-data');
    expect(perf.revision).toBe(2);
    expect(perf.buildings.map((b: { buildingId: string }) => b.buildingId)).toEqual(['c1']);
    const [c1] = perf.buildings;
    expect(c1.intervals.map((r: { baselineKw: number }) => r.baselineKw)).toEqual(
      [0, 1, 2, 3].map((t) => expect.closeTo(baseline(0, t), 6)),
    );
    // The settlement says which days and which calendar version its baseline came from.
    expect(c1.baseline).toEqual({
      method: 'N_DAY_AVERAGE',
      days: ['2031-03-11', '2031-03-08', '2031-03-07', '2031-03-05', '2031-03-04'],
      requestedDays: 5,
      anchorDate: '2031-03-12',
      calendar: [{ year: 2031, version: 1, source: calendar2031.source }],
    });
    const declared = mean(commands.get('c1')?.responseKw ?? []);
    expect(c1.deliveredKw).toBeCloseTo(declared, 6);
    expect(c1.paymentYuan).toBeCloseTo(Math.round(declared * PRICE * 100) / 100, 2);
    // 17:00–18:00 in March is the heating season's peak (0.465 ¥/kWh in 蒙西): the kWh not bought
    // save that much, and count as avoided CO₂ at 0.5703 t/MWh.
    expect(c1.impact.energyCostSavedYuan).toBeCloseTo(Math.round(declared * 0.465 * 100) / 100, 2);
    expect(c1.impact.tco2Avoided).toBeCloseTo((declared * 0.5703) / 1000, 6);
    expect(perf.parks[0].impact.energyCostSavedYuan).toBe(c1.impact.energyCostSavedYuan);
    // c2 and c3 wait for their window's readings; c4 for the history its baseline needs.
    const waiting = Object.fromEntries(
      perf.awaitingData.map((a: { buildingId: string; needs: string; missingIntervals: number }) => [
        a.buildingId,
        [a.needs, a.missingIntervals],
      ]),
    );
    expect(waiting).toEqual({ c2: ['readings', 4], c3: ['readings', 4], c4: ['readings', 0] });
    // Readings may still come: one re-run is scheduled on the hour (19:00), besides the deadline's.
    const minutes = reevaluations().map((name) => Number(name.split('-').at(-1)));
    const deadlineMinute = Date.parse('2031-03-14T18:00:00+08:00') / 60_000;
    expect(minutes.filter((m) => m !== deadlineMinute)).toEqual([
      Date.parse('2031-03-12T19:00:00+08:00') / 60_000,
    ]);
  });

  it('settles late readings by itself on the next re-run', async () => {
    // Prepare
    vi.setSystemTime(new Date('2031-03-12T19:00:00+08:00'));
    await reportDelivery('c2', 0.9);
    const retry = reevaluations()[0] as string;

    // Act
    vi.setSystemTime(new Date('2031-03-12T19:40:00+08:00'));
    await h.fire(retry);
    const perf = await performance();

    // Assess: c2 delivered 90 % of its command; c3 and c4 still wait
    expect(perf.revision).toBe(3);
    const c2 = perf.buildings.find((b: { buildingId: string }) => b.buildingId === 'c2');
    expect(c2.deliveredKw).toBeCloseTo(0.9 * mean(commands.get('c2')?.responseKw ?? []), 6);
    expect(perf.awaitingData.map((a: { buildingId: string }) => a.buildingId).sort()).toEqual(['c3', 'c4']);
  });

  it("settles what is still missing at the program's deadline, as the program says, with the reason", async () => {
    // Prepare: 48 hours after the window
    vi.setSystemTime(new Date('2031-03-14T18:00:00+08:00'));
    const deadline = reevaluations().at(-1) as string;

    // Act
    await h.fire(deadline);
    const perf = await performance();
    const first = await performance({ revision: '2' });
    const parks = await h.http('park-settlements', MANAGER, { params: { parkId: PARK } });

    // Assess: c3 (baseline, no window readings) counts as nothing delivered; c4 (no baseline) is
    // settled as NO_DELIVERY. Both pay the penalty: 0.5 × P_d below the floor × 1 × 2 ¥/kWh × 1 h.
    expect(perf.status).toBe('settled');
    expect(perf.revision).toBe(4);
    expect(perf.awaitingData).toEqual([]);
    const how = Object.fromEntries(
      perf.settledWithoutData.map((w: { buildingId: string; settledAs: string }) => [
        w.buildingId,
        w.settledAs,
      ]),
    );
    expect(how).toEqual({ c3: 'MISSING_AS_ZERO', c4: 'NO_DELIVERY' });
    for (const id of ['c3', 'c4']) {
      const s = perf.buildings.find((b: { buildingId: string }) => b.buildingId === id);
      const pd = mean(commands.get(id)?.responseKw ?? []);
      expect(s.deliveredKw).toBe(0);
      expect(s.paymentYuan).toBe(0);
      expect(s.penaltyYuan).toBeCloseTo(Math.round(0.5 * pd * PRICE * 100) / 100, 2);
    }
    // Revision 2 is still there as it was: c1 alone.
    expect(first.revision).toBe(2);
    expect(first.latestRevision).toBe(4);
    expect(first.buildings.map((b: { buildingId: string }) => b.buildingId)).toEqual(['c1']);
    // The park's total follows the latest revision.
    const net = perf.buildings.reduce((s: number, b: { netYuan: number }) => s + b.netYuan, 0);
    expect(parks.body.items).toHaveLength(1);
    expect(parks.body.items[0].netYuan).toBeCloseTo(net, 2);
  });

  it('lets an operator re-run the evaluation as a new revision, and nobody else', async () => {
    // Act
    const byManager = await h.http('reevaluate-event', MANAGER, { params: { eventId: EVENT_ID } });
    const again = await h.http('reevaluate-event', operator, { params: { eventId: EVENT_ID } });
    const perf = await performance();
    const missing = await h.http('reevaluate-event', operator, { params: { eventId: 'no-such-event' } });

    // Assess
    expect(byManager.status).toBe(403);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'settled', settlementRevision: 5 });
    expect(perf.revision).toBe(5);
    expect(perf.buildings).toHaveLength(4);
    expect(missing.status).toBe(404);
  });
});
