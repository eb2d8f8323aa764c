/**
 * The one meaning of delivered (lib/domain/delivery.ts): response against the contractual baseline
 * per interval, summed over the buildings measured, rounded for display; and settlement's rows agree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  displayKw,
  type MeasuredBuilding,
  measureDelivery,
  measuredCommands,
  meteredPerInterval,
  overWindow,
} from '../../lib/domain/delivery.ts';
import type { MeterReading } from '../../lib/domain/model/telemetry.ts';
import { settleBuilding } from '../../lib/domain/settlement.ts';
import { perKwh } from '../support/settlement-inputs.ts';

const START = '2026-11-26T09:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(START) + minutes * 60_000).toISOString();
const window = { type: 'PEAK_SHAVING' as const, start: START, intervalMinutes: 15, intervals: 4 };
const reading = (minutes: number, kw: number, intervalMinutes: 15 | 30 | 60 = 15): MeterReading => ({
  buildingId: 'a',
  intervalStart: at(minutes),
  intervalMinutes,
  kw,
});
const building = (id: string, overrides: Partial<MeasuredBuilding> = {}): MeasuredBuilding => ({
  buildingId: id,
  plannedKw: [40, 40, 40, 40],
  planningBaselineKw: [300, 300, 300, 300],
  baselineKw: [280, 280, 280, 280],
  meteredKw: [240, 240, 240, 240],
  ...overrides,
});

describe('metered load per interval', () => {
  it('takes readings on the grid as they are, spreads longer ones by overlap, and leaves gaps null', () => {
    // Prepare: 0–15 on the grid; a 30-minute reading over 15–45; nothing for 45–60
    const readings = [reading(0, 100), reading(15, 120, 30), reading(-60, 999, 60)];

    // Act
    const metered = meteredPerInterval(window, readings);

    // Assess
    expect(metered).toEqual([100, 120, 120, null]);
  });

  it('prefers the interval’s own reading to a longer one over it', () => {
    expect(meteredPerInterval(window, [reading(0, 80, 60), reading(15, 50)])).toEqual([80, 50, 80, 80]);
  });
});

describe('measured buildings', () => {
  it('are the buildings whose latest acknowledged dispatch stands, one per building', () => {
    const rec = (buildingId: string, revision: number, status: string, kind = 'DISPATCH' as const) => ({
      status,
      command: { buildingId, revision, kind },
    });
    const measured = measuredCommands([
      rec('a', 1, 'SUPERSEDED'),
      rec('a', 2, 'ACKNOWLEDGED'),
      rec('b', 1, 'DECLINED'),
      rec('c', 1, 'PUBLISHED'),
      rec('d', 1, 'ACKNOWLEDGED'),
      rec('d', 3, 'ACKNOWLEDGED'),
    ]);
    expect(measured.map((r) => [r.command.buildingId, r.command.revision])).toEqual([
      ['a', 2],
      ['d', 3],
    ]);
  });
});

describe('delivery against the contractual baseline', () => {
  it('is baseline minus metered for peak shaving, never the planning baseline', () => {
    // Act: the plan assumed 300 kW, the program's baseline says 280, the meter 240
    const d = measureDelivery({ ...window, targetsKw: [50, 50, 50, 50] }, [building('a')]);

    // Assess: 280 − 240 = 40 (against the planning baseline it would have been 60)
    expect(d.intervals.map((i) => i.deliveredKw)).toEqual([40, 40, 40, 40]);
    expect(d.intervals[0]).toEqual({
      start: START,
      targetKw: 50,
      plannedKw: 40,
      planningBaselineKw: 300,
      baselineKw: 280,
      meteredKw: 240,
      deliveredKw: 40,
    });
    expect(d.meanDeliveredKw).toBe(40);
    expect(d.deliveredKwh).toBe(40);
  });

  it('is metered minus baseline for valley filling', () => {
    const d = measureDelivery({ ...window, type: 'VALLEY_FILLING' }, [
      building('a', { meteredKw: [300, 310, 320, 330] }),
    ]);
    expect(d.intervals.map((i) => i.deliveredKw)).toEqual([20, 30, 40, 50]);
    expect(d.intervals[0]?.targetKw).toBeNull();
  });

  it('sums buildings and shows an interval only once every measured building has reported it', () => {
    const d = measureDelivery(window, [
      building('a'),
      building('b', { baselineKw: [100, 100, 100, 100], meteredKw: [90, 80, null, null] }),
    ]);
    expect(d.intervals.map((i) => i.deliveredKw)).toEqual([50, 60, null, null]);
    expect(d.intervals.map((i) => i.meteredKw)).toEqual([330, 320, null, null]);
    expect(d.intervals.map((i) => i.baselineKw)).toEqual([380, 380, 380, 380]);
    // The mean over the event waits for every interval; the energy counts what is measured.
    expect(d.meanDeliveredKw).toBeNull();
    expect(d.deliveredKwh).toBe(27.5);
  });

  it('counts a settled building’s missing reading as 0 delivered when the missing-data rule says so', () => {
    const d = measureDelivery(window, [
      building('a'),
      building('b', { meteredKw: [240, null, 240, 240], missingAsZero: true }),
    ]);
    expect(d.intervals.map((i) => i.deliveredKw)).toEqual([80, 40, 80, 80]);
    expect(d.intervals[1]?.meteredKw).toBeNull();
  });

  it('rounds every figure to 0.1 kW once, from the exact sums', () => {
    const d = measureDelivery(window, [
      building('a', { baselineKw: [809.0234381067413, 1, 1, 1], meteredKw: [0.04, 0, 0, 0] }),
      building('b', { baselineKw: [0.04, 0, 0, 0], meteredKw: [0, 0, 0, 0] }),
    ]);
    // 809.0234381067413 − 0.04 + 0.04 = 809.0234…: shown 809.0
    expect(d.intervals[0]?.deliveredKw).toBe(809);
    expect(d.intervals[0]?.baselineKw).toBe(809.1);
    for (const i of d.intervals)
      for (const v of [i.deliveredKw, i.baselineKw, i.meteredKw, i.plannedKw])
        expect(String(v)).toMatch(/^-?\d+(\.\d)?$/);
  });

  it('with no building measured, says nothing was measured and lists why', () => {
    const why = { buildingId: 'a', parkId: 'p', needs: 'readings' as const, reason: 'no eligible day' };
    const d = measureDelivery(window, [], [why]);
    expect(d.buildings).toBe(0);
    expect(d.unmeasured).toEqual([why]);
    expect(d.intervals.every((i) => i.deliveredKw === null && i.baselineKw === null)).toBe(true);
    expect(d.meanDeliveredKw).toBeNull();
  });

  it('lays a command that starts later over the window', () => {
    expect(overWindow(window, { start: at(30) }, [7, 8])).toEqual([0, 0, 7, 8]);
  });

  it('is what settlement sums: the rows of every building settled add up to the view, interval by interval', () => {
    const kw = fc.double({ min: -500, max: 2000, noNaN: true });
    const series = fc.array(fc.tuple(kw, kw, fc.option(kw, { nil: null })), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(
        fc.array(series, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('PEAK_SHAVING' as const, 'VALLEY_FILLING' as const),
        (buildings, type) => {
          const settled = buildings.map((rows, b) =>
            settleBuilding({
              buildingId: `b${b}`,
              parkId: 'p',
              direction: type,
              rules: perKwh,
              intervalMinutes: 15,
              declaredKw: rows.map(() => 10),
              baselineKw: rows.map(([base]) => base),
              actualKw: rows.map(([, , metered]) => metered),
            }),
          );
          const view = measureDelivery(
            { ...window, type },
            settled.map((s) => ({
              buildingId: s.buildingId,
              plannedKw: s.intervals.map((i) => i.declaredKw),
              baselineKw: s.intervals.map((i) => i.baselineKw),
              meteredKw: s.intervals.map((i) => i.actualKw),
              missingAsZero: true,
            })),
          );
          for (let t = 0; t < 4; t++) {
            const sum = settled.reduce((s, b) => s + (b.intervals[t]?.deliveredKw ?? 0), 0);
            expect(view.intervals[t]?.deliveredKw).toBe(displayKw(sum));
          }
          const mean = settled.reduce((s, b) => s + b.deliveredKw, 0);
          // Rounded once to 0.1 kW: within half a tenth of the settlements' exact event mean.
          expect(Math.abs((view.meanDeliveredKw as number) - mean)).toBeLessThanOrEqual(0.05 + 1e-9);
        },
      ),
    );
  });
});
