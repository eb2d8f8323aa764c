/**
 * The allocation LP written out for HiGHS, an independent general LP solver, through its sparse
 * `createModel` API (its LP-text reader mishandles ranged rows). Used by the property tests and
 * the benchmark as the reference optimum.
 *
 *   min  Σ c·x·Δ + M·Σ s·Δ
 *   s.t. 0 ≤ x[b,r,t] ≤ upper[b,r][t]
 *        Σ_t x[b,r,t]·Δ ≤ budget[b,r]             (finite budgets only)
 *        Σ_{k≤t} x[b,r,k]·Δ ≤ prefix[b,r][t]      (prefix caps as given, but for those a later
 *                                                  one no larger implies)
 *        Σ_r x[b,r,t] ≤ limit[b][t]
 *        Σ_{b,r} ρ[b]·x[b,r,t] + s[t] ≥ target[t]
 */
import type { Highs } from 'highs';
import * as highsModule from 'highs';
import type { Allocation, AllocationProblem } from '../../lib/domain/allocation.ts';

export type { Highs };

/**
 * Loads the WebAssembly solver. The package's typings describe its CommonJS build while Node loads
 * its ES module, whose default export is the loader.
 */
export async function loadHighs(): Promise<Highs> {
  const loader = (highsModule as unknown as { default: () => Promise<Highs> }).default;
  return loader();
}

export interface HighsResult {
  objective: number;
  /** Same layout as `Allocation.kw`: resource r of building b in interval t at (offset[b] + r)·T + t. */
  x: Float64Array;
  shortfallKw: Float64Array;
  status: string;
}

