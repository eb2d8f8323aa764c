import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BmsSimulator, SEED_READINGS_PER_POST } from '../../../infra/local/sim/bms-simulator.ts';
import { history } from '../../../infra/local/sim/building-sim.ts';
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  sign,
  TIMESTAMP_HEADER,
} from '../../../lib/adapters/webhook/signature.ts';
import type { Command } from '../../../lib/domain/model/command.ts';
import { at, batteryAsset, building, command, constant, QUARTER } from './helpers.ts';

const SECRET = 'whsec-test';
const TOKEN = 'bms-token';
const START = at('2026-12-16T16:00:00+08:00');
const B1 = building('b1', [batteryAsset]);
const B2 = building('b2', [batteryAsset]);

interface Recorded {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}

/** A tiny stand-in for the FlexDR API: records calls, answers what each test sets. */
class FakeApi {
  readonly calls: Recorded[] = [];
  commands: { command: Command; status: string }[] = [];
  telemetryStatus = 202;
  ackStatus = 200;
  private server!: Server;
  url = '';

  async start() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => {
        raw += c.toString();
      });
      req.on('end', () => {
        const path = req.url ?? '';
        this.calls.push({
          method: req.method ?? '',
          path,
          auth: req.headers.authorization,
          body: raw ? JSON.parse(raw) : undefined,
        });
        const send = (status: number, body: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (path.endsWith('/ack'))
          return send(this.ackStatus, this.ackStatus < 300 ? {} : { message: 'conflict here' });
        if (path.endsWith('/telemetry'))
          return send(
            this.telemetryStatus,
            this.telemetryStatus < 300 ? {} : { message: 'reading out of range' },
          );
        if (req.method === 'GET' && path.includes('/commands')) {
          const id = path.split('/')[2];
          return send(200, { items: this.commands.filter((c) => c.command.buildingId === id) });
        }
        send(404, { message: 'no route' });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  acks() {
    return this.calls.filter((c) => c.path.endsWith('/ack'));
  }
  telemetry() {
    return this.calls.filter((c) => c.path.endsWith('/telemetry'));
  }
  async stop() {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const dispatch = command(B1, {
  start: '2026-12-16T17:00:00+08:00',
  assets: [{ assetId: 'bat', action: 'discharge', kw: constant(4, 40) }],
});
const event = (c: Command) =>
  JSON.stringify({
    version: '0',
    id: `delivery-${c.commandId}`,
    'detail-type': c.kind === 'CANCEL' ? 'CommandCancelled' : 'DispatchCommand',
    source: 'flexdr.coordinator',
    time: new Date().toISOString(),
    detail: {
      version: 1,
      buildingId: c.buildingId,
      parkId: c.parkId,
      bmsIntegrationId: c.bmsIntegrationId,
      command: c,
    },
  });
/** The signed headers of one delivery, as the coordinator sends them. */
function signed(
  body: string,
  secret = SECRET,
  deliveryId: string = randomUUID(),
  ts = Math.floor(Date.now() / 1000),
) {
  return {
    'content-type': 'application/json',
    [SIGNATURE_HEADER]: sign(secret, ts, deliveryId, body),
    [TIMESTAMP_HEADER]: String(ts),
    [DELIVERY_HEADER]: deliveryId,
  };
}

async function deliver(url: string, body: string, secret = SECRET) {
  return fetch(url, { method: 'POST', headers: signed(body, secret), body });
}

let api: FakeApi;
let bms: BmsSimulator;
const lines: string[] = [];
async function startBms(declineProbability = 0) {
  bms = await BmsSimulator.start({
    apiUrl: api.url,
    token: TOKEN,
    buildings: [B1, B2],
    kinds: { b1: 'office', b2: 'office' },
    secret: SECRET,
    seed: 5,
    declineProbability,
    startMs: START,
    log: (l) => lines.push(l),
  });
}

beforeEach(async () => {
  api = new FakeApi();
  await api.start();
  lines.length = 0;
});
afterEach(async () => {
  await bms?.stop();
  await api.stop();
});

describe('BmsSimulator webhook', () => {
  it('refuses a bad signature with 401 and acknowledges nothing', async () => {
    await startBms();
    const res = await deliver(bms.webhookUrl, event(dispatch), 'wrong-secret');
    expect(res.status).toBe(401);
    const unsigned = await fetch(bms.webhookUrl, { method: 'POST', body: event(dispatch) });
    expect(unsigned.status).toBe(401);
    expect(api.acks()).toEqual([]);
  });

  it('refuses a signature without its delivery id, or one stale beyond 300 s', async () => {
    // Prepare
    await startBms();
    const body = event(dispatch);
    const { [DELIVERY_HEADER]: _id, ...withoutId } = signed(body);

    // Act
    const unnamed = await fetch(bms.webhookUrl, { method: 'POST', headers: withoutId, body });
    const stale = await fetch(bms.webhookUrl, {
      method: 'POST',
      headers: signed(body, SECRET, randomUUID(), Math.floor(Date.now() / 1000) - 301),
      body,
    });

    // Assess
    expect([unnamed.status, stale.status]).toEqual([401, 401]);
    expect(api.acks()).toEqual([]);
  });

  it('takes a replayed copy of a delivery (same id, same signature) as a duplicate and acts once', async () => {
    // Prepare: a cancellation, which the command id alone would not de-duplicate.
    await startBms();
    await deliver(bms.webhookUrl, event(dispatch));
    const cancel = command(B1, { kind: 'CANCEL', revision: 2, start: dispatch.start, assets: [] });
    const body = event(cancel);
    const headers = signed(body);

    // Act
    const first = await fetch(bms.webhookUrl, { method: 'POST', headers, body });
    const replay = await fetch(bms.webhookUrl, { method: 'POST', headers, body });

    // Assess
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ outcome: 'cancelled' });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({
      deliveryId: headers[DELIVERY_HEADER],
      outcome: 'duplicate delivery',
    });
    expect(lines.filter((l) => l.includes('CANCEL'))).toHaveLength(1);
  });

  it('acknowledges a command exactly once, before answering, even when delivered twice', async () => {
    await startBms();
    const first = await deliver(bms.webhookUrl, event(dispatch));
    expect(first.status).toBe(200);
    // the ack is on the API by the time the webhook answers
    expect(api.acks()).toHaveLength(1);
    const again = await deliver(bms.webhookUrl, event(dispatch));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ outcome: 'duplicate' });
    expect(api.acks()).toEqual([
      {
        method: 'POST',
        path: `/commands/${dispatch.commandId}/ack`,
        auth: `Bearer ${TOKEN}`,
        body: { status: 'ACCEPTED' },
      },
    ]);
    expect(
      lines.some((l) => l.startsWith('b1 ← DISPATCH ev-1 r1: discharge 40 kW 17:00–18:00 ACCEPTED')),
    ).toBe(true);
  });

  it('executes what it accepted and stops on a cancellation, which it does not acknowledge', async () => {
    await startBms();
    await deliver(bms.webhookUrl, event(dispatch));
    await bms.stepTo(at('2026-12-16T17:30:00+08:00'));
    const battery = () => bms.simulator('b1')?.state().assets[0];
    expect(battery()).toMatchObject({ kind: 'battery' });
    const during = battery();
    expect(during?.kind === 'battery' && during.powerKw).toBeLessThan(-35);
    const cancel = command(B1, { kind: 'CANCEL', revision: 2, start: dispatch.start, assets: [] });
    expect((await deliver(bms.webhookUrl, event(cancel))).status).toBe(200);
    await bms.stepTo(at('2026-12-16T17:45:00+08:00'));
    const after = battery();
    expect(after?.kind === 'battery' && after.powerKw).toBe(0);
    expect(api.acks()).toHaveLength(1);
  });

  it('declines with a reason when told to decline everything, and does not execute', async () => {
    await startBms(1);
    await deliver(bms.webhookUrl, event(dispatch));
    const ack = api.acks()[0];
    expect(ack?.body).toMatchObject({ status: 'DECLINED', reason: expect.any(String) });
    await bms.stepTo(at('2026-12-16T17:30:00+08:00'));
    const s = bms.simulator('b1')?.state().assets[0];
    expect(s?.kind === 'battery' && s.powerKw).toBe(0);
  });

  it('answers 502 when the API refuses the ack, and handles the retry', async () => {
    await startBms();
    api.ackStatus = 500;
    expect((await deliver(bms.webhookUrl, event(dispatch))).status).toBe(502);
    api.ackStatus = 200;
    expect((await deliver(bms.webhookUrl, event(dispatch))).status).toBe(200);
    expect(api.acks()).toHaveLength(2);
    expect((await deliver(bms.webhookUrl, event(dispatch))).status).toBe(200);
    expect(api.acks()).toHaveLength(2);
  });

  it('rejects a command for a building it does not simulate', async () => {
    await startBms();
    const stranger = command(building('b9', [batteryAsset]), {
      start: dispatch.start,
      assets: dispatch.assets,
    });
    expect((await deliver(bms.webhookUrl, event(stranger))).status).toBe(404);
    expect(api.acks()).toEqual([]);
  });
});

