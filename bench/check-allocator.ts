/**
 * `npm run check:allocator -- --instances N --seed S`: the allocator against HiGHS on N hostile
 * random instances (test/support/allocation-arbitraries.ts, prefix caps included). Prints the seed,
 * progress, how many instances differ from HiGHS's optimum by more than 1e-6 relative (or are
 * infeasible: every bound, budget, prefix cap and limit is checked), how many had a resource whose
 * prefix caps the allocator kept as a chain, and the largest difference. On a failure, shrinks the
 * first one to a minimal instance (bench/shrink-allocation-problem.ts) and prints it as JSON, absent
 * budgets and caps as "Infinity"; exits non-zero on any failure.
 *
 * Options: `--instances 1000` `--seed <int>` (default: from the clock) `--progress 1000`
 * (instances between progress lines) `--buildings 5-45` `--intervals 2-24`.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { type AllocationProblem, allocate } from '../lib/domain/allocation.ts';
import { type HostileShape, hostileAllocationProblem } from '../test/support/allocation-arbitraries.ts';
import {
  allocationViolations,
  loadHighs,
  OBJECTIVE_TOLERANCE,
  objectiveGap,
  solveWithHighs,
} from '../test/support/highs-reference.ts';
import { shrinkAllocationProblem } from './shrink-allocation-problem.ts';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '1000' },
    seed: { type: 'string' },
    progress: { type: 'string', default: '1000' },
    buildings: { type: 'string', default: '5-45' },
    intervals: { type: 'string', default: '2-24' },
  },
});

function range(text: string, name: string): readonly [number, number] {
  const [lo, hi = lo] = text.split('-').map(Number);
  if (
    !(Number.isInteger(lo) && Number.isInteger(hi) && (lo as number) >= 1 && (hi as number) >= (lo as number))
  )
    throw new RangeError(`--${name} must be N or N-M with 1 ≤ N ≤ M, got ${text}`);
  return [lo as number, hi as number];
}

const instances = Number(values.instances);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const every = Math.max(1, Number(values.progress));
if (!(Number.isInteger(instances) && instances > 0))
  throw new RangeError('--instances must be a positive integer');
if (!Number.isInteger(seed)) throw new RangeError('--seed must be an integer');
const shape: HostileShape = {
  buildings: range(values.buildings, 'buildings'),
  intervals: range(values.intervals, 'intervals'),
};

const highs = await loadHighs();

interface Verdict {
  /** Relative difference of the costs (see `objectiveGap`). */
  gap: number;
  /** Resources whose prefix caps were below their window total (`stats.chainedResources`). */
  chained: number;
  violations: string[];
  ours: number;
  reference: number;
  /** Whether HiGHS reached its optimum only without presolve (see `solveWithHighs`). */
  withoutPresolve: boolean;
  /** Why HiGHS gave no optimum: such an instance fails, it is never counted as agreement. */
  error?: string;
}

function judge(problem: AllocationProblem): Verdict {
  const allocation = allocate(problem);
  const violations = allocationViolations(problem, allocation);
  const ours = allocation.costYuan;
  const chained = allocation.stats.chainedResources;
  try {
    const solved = solveWithHighs(highs, problem);
    const reference = solved.objective;
    const withoutPresolve = solved.status !== 'optimal';
    return {
      gap: objectiveGap(problem, ours, reference),
      chained,
      violations,
      ours,
      reference,
      withoutPresolve,
    };
  } catch (error) {
    return {
      gap: Number.NaN,
      chained,
      violations,
      ours,
      reference: Number.NaN,
      withoutPresolve: false,
      error: String(error),
    };
  }
}

const fails = (v: Verdict) => v.error !== undefined || v.gap > OBJECTIVE_TOLERANCE || v.violations.length > 0;
const arbitrary = hostileAllocationProblem(shape);

console.log(
  `check:allocator: ${instances} instances, seed ${seed}, ${shape.buildings.join('–')} buildings × ${shape.intervals.join('–')} intervals, tolerance ${OBJECTIVE_TOLERANCE} relative`,
);

// Every instance runs (none stops the run), so the count of failures is the whole count.
const started = performance.now();
let done = 0;
let failures = 0;
let withChains = 0;
let withoutPresolve = 0;
let referenceErrors = 0;
let firstFailure: { index: number; problem: AllocationProblem; verdict: Verdict } | undefined;
let largest = { gap: 0, index: -1, ours: 0, reference: 0 };
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

fc.check(
  fc.property(arbitrary, (problem) => {
    const index = done++;
    const verdict = judge(problem);
    if (verdict.error !== undefined) referenceErrors++;
    if (verdict.chained > 0) withChains++;
    if (verdict.withoutPresolve) withoutPresolve++;
    if (verdict.gap > largest.gap)
      largest = { gap: verdict.gap, index, ours: verdict.ours, reference: verdict.reference };
    if (fails(verdict)) {
      failures++;
      firstFailure ??= { index, problem, verdict };
    }
    if (done % every === 0 || done === instances)
      console.log(
        `  ${done}/${instances} (${elapsed()}): ${failures} failures, largest difference ${largest.gap.toExponential(2)}`,
      );
    return true;
  }),
  { numRuns: instances, seed },
);

console.log(
  `checked ${done} instances in ${elapsed()}, seed ${seed}: ${failures} failures (differences above ${OBJECTIVE_TOLERANCE} relative, infeasible answers or no reference optimum); largest difference ${largest.gap.toExponential(3)} (instance ${largest.index}: ours ${largest.ours} ¥, HiGHS ${largest.reference} ¥); ${withChains} instances had a resource with a prefix cap below its window total`,
);
if (referenceErrors > 0) console.log(`HiGHS gave no optimum on ${referenceErrors} instances`);
if (withoutPresolve > 0)
  console.log(`HiGHS's presolve called ${withoutPresolve} instances infeasible; solved again without it`);

if (firstFailure) {
  const { index, problem, verdict: first } = firstFailure;
  // Keep the kind of failure while shrinking: a HiGHS error stays one, a difference stays one.
  const sameKind =
    first.error !== undefined ? (v: Verdict) => v.error !== undefined : (v: Verdict) => !v.error && fails(v);
  const shrinkStarted = performance.now();
  const minimal = shrinkAllocationProblem(problem, (p) => sameKind(judge(p)));
  const verdict = judge(minimal);
  console.log(
    `first failure (instance ${index}, ${problem.buildings.length} buildings × ${problem.targetsKw.length} intervals) shrunk in ${((performance.now() - shrinkStarted) / 1000).toFixed(1)} s to ${minimal.buildings.length} buildings × ${minimal.targetsKw.length} intervals: ours ${verdict.ours} ¥, HiGHS ${verdict.reference} ¥, relative difference ${verdict.gap.toExponential(3)}`,
  );
  for (const v of [...verdict.violations, ...(verdict.error ? [verdict.error] : [])]) console.log(`  ${v}`);
  console.log(JSON.stringify(minimal, (_, v) => (v === Number.POSITIVE_INFINITY ? 'Infinity' : v)));
}
process.exit(failures > 0 ? 1 : 0);
