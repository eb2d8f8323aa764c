/**
 * `npm run bench:tracking` on a small fleet: the command the README shows runs and writes its
 * results, and the closed loop it measures does what it is for against the open loop on the same
 * buildings, declines and load error.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fleet, runCase, type TrackingCase, type TrackingResult, targetOf } from '../../../bench/tracking.ts';

const run = promisify(execFile);

describe('bench:tracking', () => {
  const members = fleet(1, 2);
  const target = targetOf(members, 1, 0.5);
  /** One case on seed 1, planned on the contractual baseline as the coordinator plans. */
  const on = (c: Pick<TrackingCase, 'declineRate' | 'loadError' | 'loop' | 'follow'>) =>
    runCase({ seed: 1, planOn: 'contractual', pvForecast: true, ...c }, members, target);

  it('a BMS holding the limit delivers the target as settlement measures it, whatever its natural load', () => {
    // the contractual baseline's day-of adjustment takes in a day 40 % off forecast (within its caps)
    const open = on({ declineRate: 0.1, loadError: 0.4, loop: 'open', follow: 'limit' });
    expect(open.meanAbsErrorPct).toBeLessThan(3);
    expect(open.paidShare).toBe(1);
    expect(open.profileErrorPct).toBeGreaterThan(5);
  });

  it('narrows the gap a BMS moving its assets leaves where its load strays from the forecast', () => {
    const open = on({ declineRate: 0.1, loadError: 0.2, loop: 'open', follow: 'assets' });
    const closed = on({ declineRate: 0.1, loadError: 0.2, loop: 'closed', follow: 'assets' });
    expect(closed.corrections).toBeGreaterThan(0);
    // by a quarter at least (the PV buildings' own forecast already took the sun's part out of the
    // open loop's error, which the closed loop used to halve)
    expect(closed.meanAbsErrorPct).toBeLessThan(open.meanAbsErrorPct * 0.75);
    expect(closed.worstErrorPct).toBeLessThan(open.worstErrorPct);
    // the first interval is over before any meter reading can say anything: the same in both
    expect(closed.deliveredKw[0]).toBe(open.deliveredKw[0]);
  });

  it('pays the PV offices the contractual baseline alone leaves unpaid, once planning uses their PV readings', () => {
    // seed 2: a sunny afternoon sets the DC-bus offices' day-of factor under their evening load
    const sunny = fleet(2, 1);
    const targetKw = targetOf(sunny, 2, 0.5);
    const paid = (pvForecast: boolean) =>
      runCase(
        {
          seed: 2,
          declineRate: 0.1,
          loadError: 0.2,
          loop: 'closed',
          follow: 'assets',
          planOn: 'contractual',
          pvForecast,
        },
        sunny,
        targetKw,
      ).paidShare;
    expect(paid(false)).toBeLessThan(0.9);
    expect(paid(true)).toBe(1);
  });

  it('leaves a plan alone that delivers on target', () => {
    const closed = on({ declineRate: 0, loadError: 0, loop: 'closed', follow: 'limit' });
    expect(closed.corrections).toBe(0);
    expect(closed.worstErrorPct).toBeLessThan(3);
  });

  it('runs as the README shows it and writes every case', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'flexdr-tracking-')), 'tracking.json');
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/tracking.ts',
        '--seeds',
        '2',
        '--copies',
        '1',
        '--declines',
        '0.1',
        '--errors',
        '0.2',
        '--follow',
        'limit',
        '--out',
        out,
      ],
      { cwd: join(import.meta.dirname, '../../..') },
    );
    expect(stdout).toMatch(/^limit\s+10 %\s+±20 %\s+\d+\.\d %\s+\|/m);
    const results = JSON.parse(readFileSync(out, 'utf8')) as TrackingResult[];
    expect(results.map((r) => r.loop)).toEqual(['open', 'closed']);
    for (const r of results) expect(r.deliveredKw).toHaveLength(8);
  }, 60_000);
});
