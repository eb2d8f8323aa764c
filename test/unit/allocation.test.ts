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

  describe('with prefix caps (the most energy by the end of each interval)', () => {
    /** Asserts that the kWh given by the end of each interval (`kw` over `dt` hours) keep `caps`. */
    const expectWithinCaps = (kw: number[], dt: number, caps: number[]) => {
      let given = 0;
      kw.forEach((x, t) => {
        given += x * dt;
        expect(given).toBeLessThanOrEqual((caps[t] as number) + 1e-9);
      });
      return given;
    };

    // A battery at its minimum state of charge, charging at 50 kW (ηc = 0.95, ηd = 0.96), asked to
    // respond in 15-min intervals: stopping the charge and discharging gives by the end of interval t
    // at most ηd·ηc·50 kW·0.25 h·(t+1) = 0.96·11.875·(t+1) = 11.4·(t+1) kWh. Its bound is
    // Pdis + p0c = 100 + 50 = 150 kW and its window budget 45.6 kWh.
    const battery = {
      id: 'battery',
      costYuanPerKwh: 0.2,
      upperKw: [150, 150, 150, 150],
      budgetKwh: 45.6,
      prefixKwh: [11.4, 22.8, 34.2, 45.6],
    };

    it('does not front-load a battery that is charging at its minimum', () => {
      // Prepare: 100 kW wanted in each of 4 intervals. With the budget alone, 100 kW (25 kWh) could go
      // into the first interval; the caps allow 11.4 kWh = 45.6 kW there.
      const a = allocate({
        intervalHours: 0.25,
        targetsKw: [100, 100, 100, 100],
        shortfallPenaltyYuanPerKwh: 50,
        buildings: [building('office', [1000, 1000, 1000, 1000], [battery])],
      });
      // Assess: every cap kept, the whole 45.6 kWh given (182.4 kW over the intervals), the rest short:
      // 400 − 182.4 = 217.6 kW × 0.25 h × 50 ¥ = 2720 ¥, plus 45.6 kWh × 0.2 ¥ = 9.12 ¥.
      expect(expectWithinCaps(kwOf(a, 0, 0), 0.25, battery.prefixKwh)).toBeCloseTo(45.6, 9);
      expect(a.costYuan).toBeCloseTo(2729.12, 9);
    });

    it('spreads a charging battery so that a dearer resource can cover the rest in every interval', () => {
      // Prepare: the same battery with an HVAC that can curtail 60 kW per interval at 1 ¥/kWh. No
      // shortfall needs the battery at ≥ 100 − 60 = 40 kW in every interval (10 kWh by t0 ≤ 11.4, …),
      // 160 of the 182.4 kW the caps allow. The battery fills the last intervals first (100, 82.4 kW);
      // the HVAC then reroutes it down its chain into the first two, as far as the caps let it.
      // Optimum: battery 45.6 kWh × 0.2 ¥ = 9.12 ¥, HVAC (400 − 182.4) kW × 0.25 h × 1 ¥ = 54.4 ¥.
      const a = allocate({
        intervalHours: 0.25,
        targetsKw: [100, 100, 100, 100],
        shortfallPenaltyYuanPerKwh: 50,
        buildings: [
          building(
            'office',
            [1000, 1000, 1000, 1000],
            [
              battery,
              {
                id: 'hvac',
                costYuanPerKwh: 1,
                upperKw: [60, 60, 60, 60],
                budgetKwh: Number.POSITIVE_INFINITY,
              },
            ],
          ),
        ],
      });
      // Assess
      const kw = kwOf(a, 0, 0);
      expectWithinCaps(kw, 0.25, battery.prefixKwh);
      for (const x of kw) expect(x).toBeGreaterThanOrEqual(40 - 1e-9);
      expect(Array.from(a.shortfallKw)).toEqual([0, 0, 0, 0]);
      expect(a.costYuan).toBeCloseTo(63.52, 9);
    });

    it('reroutes a cheap chained resource down its chain only as far as its first cap allows', () => {
      // Prepare: hours 0–2, 10 kW wanted in each. A (1 ¥/kWh, 20 kWh, at most 5 kWh by the end of
      // hour 0) fills the last hours first: (0, 10, 10). R (5 ¥/kWh) can only serve hour 2, so its
      // path goes back through A's 10 kW in hour 2 and down A's chain to hour 0: through the caps of
      // hours 1 (20 − 10 = 10 kWh left) and 0 (5 − 0 = 5 kWh left), so it moves 5 kW, not 10.
      // Optimum: A (5, 10, 5) = 20 ¥, R 5 kW in hour 2 = 25 ¥, 5 kW short in hour 0 = 500 ¥: 545 ¥
      // (without the cap, A would give 10 kW in hour 0 and the cost would be 70 ¥).
      const a = allocate({
        intervalHours: 1,
        targetsKw: [10, 10, 10],
        shortfallPenaltyYuanPerKwh: 100,
        buildings: [
          building(
            'A',
            [100, 100, 100],
            [{ id: 'a', costYuanPerKwh: 1, upperKw: [10, 10, 10], budgetKwh: 20, prefixKwh: [5, 20, 20] }],
          ),
          building(
            'R',
            [100, 100, 100],
            [{ id: 'r', costYuanPerKwh: 5, upperKw: [0, 0, 10], budgetKwh: Number.POSITIVE_INFINITY }],
          ),
        ],
      });
      // Assess
      expect(kwOf(a, 0, 0)).toEqual([5, 10, 5]);
      expect(kwOf(a, 1, 0)).toEqual([0, 0, 5]);
      expect(Array.from(a.shortfallKw)).toEqual([5, 0, 0]);
      expect(a.costYuan).toBeCloseTo(545, 9);
    });

    it('reroutes a chained resource up its chain, through nodes below those a failed search found dead', () => {
      // Prepare: hours 0–2, 10 kW wanted in each.
      // - C (0 ¥, 10 kWh, hours 1–2) goes first and takes hour 1 (ties: the earlier hour).
      // - A (1 ¥, 20 kWh, at most 10 kWh by the end of hour 1, nothing in hour 2) then fills hour 0
      //   (10 kW, its cap for hours 0–1 now spent). Its search from the source reaches only its
      //   hour-2 node (no slack below it), which leads nowhere: that node alone is dead.
      // - R (5 ¥, hour 0 only) finds hour 0 full. Its path enters A at hour 0 (backward through
      //   A's 10 kW), goes UP A's chain to hour 1 (moving energy later needs no slack), finds hour 1
      //   full of C, and moves C to hour 2: R → 0 ← A → 1 ← C → 2.
      // Optimum: A (0, 10, 0) = 10 ¥, C (0, 0, 10) = 0 ¥, R (10, 0, 0) = 50 ¥: 60 ¥. Had A been
      // marked dead whole, R would find nothing and hour 2 would stay 10 kW short: 1010 ¥.
      const a = allocate({
        intervalHours: 1,
        targetsKw: [10, 10, 10],
        shortfallPenaltyYuanPerKwh: 100,
        buildings: [
          building(
            'C',
            [100, 100, 100],
            [{ id: 'c', costYuanPerKwh: 0, upperKw: [0, 10, 10], budgetKwh: 10 }],
          ),
          building(
            'A',
            [100, 100, 100],
            [{ id: 'a', costYuanPerKwh: 1, upperKw: [10, 10, 0], budgetKwh: 20, prefixKwh: [10, 10, 20] }],
          ),
          building(
            'R',
            [100, 100, 100],
            [{ id: 'r', costYuanPerKwh: 5, upperKw: [10, 0, 0], budgetKwh: Number.POSITIVE_INFINITY }],
          ),
        ],
      });
      // Assess
      expect(kwOf(a, 0, 0)).toEqual([0, 0, 10]);
      expect(kwOf(a, 1, 0)).toEqual([0, 10, 0]);
      expect(kwOf(a, 2, 0)).toEqual([10, 0, 0]);
      expect(a.costYuan).toBeCloseTo(60, 9);
    });

    it('gives nothing where the cap is zero, and converts caps like budgets under derating', () => {
      // Prepare: a tank whose heater may stay off for nothing by the end of interval 0 and 5 kWh by
      // the end of interval 1 (10 kWh over the window), in a building delivering 80 %; 15-min
      // intervals, 40 kW wanted in intervals 0 and 1.
      const a = allocate({
        intervalHours: 0.25,
        targetsKw: [40, 40, 0],
        shortfallPenaltyYuanPerKwh: 10,
        buildings: [
          building(
            'home',
            [1000, 1000, 1000],
            [
              {
                id: 'tank',
                costYuanPerKwh: 0.5,
                upperKw: [50, 50, 50],
                budgetKwh: 10,
                prefixKwh: [0, 5, 10],
              },
            ],
            0.8,
          ),
        ],
      });
      // Assess: 5 kWh / 0.25 h = 20 kW commanded in interval 1, 16 kW expected; nothing in interval 0.
      // Cost 5 kWh × 0.5 ¥ = 2.5 ¥ plus (40 + 24) kW × 0.25 h × 10 ¥ = 160 ¥.
      expect(kwOf(a, 0, 0)).toEqual([0, 20, 0]);
      expect(a.expectedKw[1]).toBeCloseTo(16, 9);
      expect(a.costYuan).toBeCloseTo(162.5, 9);
    });

    it('rejects prefix caps of the wrong length or not numbers', () => {
      const withCaps = (prefixKwh: number[]) => ({
        intervalHours: 1,
        targetsKw: [1, 1],
        shortfallPenaltyYuanPerKwh: 10,
        buildings: [
          building('A', [5, 5], [{ id: 'b', costYuanPerKwh: 0, upperKw: [5, 5], budgetKwh: 3, prefixKwh }]),
        ],
      });
      expect(() => allocate(withCaps([1]))).toThrow(/A\/b: prefixKwh has 1 values for 2 intervals/);
      expect(() => allocate(withCaps([Number.NaN, 2]))).toThrow(/A\/b: prefixKwh\[0\] is not a number/);
    });
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
