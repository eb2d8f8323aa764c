import { describe, expect, it } from 'vitest';
import { type AllocationBuilding, allocate } from '../../lib/domain/allocation.ts';

const kwOf = (a: ReturnType<typeof allocate>, b: number, r: number) =>
  Array.from(
    a.kw.subarray(
      ((a.resourceOffset[b] as number) + r) * a.intervals,
      ((a.resourceOffset[b] as number) + r + 1) * a.intervals,
    ),
  );

const building = (
  id: string,
  limitKw: number[],
  resources: AllocationBuilding['resources'],
  derating?: number,
) => ({
  id,
  limitKw,
  resources,
  ...(derating ? { derating } : {}),
});

describe('allocate', () => {
  it('reroutes a cheap battery when an expensive resource can serve only one interval (greedy merit order fails here)', () => {
    // Prepare: A's battery (1 ¥/kWh, 10 kWh) fits either hour; B (5 ¥/kWh) can only serve hour 1.
    // Merit order in time gives A hour 1, B nothing, 10 kW short in hour 2: 10 + 100·10 = 1010 ¥.
    // Optimum: A takes hour 2, B hour 1: 1·10 + 5·10 = 60 ¥.
    const problem = {
      intervalHours: 1,
      targetsKw: [10, 10],
      shortfallPenaltyYuanPerKwh: 100,
      buildings: [
        building('A', [100, 100], [{ id: 'battery', costYuanPerKwh: 1, upperKw: [10, 10], budgetKwh: 10 }]),
        building('B', [100, 100], [{ id: 'hvac', costYuanPerKwh: 5, upperKw: [10, 0], budgetKwh: Infinity }]),
      ],
    };
    // Act
    const a = allocate(problem);
    // Assess
    expect(a.costYuan).toBeCloseTo(60, 9);
    expect(kwOf(a, 0, 0)).toEqual([0, 10]);
    expect(kwOf(a, 1, 0)).toEqual([10, 0]);
    expect(Array.from(a.shortfallKw)).toEqual([0, 0]);
  });

  it('reroutes inside a building whose grid limit binds', () => {
    // Prepare: limit 10 kW per hour; cheap r1 (1 ¥, 10 kWh, either hour), dear r2 (3 ¥, hour 1 only).
    // Optimum: r1 in hour 2, r2 in hour 1 = 10 + 30 = 40 ¥.
    const a = allocate({
      intervalHours: 1,
      targetsKw: [10, 10],
      shortfallPenaltyYuanPerKwh: 100,
      buildings: [
        building(
          'A',
          [10, 10],
          [
            { id: 'r1', costYuanPerKwh: 1, upperKw: [10, 10], budgetKwh: 10 },
            { id: 'r2', costYuanPerKwh: 3, upperKw: [10, 0], budgetKwh: Infinity },
          ],
        ),
      ],
    });
    expect(a.costYuan).toBeCloseTo(40, 9);
    expect(kwOf(a, 0, 0)).toEqual([0, 10]);
    expect(kwOf(a, 0, 1)).toEqual([10, 0]);
  });

  it('derates unreliable buildings: cost per expected kWh decides', () => {
    // Prepare: U delivers 80 % at 1 ¥ (1.25 ¥ per expected kWh); R delivers 100 % at 1.2 ¥.
    const a = allocate({
      intervalHours: 1,
      targetsKw: [40],
      shortfallPenaltyYuanPerKwh: 100,
      buildings: [
        building('U', [1000], [{ id: 'x', costYuanPerKwh: 1, upperKw: [100], budgetKwh: Infinity }], 0.8),
        building('R', [1000], [{ id: 'y', costYuanPerKwh: 1.2, upperKw: [100], budgetKwh: Infinity }]),
      ],
    });
    // Assess: R gives all 40 kW: 1.2 × 40 = 48 ¥.
    expect(kwOf(a, 0, 0)).toEqual([0]);
    expect(kwOf(a, 1, 0)).toEqual([40]);
    expect(a.costYuan).toBeCloseTo(48, 9);
  });

  it('commands 1/ρ of the expected response from a derated building', () => {
    const a = allocate({
      intervalHours: 1,
      targetsKw: [40],
      shortfallPenaltyYuanPerKwh: 100,
      buildings: [
        building('U', [1000], [{ id: 'x', costYuanPerKwh: 1, upperKw: [100], budgetKwh: Infinity }], 0.8),
      ],
    });
    // 40 / 0.8 = 50 kW commanded, paid 50 × 1 ¥.
    expect(kwOf(a, 0, 0)[0]).toBeCloseTo(50, 9);
    expect(a.expectedKw[0]).toBeCloseTo(40, 9);
    expect(a.costYuan).toBeCloseTo(50, 9);
  });

  it('leaves a shortfall rather than use a resource dearer than the penalty', () => {
    const a = allocate({
      intervalHours: 0.25,
      targetsKw: [100, 100],
      shortfallPenaltyYuanPerKwh: 10,
      buildings: [
        building(
          'A',
          [1000, 1000],
          [
            { id: 'cheap', costYuanPerKwh: 2, upperKw: [30, 30], budgetKwh: 10 },
            { id: 'dear', costYuanPerKwh: 12, upperKw: [100, 100], budgetKwh: Infinity },
          ],
        ),
      ],
    });
    // cheap gives 10 kWh = 40 kW·(0.25 h) in all; shortfall 200 − 40 = 160 kW over 0.25 h at 10 ¥/kWh.
    expect(kwOf(a, 0, 1)).toEqual([0, 0]);
    const cheap = kwOf(a, 0, 0);
    expect((cheap[0] as number) + (cheap[1] as number)).toBeCloseTo(40, 9);
    expect((a.shortfallKw[0] as number) + (a.shortfallKw[1] as number)).toBeCloseTo(160, 9);
    expect(a.costYuan).toBeCloseTo(2 * 10 + 10 * 160 * 0.25, 9);
  });

  it('asks nothing when the target is zero', () => {
    const a = allocate({
      intervalHours: 0.25,
      targetsKw: [0, 0, 0],
      shortfallPenaltyYuanPerKwh: 10,
      buildings: [
        building('A', [5, 5, 5], [{ id: 'b', costYuanPerKwh: 0, upperKw: [5, 5, 5], budgetKwh: 3 }]),
      ],
    });
    expect(Array.from(a.kw)).toEqual([0, 0, 0]);
    expect(a.costYuan).toBe(0);
  });

  it('rejects a derating outside (0, 1]', () => {
    expect(() =>
      allocate({
        intervalHours: 1,
        targetsKw: [1],
        shortfallPenaltyYuanPerKwh: 10,
        buildings: [building('A', [5], [], 1.5)],
      }),
    ).toThrow(/derating must be in \(0, 1\]/);
  });
});
