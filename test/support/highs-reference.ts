/**
 * The allocation LP written out for HiGHS, an independent general LP solver, through its sparse
 * `createModel` API (its LP-text reader mishandles ranged rows). Used by the property tests and
 * the benchmark as the reference optimum.
 *
 *   min  Σ c·x·Δ + M·Σ s·Δ
 *   s.t. 0 ≤ x[b,r,t] ≤ upper[b,r][t]
 *        Σ_t x[b,r,t]·Δ ≤ budget[b,r]             (finite budgets only)
 *        Σ_r x[b,r,t] ≤ limit[b][t]
 *        Σ_{b,r} ρ[b]·x[b,r,t] + s[t] ≥ target[t]
 */
import type { Highs } from 'highs';
import * as highsModule from 'highs';
import type { AllocationProblem } from '../../lib/domain/allocation.ts';

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

  // Rows: building limits (B·T), finite budgets, targets (T).
  const limitRow = (b: number, t: number) => b * T + t;
  let nRows = problem.buildings.length * T;
  const budgetRow = new Map<number, number>();
  for (const [bi, b] of problem.buildings.entries())
    for (const [ri, r] of b.resources.entries())
      if (Number.isFinite(r.budgetKwh)) budgetRow.set((offsets[bi] as number) + ri, nRows++);
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
    for (let t = 0; t < T; t++) rowUpper[limitRow(bi, t)] = b.limitKw[t] as number;
    b.resources.forEach((r, ri) => {
      const k = (offsets[bi] as number) + ri;
      const row = budgetRow.get(k);
      if (row !== undefined) rowUpper[row] = r.budgetKwh;
      for (let t = 0; t < T; t++) {
        const col = k * T + t;
        colCost[col] = r.costYuanPerKwh * dt;
        colUpper[col] = Math.max(0, r.upperKw[t] as number);
        // CSC: rows of this column in increasing order.
        const entries: [number, number][] = [[limitRow(bi, t), 1]];
        if (row !== undefined) entries.push([row, dt]);
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

  const model = highs.createModel({
    numCols: nCols,
    numRows: nRows,
    colCost,
    colLower,
    colUpper,
    rowLower,
    rowUpper,
    matrix: { format: 'csc', numRows: nRows, numCols: nCols, starts, indices, values },
  });
  try {
    model.options.set({ output_flag: false, log_to_console: false });
    model.run();
    const status = model.getModelStatus();
    if (status !== highs.constants.modelStatus.optimal)
      throw new Error(`HiGHS did not reach an optimum (model status ${status})`);
    const { colValue } = model.getSolution();
    return {
      objective: model.getObjectiveValue(),
      x: colValue.slice(0, nX),
      shortfallKw: colValue.slice(nX),
      status: 'optimal',
    };
  } finally {
    model.dispose();
  }
}
