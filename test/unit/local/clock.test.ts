import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulationClock } from '../../../infra/local/clock.ts';

const T = Date.parse('2026-11-26T09:00:00Z');

describe('simulation clock', () => {
  it('jumps ahead, never back, and stands still at speed 0', async () => {
    const clock = SimulationClock.open(undefined, { startMs: T, speed: 0 });
    expect(clock.now()).toBe(T);
    await clock.set(T + 3_600_000);
    expect(clock.now()).toBe(T + 3_600_000);
    await clock.set(T);
    expect(clock.now()).toBe(T + 3_600_000);
  });

  it('runs faster than real time at a higher speed', async () => {
    const clock = SimulationClock.open(undefined, { startMs: T, speed: 600 });
    await new Promise((r) => setTimeout(r, 50));
    const elapsed = clock.now() - T;
    expect(elapsed).toBeGreaterThanOrEqual(600 * 40);
  });

  it('resumes from its file at the time it was saved, and names a corrupted file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'flexdr-clock-')), 'clock.json');
    const clock = SimulationClock.open(file, { startMs: T, speed: 0 });
    await clock.set(T + 7_200_000);
    const resumed = SimulationClock.open(file, { startMs: Date.now() });
    expect(resumed.now()).toBe(T + 7_200_000);
    expect(resumed.speed).toBe(0);
    writeFileSync(file, '{"simMs":"soon"}');
    expect(() => SimulationClock.open(file)).toThrow(/clock\.json is corrupted/);
  });
});