describe('BmsSimulator telemetry and pull mode', () => {
  it('reports each building once per step with its new readings and state', async () => {
    await startBms();
    await bms.stepTo(START + 4 * QUARTER);
    const posts = api.telemetry();
    expect(posts.map((p) => p.path).sort()).toEqual(['/buildings/b1/telemetry', '/buildings/b2/telemetry']);
    for (const p of posts) {
      const body = p.body as { state: { at: string }; readings: unknown[] };
      expect(body.readings).toHaveLength(4);
      expect(body.state.at).toBe(new Date(START + 4 * QUARTER).toISOString());
      expect(p.auth).toBe(`Bearer ${TOKEN}`);
    }
    // under a quarter later: nothing new to say
    await bms.stepTo(START + 4 * QUARTER + 5 * 60_000);
    expect(api.telemetry()).toHaveLength(2);
  });

  it('seeds history in small posts, every reading once, the state with the last, with progress', async () => {
    await startBms();
    // 21 days: 2,016 readings per building
    const progress: string[] = [];
    await bms.seedHistory(START - 21 * 86_400_000, START, {
      onProgress: (stored, total) => progress.push(`${stored}/${total}`),
    });
    const b1 = api.telemetry().filter((p) => p.path === '/buildings/b1/telemetry');
    const bodies = b1.map((p) => p.body as { readings: { intervalStart: string }[]; state?: unknown });
    expect(bodies.every((b) => b.readings.length <= SEED_READINGS_PER_POST)).toBe(true);
    expect(bodies.length).toBe(Math.ceil(2_016 / SEED_READINGS_PER_POST));
    const starts = bodies.flatMap((b) => b.readings.map((r) => r.intervalStart));
    expect(new Set(starts).size).toBe(2_016);
    expect(bodies.slice(0, -1).every((b) => b.state === undefined)).toBe(true);
    expect(bodies.at(-1)?.state).toBeDefined();
    // one line per post, the count of both buildings' readings growing to their total
    expect(progress).toHaveLength(2 * bodies.length);
    expect(progress.at(-1)).toBe(`${2 * 2_016}/${2 * 2_016}`);
  });

  it('seeds only the readings kept, the physics running through the days left out', async () => {
    await startBms();
    const from = START - 3 * 86_400_000;
    const lastDay = START - 86_400_000;
    await bms.seedHistory(from, START, { keep: (ms) => ms >= lastDay });
    const kept = api
      .telemetry()
      .filter((p) => p.path === '/buildings/b1/telemetry')
      .flatMap((p) => (p.body as { readings: { intervalStart: string; kw?: number }[] }).readings);
    expect(kept).toHaveLength(96);
    expect(kept[0]?.intervalStart).toBe(new Date(lastDay).toISOString());
    // the same values as a history of all three days: the model's state carried over
    const whole = history(B1, 'office', from, START, 5).slice(-96);
    expect(kept).toEqual(whole);
  });

  it('throws with the API’s message when telemetry is refused', async () => {
    await startBms();
    api.telemetryStatus = 400;
    await expect(bms.stepTo(START + QUARTER)).rejects.toThrow(/400.*reading out of range/);
  });

  it('pulls unseen commands and acknowledges each once', async () => {
    await startBms();
    const superseded = command(B2, { start: dispatch.start, assets: dispatch.assets });
    const current = command(B2, { revision: 2, start: dispatch.start, assets: dispatch.assets });
    api.commands = [
      { command: current, status: 'PUBLISHED' },
      { command: superseded, status: 'SUPERSEDED' },
      { command: dispatch, status: 'PUBLISHED' },
    ];
    expect(await bms.poll()).toBe(2);
    expect(
      api
        .acks()
        .map((a) => a.path)
        .sort(),
    ).toEqual([`/commands/${current.commandId}/ack`, `/commands/${dispatch.commandId}/ack`].sort());
    expect(api.calls.some((c) => c.method === 'GET' && c.path === '/buildings/b1/commands?limit=20')).toBe(
      true,
    );
    expect(await bms.poll()).toBe(0);
    expect(api.acks()).toHaveLength(2);
  });
});