export function solveWithHighs(highs: Highs, problem: AllocationProblem): HighsResult {
  const T = problem.targetsKw.length;
  const dt = problem.intervalHours;
  const offsets: number[] = [0];
  for (const b of problem.buildings) offsets.push((offsets.at(-1) as number) + b.resources.length);
  const nX = (offsets.at(-1) as number) * T;
  const nCols = nX + T;

  // Rows: building limits (B·T), finite budgets, finite prefix caps, targets (T).
  const limitRow = (b: number, t: number) => b * T + t;
  let nRows = problem.buildings.length * T;
  const budgetRow = new Map<number, number>();
  for (const [bi, b] of problem.buildings.entries())
    for (const [ri, r] of b.resources.entries())
      if (Number.isFinite(r.budgetKwh)) budgetRow.set((offsets[bi] as number) + ri, nRows++);
  // Per resource with caps: the row of each cap, −1 where there is none. The caps go in as given,
  // not in the binding form the allocator folds them into, so that HiGHS checks that too. A row per
  // cap over every x before it is O(T²) entries (running totals p_t = p_{t−1} + x_t·Δ would be O(T),
  // but HiGHS took longer on them), so a cap that a later cap no larger implies
  // (P_t ≤ P_s ≤ C_s ≤ C_t) gets no row: the LP is the same, and HiGHS takes about a fifth less time.
  const prefixRows = new Map<number, Int32Array>();
  for (const [bi, b] of problem.buildings.entries())
    for (const [ri, r] of b.resources.entries()) {
      if (r.prefixKwh === undefined) continue;
      const binds = new Array<boolean>(T);
      let later = Number.POSITIVE_INFINITY;
      for (let t = T - 1; t >= 0; t--) {
        const cap = Math.max(0, r.prefixKwh[t] as number);
        binds[t] = cap < later;
        later = Math.min(later, cap);
      }
      const rows = new Int32Array(T).fill(-1);
      for (let t = 0; t < T; t++) if (binds[t]) rows[t] = nRows++;
      prefixRows.set((offsets[bi] as number) + ri, rows);
    }
  const firstTargetRow = nRows;
  const targetRow = (t: number) => firstTargetRow + t;
  nRows += T;

  const inf = highs.infinity;
  const colCost = new Float64Array(nCols);
  const colLower = new Float64Array(nCols);
  const colUpper = new Float64Array(nCols);
  const rowLower = new Float64Array(nRows).fill(-inf);
  const rowUpper = new Float64Array(nRows).fill(inf);
  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];

  problem.buildings.forEach((b, bi) => {
    const rho = b.derating ?? 1;
    // Negative limits, budgets and caps are read as zero, as the allocator reads them.
    for (let t = 0; t < T; t++) rowUpper[limitRow(bi, t)] = Math.max(0, b.limitKw[t] as number);
    b.resources.forEach((r, ri) => {
      const k = (offsets[bi] as number) + ri;
      const row = budgetRow.get(k);
      if (row !== undefined) rowUpper[row] = Math.max(0, r.budgetKwh);
      const prefix = prefixRows.get(k);
      if (prefix !== undefined)
        prefix.forEach((p, t) => {
          if (p >= 0) rowUpper[p] = Math.max(0, r.prefixKwh?.[t] as number);
        });
      for (let t = 0; t < T; t++) {
        const col = k * T + t;
        colCost[col] = r.costYuanPerKwh * dt;
        colUpper[col] = Math.max(0, r.upperKw[t] as number);
        // CSC: rows of this column in increasing order.
        const entries: [number, number][] = [[limitRow(bi, t), 1]];
        if (row !== undefined) entries.push([row, dt]);
        if (prefix !== undefined)
          for (let s = t; s < T; s++) if ((prefix[s] as number) >= 0) entries.push([prefix[s] as number, dt]);
        entries.push([targetRow(t), rho]);
        for (const [i, v] of entries.sort((a, c) => a[0] - c[0])) {
          indices.push(i);
          values.push(v);
        }
        starts.push(indices.length);
      }
    });
  });
  for (let t = 0; t < T; t++) {
    const col = nX + t;
    colCost[col] = problem.shortfallPenaltyYuanPerKwh * dt;
    colUpper[col] = inf;
    indices.push(targetRow(t));
    values.push(1);
    starts.push(indices.length);
    rowLower[targetRow(t)] = problem.targetsKw[t] as number;
  }
  const lp: SparseLp = {
    numCols: nCols,
    numRows: nRows,
    colCost,
    colLower,
    colUpper,
    rowLower,
    rowUpper,
    starts,
    indices,
    values,
  };
  const { infeasible, unboundedOrInfeasible } = highs.constants.modelStatus;
  const first = solveModel(highs, lp, 'choose');
  // The LP is always feasible (no response, everything short), so "infeasible" can only be HiGHS's
  // presolve losing its way at these tolerances: on caps of 1e-10 kWh next to limits of 1e9 kW it
  // has (test/unit/allocation.regression.test.ts). The same LP at the same tolerances is then solved
  // again without presolve.
  const retry = first.status === infeasible || first.status === unboundedOrInfeasible;
  const solved = retry ? solveModel(highs, lp, 'off') : first;
  if (solved.status !== highs.constants.modelStatus.optimal || solved.colValue === undefined)
    throw new Error(`HiGHS did not reach an optimum (model status ${solved.status})`);
  return {
    objective: solved.objective,
    x: solved.colValue.slice(0, nX),
    shortfallKw: solved.colValue.slice(nX, nX + T),
    status: retry ? 'optimal without presolve' : 'optimal',
  };
}

interface SparseLp {
  numCols: number;
  numRows: number;
  colCost: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
  rowLower: Float64Array;
  rowUpper: Float64Array;
  starts: number[];
  indices: number[];
  values: number[];
}

/** One HiGHS run of `lp` at its tightest tolerances; the model status, and the optimum if reached. */
function solveModel(
  highs: Highs,
  lp: SparseLp,
  presolve: 'choose' | 'off',
): { status: number; objective: number; colValue?: Float64Array } {
  const { numCols, numRows, starts, indices, values, ...bounds } = lp;
  const model = highs.createModel({
    numCols,
    numRows,
    ...bounds,
    matrix: { format: 'csc', numRows, numCols, starts, indices, values },
  });
  try {
    // HiGHS's default feasibility tolerances (1e-7, absolute) let it exceed a limit of a few µW
    // by 0.1 W and report an optimum below the true one; its tightest settings leave rounding only.
    model.options.set({
      output_flag: false,
      log_to_console: false,
      primal_feasibility_tolerance: 1e-10,
      dual_feasibility_tolerance: 1e-10,
      presolve,
    });
    model.run();
    const status = model.getModelStatus();
    if (status !== highs.constants.modelStatus.optimal) return { status, objective: Number.NaN };
    return {
      status,
      objective: model.getObjectiveValue(),
      colValue: Float64Array.from(model.getSolution().colValue),
    };
  } finally {
    model.dispose();
  }
}

