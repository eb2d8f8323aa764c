/**
 * The demo in a year the seeded calendar lacks, on the local runtime: both events plan, run and
 * then await the working calendar (never settled at ¥0); an operator enters the year through the
 * API and both settle and pay. 2031's arrangement is not published: the year entered is fictional.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../infra/local/demo.ts';
import { type LocalRuntime, startLocal } from '../../infra/local/runtime.ts';

describe('the demo in a year the calendar lacks', () => {
  let rt: LocalRuntime;

  beforeAll(async () => {
    rt = await startLocal({
      inMemory: true,
      port: 0,
      declineProbability: 0,
      startAt: Date.parse('2031-03-11T08:00:00+08:00'),
    });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('awaits the calendar, then settles and pays once an operator enters the year', async () => {
    // Prepare
    const outDir = mkdtempSync(join(tmpdir(), 'flexdr-demo-2031-'));
    const op = await rt.token({ role: 'operator' });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${rt.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    // Act: the demo runs both events to the end of what time alone can do
    const report = await runDemo({ url: rt.url, outDir, log: () => {} });

    // Assess: both wait for 2031's calendar, building by building, and say how to enter it
    expect(report.events.map((e) => e.status)).toEqual(['awaiting-data', 'awaiting-data']);
    for (const e of report.events) {
      expect(e.settlement.buildings).toEqual([]);
      expect(e.settlement.unsettled.length).toBeGreaterThan(0);
      for (const u of e.settlement.unsettled) expect(u.reason).toContain('PUT /calendars/2031');
    }
    // The peak's batteries and tanks recover after its window, and the report shows when
    const peakReport = report.events.find((e) => e.type === 'PEAK_SHAVING');
    expect(peakReport?.after?.recoveryKw.some((kw) => kw > 0)).toBe(true);
    expect(readFileSync(join(outDir, 'report.html'), 'utf8')).toContain('After the window: recovery');

    // Act: an operator enters the (fictional) year
    const put = await call('PUT', '/calendars/2031', {
      source: 'fictional calendar for a test',
      holidays: ['2031-01-01'],
      workdays: [],
    });
    await rt.idle();
    const after = await Promise.all(
      report.events.map(async (e) => (await call('GET', `/events/${e.eventId}/performance`)).body),
    );

    // Assess: both are re-evaluated and settled as revision 2, and the peak event pays
    expect(put.status).toBe(200);
    expect([...(put.body.reevaluating as string[])].sort()).toEqual(
      report.events.map((e) => e.eventId).sort(),
    );
    expect(after.map((p) => [p.status, p.revision])).toEqual([
      ['settled', 2],
      ['settled', 2],
    ]);
    const [peak] = after as { buildings: { netYuan: number }[] }[];
    expect(peak?.buildings.length).toBeGreaterThan(0);
    expect(peak?.buildings.reduce((s, b) => s + b.netYuan, 0)).toBeGreaterThan(0);
    expect(rt.bus.deadLetters).toEqual([]);
  });
});
