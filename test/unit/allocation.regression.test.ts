import { beforeAll, describe, expect, it } from 'vitest';
import { type AllocationProblem, allocate } from '../../lib/domain/allocation.ts';
import { expectOptimal } from '../support/allocation-assertions.ts';
import { type Highs, loadHighs, solveWithHighs } from '../support/highs-reference.ts';

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

const UNBOUNDED = 1e9;

/**
 * Found by `npm run check:allocator -- --seed 8` (its instance 6, 32 buildings × 17 intervals) and
 * shrunk by it. Before the fix the allocator cost 592.89 ¥ here, 0.4 % above the optimum, and the
 * same buildings in reverse order cost the optimum.
 *
 * What went wrong: the 9 ¥ resource of b23 searched back from interval 4, whose list of feeding
 * buildings was [b27, b20, b23] with the cursor on b23 and b27 no longer feeding it. The scan tried
 * b23, wrapped to the start, dropped b27 by moving b23 into its place, counted b23 a second time and
 * stopped before b20, through which the path to interval 0 went. The search reported failure, every
 * node it had visited was marked dead for good, and interval 0 was left 0.0083 kW shorter than it
 * need be.
 */
const wrappedScan: AllocationProblem = {
  intervalHours: 0.3,
  shortfallPenaltyYuanPerKwh: 1000,
  targetsKw: [0.1, 0.14, 0.126, 1, 0.13, 1],
  buildings: [
    {
      id: 'b20',
      limitKw: [0, UNBOUNDED, UNBOUNDED, UNBOUNDED, UNBOUNDED, UNBOUNDED],
      derating: 1,
      resources: [
        { id: 'r0', costYuanPerKwh: 1, upperKw: [1, 1, 1, 0.07, 1, 0.04], budgetKwh: 0.09 },
        { id: 'r1', costYuanPerKwh: 7, upperKw: [0, 1, 0, 0, 0, 0], budgetKwh: Number.POSITIVE_INFINITY },
      ],
    },
    {
      id: 'b22',
      limitKw: [UNBOUNDED, UNBOUNDED, UNBOUNDED, UNBOUNDED, UNBOUNDED, UNBOUNDED],
      derating: 1,
      resources: [{ id: 'r2', costYuanPerKwh: 1, upperKw: [1, 0, 1, 0, 0.001, 0], budgetKwh: 0.004 }],
    },
    {
      id: 'b23',
      limitKw: [0, UNBOUNDED, 0, 0, 1, 0],
      derating: 1,
      resources: [
        { id: 'r2', costYuanPerKwh: 9, upperKw: [0, 1, 0, 0, 1, 0], budgetKwh: Number.POSITIVE_INFINITY },
      ],
    },
    {
      id: 'b27',
      limitKw: [1, 0, 1, UNBOUNDED, 1, 0],
      derating: 1,
      resources: [{ id: 'r0', costYuanPerKwh: 0, upperKw: [0.01, 1, 1, 0, 6e-7, 0], budgetKwh: 0.02 }],
    },
  ],
};

/**
 * Found by `npm run check:allocator -- --instances 100000 --seed 20261205` (its instance 35123,
 * 23 buildings × 8 intervals, as the generator first drew prefix caps) and shrunk by it. What went wrong was the reference, not the
 * allocator: b0's prefix caps [∞, 4e-10, 3e-10] kWh (folded: 3e-10 kWh in every prefix, 1.2e-9 kW
 * over 15 min) next to limits of 1e9 kW, and HiGHS's presolve at its tightest tolerances (highs
 * 1.15.3) reports infeasible an LP that never is (no response and everything short is always
 * feasible). `solveWithHighs` now solves it again without presolve. The resources at 1 ¥/kWh cost
 * the penalty and are never used; they are what trips the presolve.
 */
const presolveLostItsWay: AllocationProblem = {
  intervalHours: 0.25,
  shortfallPenaltyYuanPerKwh: 1,
  targetsKw: [1, 1, 1],
  buildings: [
    {
      id: 'b0',
      limitKw: [UNBOUNDED, 0, UNBOUNDED],
      derating: 1,
      resources: [
        {
          id: 'r0',
          costYuanPerKwh: 0,
          upperKw: [1, 0, 0.004],
          budgetKwh: Number.POSITIVE_INFINITY,
          prefixKwh: [Number.POSITIVE_INFINITY, 4e-10, 3e-10],
        },
      ],
    },
    {
      id: 'b3',
      limitKw: [UNBOUNDED, UNBOUNDED, UNBOUNDED],
      derating: 1,
      resources: [
        { id: 'r0', costYuanPerKwh: 1, upperKw: [0, 1, 0], budgetKwh: Number.POSITIVE_INFINITY },
        { id: 'r1', costYuanPerKwh: 1, upperKw: [1, 0, 0], budgetKwh: Number.POSITIVE_INFINITY },
      ],
    },
    {
      id: 'b21',
      limitKw: [0, UNBOUNDED, 1],
      derating: 1,
      resources: [
        { id: 'r0', costYuanPerKwh: 1, upperKw: [1, 0, 1], budgetKwh: Number.POSITIVE_INFINITY },
        { id: 'r2', costYuanPerKwh: 1, upperKw: [0, 1, 0], budgetKwh: Number.POSITIVE_INFINITY },
      ],
    },
  ],
};

describe('allocate, on instances that once went wrong', () => {
  it('tries every building feeding a full interval, also after the scan wraps (issue 13)', () => {
    // Prepare
    const reference = solveWithHighs(highs, wrappedScan);
    const reversed = { ...wrappedScan, buildings: [...wrappedScan.buildings].reverse() };
    // Act
    const ours = allocate(wrappedScan);
    const oursReversed = allocate(reversed);
    // Assess
    expectOptimal(wrappedScan, ours, reference);
    expectOptimal(reversed, oursReversed, reference);
    // Interval 0 is as short as the optimum leaves it, not 0.0083 kW more.
    expect(ours.shortfallKw[0]).toBeCloseTo(reference.shortfallKw[0] as number, 9);
  });

  it('agrees with HiGHS where its presolve reports a prefix-capped LP infeasible (check:allocator seed 20261205)', () => {
    // Prepare
    const reference = solveWithHighs(highs, presolveLostItsWay);
    // Act
    const ours = allocate(presolveLostItsWay);
    // Assess: 3e-10 kWh is 1.2e-9 kW in the last interval, the rest short at 1 ¥/kWh over 0.25 h:
    // 0.25 × (3 − 1.2e-9) = 0.7499999997 ¥.
    expectOptimal(presolveLostItsWay, ours, reference);
    expect(ours.costYuan).toBeCloseTo(0.7499999997, 12);
  });
});
