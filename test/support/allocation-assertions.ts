/** Assertions shared by the allocator's tests: feasible, and as cheap as HiGHS's optimum. */
import { expect } from 'vitest';
import type { Allocation, AllocationProblem } from '../../lib/domain/allocation.ts';
import {
  allocationViolations,
  type HighsResult,
  OBJECTIVE_TOLERANCE,
  objectiveGap,
} from './highs-reference.ts';

/**
 * Asserts that `allocation` breaks no bound, budget, prefix cap or limit of `problem` (see
 * `allocationViolations`) and costs what the reference optimum does, within
 * {@link OBJECTIVE_TOLERANCE}; returns the relative gap.
 */
export function expectOptimal(
  problem: AllocationProblem,
  allocation: Allocation,
  reference: HighsResult,
): number {
  const gap = objectiveGap(problem, allocation.costYuan, reference.objective);
  expect(allocationViolations(problem, allocation)).toEqual([]);
  expect(gap, `ours ${allocation.costYuan} ¥, HiGHS ${reference.objective} ¥`).toBeLessThanOrEqual(
    OBJECTIVE_TOLERANCE,
  );
  return gap;
}
