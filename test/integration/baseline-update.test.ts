/**
 * Commands measured from the program's contractual baseline, through the handlers on DynamoDB Local:
 * planned before the day-of adjustment window closes, a command states the baseline with the
 * adjustment estimated from the latest readings and its import limit from it; when the window closes
 * before the event, the commands whose final baseline moves their limit are sent again as one
 * revision, the others left alone.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { baselineUpdateScheduleName } from '../../lib/app/baseline-update.ts';
import type { Command } from '../../lib/domain/model/command.ts';
import type { CommandRecord } from '../../lib/ports.ts';
import { largeBatteryBuilding } from '../support/fixtures.ts';
import { bms, Harness, operator, parkManager } from './harness.ts';

const PARK = 'ordos-dongsheng';
const IDS = ['d1', 'd2'];
const BMS = bms(IDS.join(','));
const STEP = 15 * 60_000;
const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const eventId = 'imp-2026-1216-dayof';
const start = Date.parse('2026-12-16T17:00:00+08:00');
// W = [13:00, 16:00) on the event day: from 4 h to 1 h before the start
const windowEnd = start - HOUR;
const PAST_KW = 300;

let h: Harness;
beforeAll(async () => {
  h = await Harness.startAt('2026-12-16T11:05:00+08:00');
});
afterAll(() => h?.stop());

/** Posts one building's quarter-hour readings from `fromMs` to `toMs` at `kw`. */
async function post(id: string, fromMs: number, toMs: number, kw: number): Promise<void> {
  const readings = [];
  for (let ms = fromMs; ms < toMs; ms += STEP)
    readings.push({ buildingId: id, intervalStart: new Date(ms).toISOString(), kw });
  const posted = await h.http('report-telemetry', BMS, { params: { buildingId: id }, body: { readings } });
  expect(posted.status).toBe(202);
}

/** Each building's latest standing dispatch command. */
async function standing(): Promise<Map<string, CommandRecord>> {
  const out = new Map<string, CommandRecord>();
  for (const c of await h.deps.commands.ofEvent(eventId)) {
    if (c.command.kind !== 'DISPATCH' || !['PUBLISHED', 'ACKNOWLEDGED'].includes(c.status)) continue;
    const seen = out.get(c.command.buildingId);
    if (!seen || seen.command.revision < c.command.revision) out.set(c.command.buildingId, c);
  }
  return out;
}

const limitOf = (c: Command, baselineKw: number) =>
  c.responseKw.map((r) => expect.closeTo(baselineKw - r, 2));

