/**
 * The loop's turn before the start (`refreshBeforeStart`), through the handlers on DynamoDB Local: a
 * plan made in the morning asks a battery for energy it has since spent; half an hour before the
 * start its ask is lowered to what it still holds and the rest asked of a building with headroom, as
 * one revision that leaves the building whose ask still fits alone.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { refreshScheduleName } from '../../lib/app/tracking.ts';
import type { CommandRecord } from '../../lib/ports.ts';
import { largeBatteryBuilding } from '../support/fixtures.ts';
import { bms, Harness, operator, parkManager } from './harness.ts';

const PARK = 'wuhai-refresh';
const IDS = ['ra', 'rb', 'rc'];
const BMS = bms(IDS.join(','));
const eventId = 'imp-2026-1215-refresh';
const start = Date.parse('2026-12-15T17:00:00+08:00');
const TARGET_KW = 440;

// a = cheapest, b next, c dearest: the morning plan asks a and b for all they can (200 kW each) and c for 40
const building = (id: string, cost: number) => largeBatteryBuilding(id, PARK, cost);

async function reportState(id: string, soc: number): Promise<void> {
  const state = {
    buildingId: id,
    at: new Date().toISOString(),
    netLoadKw: 300,
    assets: [{ kind: 'battery', assetId: 'bat', soc, powerKw: 0 }],
  };
  expect(
    (await h.http('report-telemetry', BMS, { params: { buildingId: id }, body: { state } })).status,
  ).toBe(202);
}

/** Each building's latest standing dispatch command. */
async function standing(): Promise<Map<string, CommandRecord>> {
  const out = new Map<string, CommandRecord>();
  for (const c of await h.deps.commands.ofEvent(eventId)) {
    if (c.command.kind !== 'DISPATCH' || !['PENDING', 'PUBLISHED', 'ACKNOWLEDGED'].includes(c.status))
      continue;
    const seen = out.get(c.command.buildingId);
    if (!seen || seen.command.revision < c.command.revision) out.set(c.command.buildingId, c);
  }
  return out;
}

let h: Harness;
beforeAll(async () => {
  h = await Harness.startAt('2026-12-15T09:00:00+08:00');
});
afterAll(() => h?.stop());

describe('the turn before the start', () => {
  it('lowers an ask its building can no longer give and asks the rest elsewhere, touching nobody else', async () => {
    const program = {
      programId: 'wuhai-peak',
      name: 'Wuhai peak shaving',
      baseline: { method: 'PRE_EVENT', minutesBefore: 15 },
      settlement: { unit: 'YUAN_PER_KWH', price: 1.5 },
    };
    await h.http('put-program', operator, { params: { programId: program.programId }, body: program });
    const manager = parkManager(PARK);
    await h.http('put-park', manager, {
      params: { parkId: PARK },
      body: { parkId: PARK, name: '乌海园区', zone: 'mengxi', city: 'Wuhai' },
    });
    for (const [i, id] of IDS.entries()) {
      await h.http('put-building', manager, {
        params: { buildingId: id },
        body: building(id, 0.1 + 0.05 * i),
      });
      await reportState(id, 0.8);
    }
    const created = await h.http('create-event', operator, {
      body: {
        eventId,
        programId: program.programId,
        type: 'PEAK_SHAVING',
        start: '2026-12-15T17:00:00+08:00',
        end: '2026-12-15T18:00:00+08:00',
        intervalMinutes: 15,
        targetsKw: [TARGET_KW, TARGET_KW, TARGET_KW, TARGET_KW],
        scope: { parkIds: [PARK] },
        noticeAt: '2026-12-15T09:00:00+08:00',
      },
    });
    expect(created.status).toBe(201);
    await h.pump();
    const morning = await standing();
    expect([...morning.keys()].sort()).toEqual(IDS);
    expect(morning.get('ra')?.command.responseKw).toEqual([200, 200, 200, 200]);
    const refreshAt = start - h.deps.config.preStartRefreshMinutes * 60_000;
    expect(h.schedules.has(refreshScheduleName(eventId, refreshAt))).toBe(true);

    // by 16:30 ra's battery ran down to 15 %: (0.15 − 0.1) × 800 kWh × ηd 0.95 = 38 kWh is all it can give
    vi.setSystemTime(new Date(refreshAt));
    await reportState('ra', 0.15);
    await h.fire(refreshScheduleName(eventId, refreshAt));

    const record = await h.deps.events.get(eventId);
    expect(record?.revision).toBe(2);
    expect(record?.tracking).toMatchObject({ interval: 0, revision: 2, corrections: 1 });
    const after = await standing();
    const ra = after.get('ra')?.command;
    expect(ra?.revision).toBe(2);
    const kwh = (ra?.responseKw ?? []).reduce((s, v) => s + v, 0) * 0.25;
    expect(kwh).toBeLessThanOrEqual(38 + 1e-6);
    expect(kwh).toBeCloseTo(38, 1);
    // rb still holds its charge: its ask stands as it was, not even sent again
    expect(after.get('rb')?.command.commandId).toBe(morning.get('rb')?.command.commandId);
    // rc, the one with headroom, takes what ra gives back, up to its 200 kW
    const rc = after.get('rc')?.command;
    expect(rc?.revision).toBe(2);
    for (let t = 0; t < 4; t++) {
      const given = 200 - (ra?.responseKw[t] ?? 0);
      expect(rc?.responseKw[t]).toBeCloseTo(
        Math.min(200, (morning.get('rc')?.command.responseKw[t] ?? 0) + given),
        2,
      );
    }
    // the turn again (a retry, or the message twice) changes nothing
    await h.deliver('replan-event', 'ReplanDue', 'flexdr.scheduler', {
      version: 1,
      eventId,
      at: new Date(refreshAt).toISOString(),
      reason: 'REFRESH',
    });
    expect((await h.deps.events.get(eventId))?.revision).toBe(2);
  });
});