/** Largest relative difference from HiGHS's optimum that counts as equal. */
export const OBJECTIVE_TOLERANCE = 1e-6;

/**
 * How far the allocator's cost is from HiGHS's optimum, relative to the optimum. Near-zero optima
 * (free resources meeting the whole target, or targets of a few mW) are measured against a floor
 * instead: the penalty for leaving 1 W unmet in every interval (`M·Δ·T·0.001`). At 1e-6 relative
 * that is 1e-9 kW per interval, the allocator's resolution (residuals below it count as zero), so
 * only differences below what either solver can resolve pass through the floor.
 */
export function objectiveGap(problem: AllocationProblem, costYuan: number, referenceYuan: number): number {
  const floor = problem.shortfallPenaltyYuanPerKwh * problem.intervalHours * problem.targetsKw.length * 1e-3;
  return Math.abs(costYuan - referenceYuan) / Math.max(Math.abs(referenceYuan), floor, Number.MIN_VALUE);
}

/**
 * Every way `allocation` breaks the problem's constraints or misreports itself: a bound, budget,
 * prefix cap (each as given, so also what folding them into their binding form gets wrong) or
 * building limit exceeded, a target not covered by expected response plus shortfall, or a cost or
 * expectation that does not add up. Empty when the allocation is feasible and consistent. Slack is
 * relative to each constraint's own size (1e-9) plus 1e-9 kW, to forgive rounding only.
 */
export function allocationViolations(problem: AllocationProblem, allocation: Allocation): string[] {
  const T = problem.targetsKw.length;
  const dt = problem.intervalHours;
  const slack = (bound: number) => 1e-9 * Math.abs(bound) + 1e-9;
  const out: string[] = [];
  const expected = new Array<number>(T).fill(0);
  let cost = 0;
  problem.buildings.forEach((b, bi) => {
    const perT = new Array<number>(T).fill(0);
    const rho = b.derating ?? 1;
    b.resources.forEach((r, ri) => {
      let energy = 0;
      for (let t = 0; t < T; t++) {
        const x = allocation.kw[((allocation.resourceOffset[bi] as number) + ri) * T + t] as number;
        const upper = Math.max(0, r.upperKw[t] as number);
        if (!(x >= 0)) out.push(`${b.id}/${r.id} t${t}: ${x} kW is negative or not a number`);
        if (x > upper + slack(upper)) out.push(`${b.id}/${r.id} t${t}: ${x} kW above its bound ${upper}`);
        energy += x * dt;
        const cap =
          r.prefixKwh === undefined ? Number.POSITIVE_INFINITY : Math.max(0, r.prefixKwh[t] as number);
        if (energy > cap + slack(cap))
          out.push(`${b.id}/${r.id} t${t}: ${energy} kWh by the end of t${t}, above its prefix cap ${cap}`);
        perT[t] = (perT[t] as number) + x;
        expected[t] = (expected[t] as number) + rho * x;
        cost += r.costYuanPerKwh * x * dt;
      }
      const budget = Math.max(0, r.budgetKwh);
      if (energy > budget + slack(budget))
        out.push(`${b.id}/${r.id}: ${energy} kWh above its budget ${budget}`);
    });
    perT.forEach((v, t) => {
      const limit = Math.max(0, b.limitKw[t] as number);
      if (v > limit + slack(limit)) out.push(`${b.id} t${t}: ${v} kW above its grid limit ${limit}`);
    });
  });
  for (let t = 0; t < T; t++) {
    const s = allocation.shortfallKw[t] as number;
    const target = problem.targetsKw[t] as number;
    if (!(s >= 0)) out.push(`t${t}: shortfall ${s} kW is negative or not a number`);
    if ((expected[t] as number) + s < target - slack(target))
      out.push(`t${t}: expected ${expected[t]} kW + shortfall ${s} kW below the target ${target}`);
    const reported = allocation.expectedKw[t] as number;
    if (Math.abs(reported - (expected[t] as number)) > slack(expected[t] as number))
      out.push(`t${t}: reports ${reported} kW expected, its commands give ${expected[t]} kW`);
    cost += problem.shortfallPenaltyYuanPerKwh * s * dt;
  }
  if (Math.abs(allocation.costYuan - cost) > 1e-9 * Math.abs(cost) + 1e-12)
    out.push(`reports a cost of ${allocation.costYuan} ¥, its commands cost ${cost} ¥`);
  return out;
}
