/**
 * FlexDR's own load forecast where the PV is metered, through the handlers on DynamoDB Local: a
 * sunny morning lowers the program's day-of factor over net load, and so the contractual baseline,
 * under an evening load the sun no longer reaches. With the PV meter's readings the plan stands on
 * the load FlexDR forecasts (adjusted on gross load), asks the battery for the gap too, and states
 * what settlement will measure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../lib/domain/model/command.ts';
import { bms, Harness, operator, parkManager } from './harness.ts';

const PARK = 'baotou-sunny';
const ID = 'pv1';
const BMS = bms(ID);
const STEP = 15 * 60_000;
const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const eventId = 'imp-2026-1216-pv';
const start = Date.parse('2026-12-16T17:00:00+08:00');
const TARGET_KW = 100;

let h: Harness;
beforeAll(async () => {
  h = await Harness.startAt('2026-12-16T11:05:00+08:00');
});
afterAll(() => h?.stop());

/** Quarter-hour readings from `fromMs` to `toMs`: `grossKw` of load, `pvKw` of it from the roof. */
async function post(fromMs: number, toMs: number, grossKw: number, pvKw: (ms: number) => number) {
  const readings = [];
  for (let ms = fromMs; ms < toMs; ms += STEP)
    readings.push({
      buildingId: ID,
      intervalStart: new Date(ms).toISOString(),
      kw: grossKw - pvKw(ms),
      pvKw: pvKw(ms),
    });
  const posted = await h.http('report-telemetry', BMS, { params: { buildingId: ID }, body: { readings } });
  expect(posted.status).toBe(202);
}

describe("planning on FlexDR's own forecast where the PV is metered", () => {
  it('asks the battery for what the sun took off the baseline, and states the response settlement will measure', async () => {
    const program = {
      programId: 'baotou-peak',
      name: 'Baotou peak shaving',
      baseline: {
        method: 'N_DAY_AVERAGE',
        days: 2,
        dayFilter: 'ANY',
        lookbackDays: 5,
        adjustment: { kind: 'MULTIPLICATIVE', fromHoursBefore: 4, toHoursBefore: 1 },
      },
      settlement: { unit: 'YUAN_PER_KWH', price: 1.5, minRatio: 0.8, maxRatio: 1.2 },
    };
    await h.http('put-program', operator, { params: { programId: program.programId }, body: program });
    const manager = parkManager(PARK);
    await h.http('put-park', manager, {
      params: { parkId: PARK },
      body: { parkId: PARK, name: '包头园区', zone: 'mengxi', city: 'Baotou' },
    });
    const building = {
      buildingId: ID,
      parkId: PARK,
      name: 'Sunny office',
      zone: 'mengxi',
      feederId: 'f1',
      bmsIntegrationId: 'bms-a',
      gridLimits: { importKw: 800, exportKw: 0 },
      assets: [
        { kind: 'pv', id: 'roof', kwp: 250, inverterKw: 220 },
        {
          kind: 'battery',
          id: 'bat',
          capacityKwh: 800,
          maxChargeKw: 200,
          maxDischargeKw: 200,
          socMin: 0.1,
          socMax: 0.9,
          cycleCostYuanPerKwh: 0.1,
        },
      ],
    };
    expect(
      (await h.http('put-building', manager, { params: { buildingId: ID }, body: building })).status,
    ).toBe(200);
    // two past days: 300 kW of load from 07:00 to 18:00, 100 of it from the roof until 16:00;
    // this morning the same load under a clear sky, 200 from the roof
    // PV from 07:00 to 16:00 (14 h to 23 h after 17:00 on the day before)
    const daylight = (kw: number) => (ms: number) => {
      const after = (((ms - start) % DAY) + DAY) % DAY;
      return after >= 14 * HOUR && after < 23 * HOUR ? kw : 0;
    };
    for (const back of [1, 2])
      await post(start - back * DAY - 10 * HOUR, start - back * DAY + HOUR, 300, daylight(100));
    await post(start - 10 * HOUR, start - 6 * HOUR, 300, () => 200);
    const state = {
      buildingId: ID,
      at: new Date().toISOString(),
      netLoadKw: 100,
      assets: [{ kind: 'battery', assetId: 'bat', soc: 0.8, powerKw: 0 }],
    };
    await h.http('report-telemetry', BMS, { params: { buildingId: ID }, body: { state } });
    const created = await h.http('create-event', operator, {
      body: {
        eventId,
        programId: program.programId,
        type: 'PEAK_SHAVING',
        start: '2026-12-16T17:00:00+08:00',
        end: '2026-12-16T18:00:00+08:00',
        intervalMinutes: 15,
        targetsKw: [TARGET_KW, TARGET_KW, TARGET_KW, TARGET_KW],
        scope: { parkIds: [PARK] },
        noticeAt: '2026-12-16T11:00:00+08:00',
      },
    });
    expect(created.status).toBe(201);
    await h.pump();
    const plan = await h.http('event-plan', operator, { params: { eventId } });
    const [command] = (plan.body.commands as { command: Command }[]).map((c) => c.command);
    // contractual: net 100 this morning against 200 on the past days, factor 0.5 capped at 0.8, on
    // the evening's 300: 240. FlexDR's forecast: gross 300 against 300, factor 1: 300, no sun at 17:00
    expect(command?.baselineKw).toEqual([240, 240, 240, 240]);
    expect(command?.planningBaselineKw).toEqual([300, 300, 300, 300]);
    expect(command?.forecastGapKw).toEqual([-60, -60, -60, -60]);
    // settlement will measure 240 − (300 − 160) = 100: the battery is asked the gap on top of the target
    expect(command?.assets.find((a) => a.assetId === 'bat')?.kw).toEqual([160, 160, 160, 160]);
    expect(command?.responseKw).toEqual([TARGET_KW, TARGET_KW, TARGET_KW, TARGET_KW]);
    expect(command?.gridLimitKw).toEqual([140, 140, 140, 140]);
    expect((plan.body.plan as { expectedKw: number[] }).expectedKw).toEqual([100, 100, 100, 100]);
  });
});