describe('commands on the contractual baseline', () => {
  const first = new Map<string, Command>();

  it('states the baseline with its adjustment estimated from the morning, and the limit from it', async () => {
    const program = {
      programId: 'dongsheng-peak',
      name: 'Dongsheng peak shaving',
      baseline: {
        method: 'N_DAY_AVERAGE',
        days: 2,
        dayFilter: 'ANY',
        lookbackDays: 5,
        adjustment: { kind: 'MULTIPLICATIVE', fromHoursBefore: 4, toHoursBefore: 1, capHigh: 1.5 },
      },
      settlement: { unit: 'YUAN_PER_KWH', price: 1.5, minRatio: 0.8, maxRatio: 1.2 },
    };
    const put = await h.http('put-program', operator, {
      params: { programId: program.programId },
      body: program,
    });
    expect(put.status).toBe(200);
    const manager = parkManager(PARK);
    const park = { parkId: PARK, name: '东胜园区', zone: 'mengxi', city: 'Ordos' };
    expect((await h.http('put-park', manager, { params: { parkId: PARK }, body: park })).status).toBe(200);
    for (const id of IDS) {
      const b = largeBatteryBuilding(id, PARK, 0.1);
      expect((await h.http('put-building', manager, { params: { buildingId: id }, body: b })).status).toBe(
        200,
      );
      // two past days flat at 300 kW from 07:00 to 18:00; this morning 10 % above them
      for (const back of [1, 2])
        await post(id, start - back * DAY - 10 * HOUR, start - back * DAY + HOUR, PAST_KW);
      await post(id, start - 10 * HOUR, start - 6 * HOUR, PAST_KW * 1.1);
      const state = {
        buildingId: id,
        at: new Date().toISOString(),
        netLoadKw: PAST_KW * 1.1,
        assets: [{ kind: 'battery', assetId: 'bat', soc: 0.8, powerKw: 0 }],
      };
      expect(
        (await h.http('report-telemetry', BMS, { params: { buildingId: id }, body: { state } })).status,
      ).toBe(202);
    }
    const event = {
      eventId,
      programId: program.programId,
      type: 'PEAK_SHAVING',
      start: '2026-12-16T17:00:00+08:00',
      end: '2026-12-16T18:00:00+08:00',
      intervalMinutes: 15,
      targetsKw: [300, 300, 300, 300],
      scope: { parkIds: [PARK] },
      noticeAt: '2026-12-16T11:00:00+08:00',
    };
    expect((await h.http('create-event', operator, { body: event })).status).toBe(201);
    await h.pump();

    const commands = await standing();
    expect([...commands.keys()].sort()).toEqual(IDS);
    for (const { command } of commands.values()) {
      first.set(command.buildingId, command);
      // the morning's 330 kW against the past days' 300: factor 1.1 on 300 kW
      expect(command.baselineKind).toBe('CONTRACTUAL_ESTIMATE');
      expect(command.baselineKw).toEqual([330, 330, 330, 330]);
      expect(command.baselineFinalAt).toBe(new Date(windowEnd).toISOString());
      expect(command.gridLimitKw).toEqual(limitOf(command, 330));
      // planned on that baseline too (issue 18 item 2), not on the profile of the past days' 300 kW
      expect(command.planningBaselineKw).toEqual([330, 330, 330, 330]);
      await h.http('acknowledge-command', BMS, {
        params: { commandId: command.commandId },
        body: { status: 'ACCEPTED' },
      });
    }
    const due = windowEnd + h.deps.config.trackingGraceMinutes * 60_000;
    expect(h.schedules.has(baselineUpdateScheduleName(eventId, due))).toBe(true);
  });

  it('sends again, once W has closed, only the command whose final baseline moves its limit', async () => {
    const due = windowEnd + h.deps.config.trackingGraceMinutes * 60_000;
    vi.setSystemTime(new Date(due));
    // W's readings: d1 at 360 kW (factor 1.2), d2 stays at 330 (1.1, as estimated)
    await post('d1', start - 4 * HOUR, windowEnd, PAST_KW * 1.2);
    await post('d2', start - 4 * HOUR, windowEnd, PAST_KW * 1.1);

    await h.fire(baselineUpdateScheduleName(eventId, due));

    const record = await h.deps.events.get(eventId);
    expect(record?.revision).toBe(2);
    expect(record?.plan?.revision).toBe(2);
    const after = await standing();
    const d1 = after.get('d1')?.command;
    const before = first.get('d1');
    expect(d1?.revision).toBe(2);
    expect(d1?.supersedes).toBe(before?.commandId);
    expect(d1?.baselineKind).toBe('CONTRACTUAL');
    expect(d1?.baselineKw).toEqual([360, 360, 360, 360]);
    expect(d1?.responseKw).toEqual(before?.responseKw);
    if (d1) expect(d1.gridLimitKw).toEqual(limitOf(d1, 360));
    // d2's estimate was right: its command stands as sent
    expect(after.get('d2')?.command.commandId).toBe(first.get('d2')?.commandId);
  });

  it('does nothing when the update comes again', async () => {
    const due = windowEnd + h.deps.config.trackingGraceMinutes * 60_000;
    const revision = (await h.deps.events.get(eventId))?.revision;

    await h.fire(baselineUpdateScheduleName(eventId, due));

    expect((await h.deps.events.get(eventId))?.revision).toBe(revision);
  });
});

describe('planning on the contractual baseline, and on the profile in a scope too large to read', () => {
  it('plans a scope over CONTRACTUAL_PLANNING_MAX_BUILDINGS on the profile, its commands still on the contractual baseline', async () => {
    h.configure({ CONTRACTUAL_PLANNING_MAX_BUILDINGS: '1' });
    const later = start + 2 * HOUR;
    // the past days at 300 kW through 19:00–20:00 as well; W for 19:00 (15:00–18:00) is still open
    for (const id of IDS)
      for (const back of [1, 2])
        await post(id, later - back * DAY - HOUR, later - back * DAY + HOUR, PAST_KW);
    const event = {
      eventId: `${eventId}-later`,
      programId: 'dongsheng-peak',
      type: 'PEAK_SHAVING',
      start: '2026-12-16T19:00:00+08:00',
      end: '2026-12-16T20:00:00+08:00',
      intervalMinutes: 15,
      targetsKw: [200, 200, 200, 200],
      scope: { parkIds: [PARK] },
      noticeAt: new Date().toISOString(),
    };
    expect((await h.http('create-event', operator, { body: event })).status).toBe(201);
    await h.pump();

    const commands = (await h.deps.commands.ofEvent(event.eventId)).filter(
      (c) => c.command.kind === 'DISPATCH',
    );
    expect(commands.length).toBeGreaterThan(0);
    for (const { command } of commands) {
      // the estimate over the latest complete window (13:00–16:00): d1 at ×1.2, d2 at ×1.1
      expect(command.baselineKind).toBe('CONTRACTUAL_ESTIMATE');
      expect(command.baselineKw).toEqual(new Array(4).fill(command.buildingId === 'd1' ? 360 : 330));
      expect(command.planningBaselineKw).toEqual([300, 300, 300, 300]);
    }
  });
});
