import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Allocation, type AllocationProblem, allocate } from '../../lib/domain/allocation.ts';
import { allocationProblem } from '../support/allocation-arbitraries.ts';
import { type Highs, loadHighs, solveWithHighs } from '../support/highs-reference.ts';

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

const kwOf = (a: Allocation, b: number, r: number, t: number) =>
  a.kw[((a.resourceOffset[b] as number) + r) * a.intervals + t] as number;

/** Whether some budget or some building limit is tight in HiGHS's optimum: the case greedy gets wrong. */
function binds(p: AllocationProblem, x: Float64Array): boolean {
  const T = p.targetsKw.length;
  let k = 0;
  for (const b of p.buildings) {
    const perT = new Array<number>(T).fill(0);
    for (const r of b.resources) {
      let energy = 0;
      for (let t = 0; t < T; t++) {
        const v = x[k * T + t] as number;
        energy += v * p.intervalHours;
        perT[t] = (perT[t] as number) + v;
      }
      if (Number.isFinite(r.budgetKwh) && r.budgetKwh > 0 && energy >= r.budgetKwh - 1e-6) return true;
      k++;
    }
    if (perT.some((v, t) => (b.limitKw[t] as number) > 0 && v >= (b.limitKw[t] as number) - 1e-6))
      return true;
  }
  return false;
}

// Hundreds of LPs solved by HiGHS: seconds alone, more on a loaded machine; a timeout is not a verdict.
describe('allocate, on random instances', { timeout: 60_000 }, () => {
  it('costs exactly what HiGHS finds optimal (≥ 300 instances, most with binding budgets or limits)', () => {
    let binding = 0;
    let runs = 0;
    fc.assert(
      fc.property(allocationProblem, (p) => {
        const ours = allocate(p);
        const ref = solveWithHighs(highs, p);
        runs++;
        if (binds(p, ref.x)) binding++;
        const tolerance = 1e-6 * Math.max(1, Math.abs(ref.objective));
        expect(Math.abs(ours.costYuan - ref.objective)).toBeLessThanOrEqual(tolerance);
      }),
      { numRuns: 400, seed: 20261125 },
    );
    expect(runs).toBe(400);
    // The property must be about the hard cases, not only the easy ones.
    expect(binding / runs).toBeGreaterThan(0.3);
  });

  it('returns a feasible allocation whose reported cost and expectation add up', () => {
    fc.assert(
      fc.property(allocationProblem, (p) => {
        const a = allocate(p);
        const T = p.targetsKw.length;
        const dt = p.intervalHours;
        let cost = 0;
        const expected = new Array<number>(T).fill(0);
        p.buildings.forEach((b, bi) => {
          const perT = new Array<number>(T).fill(0);
          b.resources.forEach((r, ri) => {
            let energy = 0;
            for (let t = 0; t < T; t++) {
              const x = kwOf(a, bi, ri, t);
              expect(x).toBeGreaterThanOrEqual(0);
              expect(x).toBeLessThanOrEqual((r.upperKw[t] as number) + 1e-9);
              energy += x * dt;
              perT[t] = (perT[t] as number) + x;
              expected[t] = (expected[t] as number) + (b.derating ?? 1) * x;
              cost += r.costYuanPerKwh * x * dt;
            }
            if (Number.isFinite(r.budgetKwh))
              expect(energy).toBeLessThanOrEqual(r.budgetKwh * (1 + 1e-9) + 1e-9);
          });
          perT.forEach((v, t) => {
            expect(v).toBeLessThanOrEqual((b.limitKw[t] as number) + 1e-9);
          });
        });
        for (let t = 0; t < T; t++) {
          const s = a.shortfallKw[t] as number;
          expect(s).toBeGreaterThanOrEqual(0);
          expect((expected[t] as number) + s).toBeGreaterThanOrEqual((p.targetsKw[t] as number) - 1e-7);
          expect(a.expectedKw[t]).toBeCloseTo(expected[t] as number, 7);
          cost += p.shortfallPenaltyYuanPerKwh * s * dt;
        }
        expect(a.costYuan).toBeCloseTo(cost, 6);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('is deterministic, and the order of buildings does not change the cost', () => {
    fc.assert(
      fc.property(allocationProblem, fc.integer(), (p, salt) => {
        const first = allocate(p);
        const again = allocate(p);
        expect(Array.from(again.kw)).toEqual(Array.from(first.kw));
        const shuffled = {
          ...p,
          buildings: [...p.buildings].sort(
            (a, b) => ((a.id.length * salt) % 7) - ((b.id.length * salt) % 7) || b.id.localeCompare(a.id),
          ),
        };
        expect(allocate(shuffled).costYuan).toBeCloseTo(first.costYuan, 6);
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});
