/**
 * Random allocation problems for property tests: small, well-conditioned (values on a 0.5 grid),
 * and built so that energy budgets and building limits bind in most instances.
 */
import fc from 'fast-check';
import type { AllocationBuilding, AllocationProblem } from '../../lib/domain/allocation.ts';

const half = (lo: number, hi: number) => fc.integer({ min: lo * 2, max: hi * 2 }).map((v) => v / 2);

function resource(intervals: number, dt: number) {
  return fc
    .record({
      cost: fc.oneof(fc.constantFrom(0, 1, 2, 5), half(0, 20), fc.constantFrom(2000)),
      upper: fc.array(fc.oneof(half(0, 50), fc.constant(0)), { minLength: intervals, maxLength: intervals }),
      // Mostly a budget below Σ upper·Δ (binding), sometimes none.
      budgetShare: fc.oneof(
        { weight: 4, arbitrary: fc.double({ min: 0.05, max: 0.6, noNaN: true }) },
        { weight: 1, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
      ),
    })
    .map(({ cost, upper, budgetShare }) => {
      const full = upper.reduce((a, b) => a + b, 0) * dt;
      return {
        costYuanPerKwh: cost,
        upperKw: upper,
        budgetKwh: Number.isFinite(budgetShare) ? Math.round(full * budgetShare * 2) / 2 : budgetShare,
      };
    });
}

function building(intervals: number, dt: number) {
  return fc
    .record({
      resources: fc.array(resource(intervals, dt), { minLength: 1, maxLength: 4 }),
      limitShare: fc.array(fc.double({ min: 0.2, max: 1.5, noNaN: true }), {
        minLength: intervals,
        maxLength: intervals,
      }),
      derating: fc.oneof(
        { weight: 3, arbitrary: fc.constant(1) },
        { weight: 1, arbitrary: fc.constantFrom(0.5, 0.75, 0.8, 0.9) },
      ),
    })
    .map(({ resources, limitShare, derating }) => {
      const limitKw = limitShare.map(
        (share, t) => Math.round(resources.reduce((s, r) => s + (r.upperKw[t] ?? 0), 0) * share * 2) / 2,
      );
      return { resources, limitKw, derating };
    });
}

/** Arbitrary allocation problems: 1–8 buildings, 1–4 resources each, 1–8 intervals. */
export const allocationProblem: fc.Arbitrary<AllocationProblem> = fc
  .record({ intervals: fc.integer({ min: 1, max: 8 }), dt: fc.constantFrom(0.25, 0.5, 1) })
  .chain(({ intervals, dt }) =>
    fc.record({
      dt: fc.constant(dt),
      buildings: fc.array(building(intervals, dt), { minLength: 1, maxLength: 8 }),
      targetShare: fc.array(fc.double({ min: 0.4, max: 1.4, noNaN: true }), {
        minLength: intervals,
        maxLength: intervals,
      }),
      penalty: fc.constantFrom(5, 10, 50, 1000),
    }),
  )
  .map(({ dt, buildings, targetShare, penalty }) => {
    const capacity = targetShare.map((_, t) =>
      buildings.reduce(
        (s, b) =>
          s +
          Math.min(
            b.limitKw[t] ?? 0,
            b.resources.reduce((x, r) => x + (r.upperKw[t] ?? 0), 0),
          ),
        0,
      ),
    );
    return {
      intervalHours: dt,
      shortfallPenaltyYuanPerKwh: penalty,
      targetsKw: targetShare.map((s, t) => Math.round((capacity[t] ?? 0) * s * 2) / 2),
      buildings: buildings.map(
        (b, i): AllocationBuilding => ({
          id: `b${i}`,
          limitKw: b.limitKw,
          derating: b.derating,
          resources: b.resources.map((r, j) => ({ id: `r${j}`, ...r })),
        }),
      ),
    };
  });
