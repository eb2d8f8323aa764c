/**
 * `npm run tour` (README, "A ten-minute tour") against a fresh in-memory runtime: the command the
 * README shows, run as a user runs it, from operator to the park manager's earnings; then again on
 * the same runtime, whose clock has moved on by hours, to show that nothing in it goes stale.
 *
 * The runtime's clock starts at a fixed time, not the real now, so the test does not depend on the
 * hour it runs at (the simulator is a pure function of time). `TOUR_TEST_START` (an ISO time) starts
 * it elsewhere, to try the tour at another hour: it was run at 20:35 (the default: the first window
 * at 21:15, evening peak shaving, the second put at 02:15 after it), 09:00 and 15:00 on Saturday
 * 2026-12-05, 02:00 on Monday 2026-12-07 (after a rest day: the adjustment reads yesterday's
 * evening, seeded since) and 23:00 that Monday, Beijing time.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/runtime.ts';
import { type EarlierEvent, runTour, tourWindow } from '../../infra/local/tour.ts';

const repo = resolve(import.meta.dirname, '../..');
const START = Date.parse(process.env.TOUR_TEST_START ?? '2026-12-05T20:35:00+08:00');
const HOUR = 3_600_000;
const run = promisify(execFile);

/** The shell commands of the README's tour section (lines of its ```sh blocks, comments dropped). */
function readmeTourCommands(): string[] {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const section = readme.split('### A ten-minute tour')[1]?.split('\n### ')[0] ?? '';
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    (m[1] ?? '')
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean),
  );
}

describe('npm run tour, on a fresh in-memory runtime', () => {
  let rt: LocalRuntime;
  /** The first tour's window, which the second must keep out of its baseline adjustment. */
  let first: EarlierEvent | undefined;

  beforeAll(async () => {
    rt = await startLocal({ inMemory: true, port: 0, declineProbability: 0, startAt: START });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('is the only command the README tour shows', () => {
    // The commands below run it as the README says; anything else there would be untested.
    expect(readmeTourCommands()).toEqual(['npm run tour']);
  });

  it('walks operator, BMS, clock, delivery, settlement and park manager, printing what each shows', async () => {
    // Prepare
    const clockBefore = rt.now();

    // Act: `npm run tour` with FLEXDR_URL pointing at the runtime, as after `npm start`
    const { stdout } = await run(join(repo, 'node_modules/.bin/tsx'), ['infra/local/tour.ts'], {
      cwd: repo,
      env: { ...process.env, FLEXDR_URL: rt.url },
      timeout: 150_000,
    });

    // Assess: every step printed, with the times of this runtime's clock (no earlier event)
    const window = tourWindow(clockBefore);
    const issued = /issued (tour-(?:peak|valley)-\d{12})/.exec(stdout)?.[1];
    if (issued) first = { eventId: issued, start: window.start, end: window.end };
    const hhmm = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(11, 16);
    expect(stdout).toContain(`using the runtime at ${rt.url}`);
    expect(stdout).toContain(`the tour's window: ${hhmm(window.start)}–${hhmm(window.end)} Beijing time`);
    expect(stdout).not.toContain('not earlier:');
    expect(stdout).toMatch(/400: the window ended at .*before the coordinator's clock \(now /);
    expect(stdout).toMatch(/issued tour-(peak|valley)-\d{12}/);
    expect(stdout).toMatch(/its BMS answered: ACKNOWLEDGED/);
    expect(stdout).toMatch(/settled: \d+ buildings settled, delivered [\d.]+ kWh, net payment ¥\d+\.\d\d/);
    expect(stdout).toMatch(/earned ¥[1-9][\d.]*/);
    expect(stdout).toContain("403: another park's manager sees nothing of it");
    const steps = [
      '1. The simulation clock',
      '2. Grid operator',
      '3. BMS',
      '4. The clock',
      '5. Delivery',
      '6. Park manager',
    ];
    expect(steps.map((s) => stdout.indexOf(s))).toEqual(
      [...steps.map((s) => stdout.indexOf(s))].sort((a, b) => a - b),
    );
    expect(steps.every((s) => stdout.includes(s))).toBe(true);
  });

  it('runs again hours later on the same runtime: new window from the clock, settled and paid', async () => {
    // Prepare: the first tour moved the clock past its window and settlement
    const lines: string[] = [];
    const now = rt.now();

    // Act
    const tour = await runTour({ url: rt.url, log: (l) => lines.push(l) });

    // Assess: the window follows this clock and keeps the first tour's event out of the 4 hours
    // before it, which the peak program's day-of baseline adjustment reads (there, the baseline
    // would be scaled down by the first event's shedding, and the delivery not paid); the event
    // settled and paid, the BMS's answer seen
    if (!first) throw new Error('the first tour issued no event');
    expect(Date.parse(tour.clock.start)).toBeGreaterThanOrEqual(now);
    const expected = tourWindow(Date.parse(tour.clock.start), [first], 4 * HOUR);
    expect(tour.event.start).toBe(new Date(expected.start).toISOString());
    expect(Date.parse(tour.event.start)).toBeGreaterThan(Date.parse(tour.clock.start) + 30 * 60_000);
    expect(Date.parse(tour.event.start) - 4 * HOUR).toBeGreaterThanOrEqual(first.end);
    expect(tour.event.after).toBe(first.eventId);
    expect(lines.join('\n')).toContain(`not earlier: ${first.eventId} (`);
    expect(Date.parse(tour.clock.afterAdvance)).toBeGreaterThan(Date.parse(tour.event.end) + 30 * 60_000);
    expect(tour.pastWindow.status).toBe(400);
    // The refusal names the clock's time (it runs at 1x, so a moment after the tour read it)
    const named = Date.parse(/now (\S+)\)/.exec(tour.pastWindow.message)?.[1] ?? '');
    expect(named - Date.parse(tour.clock.start)).toBeGreaterThanOrEqual(0);
    expect(named - Date.parse(tour.clock.start)).toBeLessThan(60_000);
    expect(tour.event.targetsKw.every((kw) => kw > 0)).toBe(true);
    expect(tour.event.plannedKw.length).toBe(4);
    expect(tour.bms.status).toBe('ACKNOWLEDGED');
    expect(tour.commands.acknowledged).toBeGreaterThan(0);
    expect(tour.delivery.every((i) => i.deliveredKw !== null && i.deliveredKw > 0)).toBe(true);
    expect(tour.event.status).toBe('settled');
    expect(tour.settlement).toMatchObject({ status: 'settled' });
    expect(tour.settlement.buildings).toBeGreaterThan(0);
    expect(tour.settlement.netYuan).toBeGreaterThan(0);
    expect(tour.manager.parks).toEqual(['hohhot-jinqiao']);
    expect(tour.manager.settlementsOfEvent).toBe(1);
    expect(tour.manager.netYuan).toBe(tour.settlement.netYuan);
    expect(tour.manager.otherParkStatus).toBe(403);
    expect(lines.join('\n')).toContain(`$ GET /buildings/${tour.bms.buildingId}/commands`);
    expect(rt.bus.deadLetters).toEqual([]);
  });
});
