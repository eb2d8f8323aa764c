/**
 * A store outage in the middle of the lifecycle: DynamoDB Local is restarted while an event is
 * being planned. The bus retries the deliveries that failed, and the event is dispatched with every
 * command published; nothing ends as a dead letter.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startLocal } from '../../infra/local/runtime.ts';

const NOW = Date.parse('2026-11-26T02:00:00Z');
const PARK = 'hohhot-jinqiao';

it('plans and dispatches an event across a DynamoDB Local restart, losing nothing', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flexdr-restart-'));
  const rt = await startLocal({ dataDir, port: 0, simulator: false, seed: true, speed: 0, startAt: NOW });
  try {
    const operator = await rt.token({ role: 'operator' });
    /** A request as a client makes it: a 5xx (the store is down) is retried after a pause. */
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(`${rt.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        if (res.status < 500 || attempt >= 10)
          return { status: res.status, body: await res.json().catch(() => undefined) };
        await new Promise((r) => setTimeout(r, 1_000));
      }
    };
    const buildings = (await call('GET', `/parks/${PARK}/buildings?limit=100`, operator)).body as {
      items: { buildingId: string }[];
    };
    const ids = buildings.items.map((b) => b.buildingId);
    const bms = await rt.token({ role: 'bms', buildingIds: ids });
    for (const id of ids) {
      const state = { buildingId: id, at: new Date(NOW).toISOString(), netLoadKw: 400, assets: [] };
      expect((await call('POST', `/buildings/${id}/telemetry`, bms, { state })).status).toBe(202);
    }
    const event = {
      eventId: 'restart-1',
      programId: 'mengxi-dr-2026',
      type: 'PEAK_SHAVING',
      start: '2026-11-26T09:00:00Z',
      end: '2026-11-26T10:00:00Z',
      targetsKw: [400, 400, 400, 400],
      scope: { parkIds: [PARK] },
      noticeAt: new Date(NOW).toISOString(),
    };
    // The store goes away the moment the event's acceptance reaches the bus, while the planning
    // consumer, delivered the same message at the same time, is reading the scope: not after a
    // guessed delay, which a loaded machine may miss.
    let restarted = false;
    rt.bus.addTarget({
      name: 'store-outage',
      pattern: { 'detail-type': ['GridEventAccepted'] },
      deliver: async () => {
        if (restarted) return;
        restarted = true;
        await rt.restartStore();
      },
    });
    expect((await call('POST', '/events', operator, event)).status).toBe(201);
    await rt.idle();
    rt.bus.removeTarget('store-outage');
    expect(restarted).toBe(true);
    // Deliveries did fail while the store was away, and were retried.
    expect(rt.bus.failedAttempts).toBeGreaterThan(0);
    const status = (await call('GET', '/events/restart-1', operator)) as {
      body: { status: string; commands: { sent: number; published: number; failed: number } };
    };
    expect(status.body.status).toBe('dispatched');
    expect(status.body.commands.sent).toBeGreaterThan(0);
    expect(status.body.commands.published).toBe(status.body.commands.sent);
    expect(status.body.commands.failed).toBe(0);
    expect(rt.bus.deadLetters).toEqual([]);
  } finally {
    await rt.stop();
  }
});
