/**
 * Two overlapping events planned at the same moment on the same batteries: reservations are
 * committed under per-building versions, so together they never promise more energy than a
 * battery holds. Duplicate deliveries change nothing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enrollBatteryFleet } from './battery-fleet.ts';
import { Harness, operator } from './harness.ts';

const IDS = ['c1', 'c2', 'c3', 'c4'];
// 100 kWh, SoC 0.9, floor 0.1, ηd 0.95: 0.95 × 80 = 76 kWh of response each.
const BUDGET_KWH = 76;

let h: Harness;
beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-14T09:00:00+08:00'));
  h = await Harness.start();
  await enrollBatteryFleet(
    h,
    'cp',
    IDS.map((buildingId) => ({ buildingId, feederId: 'fc' })),
    'bms-c',
  );
});
afterAll(async () => {
  await h?.stop();
  vi.useRealTimers();
});

const event = (eventId: string, start: string, end: string) => ({
  eventId,
  programId: 'p',
  type: 'PEAK_SHAVING',
  start,
  end,
  intervalMinutes: 15,
  // Each wants 160 kW for 2 h = 320 kWh; the four batteries hold 304 kWh in all.
  targetsKw: new Array(8).fill(160),
  scope: { feederIds: ['fc'] },
  noticeAt: '2026-12-14T09:00:00+08:00',
});

describe('overlapping events planned at the same time', () => {
  it('never commit the same kWh twice, and a duplicate delivery plans nothing twice', async () => {
    const a = event('ev-a', '2026-12-14T17:00:00+08:00', '2026-12-14T19:00:00+08:00');
    const b = event('ev-b', '2026-12-14T17:00:00+08:00', '2026-12-14T19:00:00+08:00');
    // Store both without letting the bus run, then deliver both plans (and a duplicate) at once.
    expect((await h.http('create-event', operator, { body: a })).status).toBe(201);
    expect((await h.http('create-event', operator, { body: b })).status).toBe(201);
    await h.relay();
    const accepted = h.entries.splice(0).filter((e) => e.DetailType === 'GridEventAccepted');
    expect(accepted).toHaveLength(2);
    // Planning gives up after `maxPlanAttempts` reservation conflicts and throws; Lambda then
    // invokes it again (the asynchronous invocation's retries), which is what this helper does.
    const plan = async (eventId: string) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await h.deliver('plan-event', 'GridEventAccepted', 'flexdr.coordinator', {
            version: 1,
            eventId,
            revision: 1,
          });
        } catch (e) {
          if (attempt >= 3) throw e;
        }
      }
    };
    await Promise.all([plan('ev-a'), plan('ev-b'), plan('ev-a')]);
    await h.pump();

    const committed = new Map<string, number>();
    for (const eventId of ['ev-a', 'ev-b']) {
      const plan = await h.http('event-plan', operator, { params: { eventId } });
      const commands = plan.body.commands as {
        command: { buildingId: string; revision: number; assets: { kw: number[] }[] };
      }[];
      // One command per building and event, even though ev-a was delivered twice.
      expect(new Set(commands.map((c) => c.command.buildingId)).size).toBe(commands.length);
      for (const c of commands) {
        const kwh = c.command.assets.reduce((s, a) => s + a.kw.reduce((x, y) => x + y, 0) * 0.25, 0);
        committed.set(c.command.buildingId, (committed.get(c.command.buildingId) ?? 0) + kwh);
      }
    }
    for (const id of IDS) expect(committed.get(id) ?? 0).toBeLessThanOrEqual(BUDGET_KWH + 0.01);
    // Between them the two events used (almost) every kWh, and the shortfall shows on the plans.
    const total = [...committed.values()].reduce((s, v) => s + v, 0);
    expect(total).toBeGreaterThan(4 * BUDGET_KWH - 1);
    const statuses = await Promise.all(
      ['ev-a', 'ev-b'].map((eventId) => h.http('get-event', operator, { params: { eventId } })),
    );
    const shortfallKwh = statuses.reduce(
      (s, r) => s + (r.body.plan.shortfallKw as number[]).reduce((x, y) => x + y, 0) * 0.25,
      0,
    );
    expect(shortfallKwh).toBeCloseTo(2 * 320 - total, 1);
  });
});
