/**
 * The local runtime end to end: the gateway's token checks, the demo from issue to settlement
 * through the simulator, and a restart that keeps the store and the clock.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../infra/local/demo.ts';
import { type LocalRuntime, startLocal } from '../../infra/local/runtime.ts';

const DEMO_START = Date.parse(process.env.DEMO_TEST_START ?? '2026-12-07T14:00:00+08:00');

describe('npm start and npm run demo, in memory', () => {
  let rt: LocalRuntime;
  const get = (path: string, token?: string) =>
    fetch(`${rt.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    // A fixed start, three hours before the demo's peak window: the test does not depend on the hour
    // it runs at (from the real now, the demo would idle up to a day before the window).
    rt = await startLocal({ inMemory: true, port: 0, declineProbability: 0.1, startAt: DEMO_START });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('answers protected routes only with a valid token, as API Gateway does, and then by role and binding', async () => {
    expect((await get('/health')).status).toBe(200);
    const none = await get('/parks');
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: 'Unauthorized' });
    expect((await get('/parks', 'not-a-jwt')).status).toBe(401);
    const other = await rt.tokens.issue({ role: 'operator' });
    expect((await get('/parks', `${other.token.slice(0, -2)}xx`)).status).toBe(401);

    const manager = await rt.token({ role: 'parkManager', parkIds: ['baotou-rare-earth'] });
    const parks = (await (await get('/parks', manager)).json()) as { items: { parkId: string }[] };
    expect(parks.items.map((p) => p.parkId)).toEqual(['baotou-rare-earth']);
    expect((await get('/parks/hohhot-jinqiao', manager)).status).toBe(403);
    const bms = await rt.token({ role: 'bms', buildingIds: ['jq-office-1'] });
    expect((await get('/events', bms)).status).toBe(403);
  });

  it('runs the demo to a settled report: both events settled, commands acknowledged, delivery paid', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'flexdr-demo-'));
    const lines: string[] = [];
    const report = await runDemo({ url: rt.url, outDir, log: (l) => lines.push(l) });
    expect(report.events.map((e) => [e.type, e.status])).toEqual([
      ['PEAK_SHAVING', 'settled'],
      ['VALLEY_FILLING', 'settled'],
    ]);
    for (const e of report.events) {
      expect(e.counts.acknowledged).toBeGreaterThan(0);
      expect(e.intervals.every((i) => i.plannedKw > 0 && i.deliveredKw !== null && i.deliveredKw > 0)).toBe(
        true,
      );
      expect(e.settlement.buildings.length).toBeGreaterThan(0);
      expect(e.netYuan).toBeGreaterThan(0);
    }
    const peak = report.events[0];
    const ratio =
      (peak?.intervals.reduce((s, i) => s + (i.deliveredKw ?? 0), 0) ?? 0) /
      (peak?.intervals.reduce((s, i) => s + i.plannedKw, 0) ?? 1);
    expect(ratio).toBeGreaterThan(0.7);
    expect(report.valleyEnergyAbsorbedKwh).toBeGreaterThan(0);
    // Delivered stays within 10 % of target in every interval (issue 18). It did not before the
    // valley plan counted the peak event's tank recoveries in its window (26–60 % over in its first
    // interval) and before PV buildings were planned on FlexDR's own forecast (10–17 % in the peak's).
    for (const e of report.events) expect(e.tracking?.worstPct).toBeLessThan(10);
    expect(JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'))).toEqual(report);
    const html = readFileSync(join(outDir, 'report.html'), 'utf8');
    expect(html).toContain('uPlot');
    expect(html).toContain(report.events[0]?.eventId);
    expect(lines.some((l) => l.startsWith('issued demo-peak-'))).toBe(true);
    // Nothing the bus carried was lost on the way.
    expect(rt.bus.deadLetters).toEqual([]);
  });
});

describe('a restart', () => {
  it('keeps what was enrolled, the clock and the development secret; a corrupted store and a taken port are clear errors', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'flexdr-data-'));
    const start = Date.parse('2026-11-20T02:00:00Z');
    // Seeded, so the fresh store is built in RAM and moved to the data folder (staged-store.ts).
    const first = await startLocal({
      dataDir,
      port: 0,
      simulator: false,
      seed: true,
      speed: 0,
      startAt: start,
    });
    expect(existsSync(join(dataDir, 'dynamodb', 'shared-local-instance.db'))).toBe(true);
    const staged = existsSync('/dev/shm') ? readdirSync('/dev/shm') : [];
    expect(staged.filter((f) => f.startsWith(`flexdr-store-${process.pid}-`))).toEqual([]);
    const token = await first.token({ role: 'operator' });
    const put = await fetch(`${first.url}/parks/ordos-1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parkId: 'ordos-1', name: 'Ordos Park', zone: 'mengxi', city: 'Ordos' }),
    });
    expect(put.status).toBe(200);
    await first.advance(90);
    await first.stop();
    expect(existsSync(join(dataDir, 'clock.json'))).toBe(true);

    const second = await startLocal({ dataDir, port: 0, simulator: false, seed: false });
    try {
      expect(second.now()).toBeGreaterThanOrEqual(start + 90 * 60_000);
      expect(second.now()).toBeLessThan(start + 91 * 60_000);
      const park = await fetch(`${second.url}/parks/ordos-1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(park.status).toBe(200);
      expect(await park.json()).toMatchObject({ name: 'Ordos Park' });
      const seeded = await fetch(`${second.url}/parks/hohhot-jinqiao`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(seeded.status).toBe(200);
    } finally {
      await second.stop();
    }

    const corrupt = mkdtempSync(join(tmpdir(), 'flexdr-corrupt-'));
    mkdirSync(join(corrupt, 'dynamodb'));
    writeFileSync(join(corrupt, 'dynamodb', 'shared-local-instance.db'), randomBytes(20_000));
    await expect(startLocal({ dataDir: corrupt, port: 0, simulator: false, seed: false })).rejects.toThrow(
      /store in .* cannot be read \(SQLite: .*\)\nIf the store .* is corrupted, move it away/,
    );

    const blocker = createServer();
    const port = await new Promise<number>((ok) =>
      blocker.listen(0, '127.0.0.1', () => ok((blocker.address() as { port: number }).port)),
    );
    try {
      await expect(startLocal({ inMemory: true, port, simulator: false, seed: false })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is taken`,
      );
    } finally {
      blocker.close();
    }
  });
});
