/**
 * Random allocation problems for property tests and `npm run check:allocator`.
 *
 * `allocationProblem` makes small, well-conditioned instances (values on a 0.5 grid) where energy
 * budgets, prefix caps and building limits bind. `hostileAllocationProblem` makes the shapes that
 * real fleets produce and that hide bookkeeping errors: many buildings feeding the same intervals,
 * building limits of 0, small and effectively unbounded side by side, budgets of 0, fractional or
 * none, prefix caps of every shape (rising like a charging battery, flat, falling so that the
 * allocator must fold them, zero at the start, arbitrary, tiny and huge), reliability derating
 * 0.3–1, intervals of 5–60 min, scales from 0.01 to 1000 kW, ties in cost, resources dearer than the
 * penalty, and targets raised by over-procurement.
 */
import fc from 'fast-check';
import { mulberry32 } from '../../infra/local/sim/random.ts';
import type {
  AllocationBuilding,
  AllocationProblem,
  AllocationResource,
} from '../../lib/domain/allocation.ts';

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
      // Sometimes prefix caps, in any order (the allocator folds them into their binding form).
      prefixKwh: fc.option(fc.array(half(0, 20), { minLength: intervals, maxLength: intervals }), {
        freq: 2,
        nil: undefined,
      }),
    })
    .map(({ cost, upper, budgetShare, prefixKwh }) => {
      const full = upper.reduce((a, b) => a + b, 0) * dt;
      return {
        costYuanPerKwh: cost,
        upperKw: upper,
        budgetKwh: Number.isFinite(budgetShare) ? Math.round(full * budgetShare * 2) / 2 : budgetShare,
        ...(prefixKwh ? { prefixKwh } : {}),
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

/** Size ranges of hostile instances (inclusive). */
export interface HostileShape {
  buildings: readonly [number, number];
  intervals: readonly [number, number];
}

/** The full range of issue 13: 5–45 buildings × 2–24 intervals. */
export const HOSTILE_SHAPE: HostileShape = { buildings: [5, 45], intervals: [2, 24] };

/** An effectively unbounded grid limit, kW: far above any building, still a finite number. */
const UNBOUNDED_KW = 1e9;

/**
 * A number in [lo, hi] on a grid of a millionth of the range: fractional, never subnormal, and
 * short when a shrunk instance is printed (it shrinks towards `lo`).
 */
const short = (lo: number, hi: number) =>
  fc
    .integer({ min: 0, max: 1_000_000 })
    .map((i) => Number((lo + ((hi - lo) * i) / 1_000_000).toPrecision(6)));

/** A log-uniform double in [lo, hi] (both > 0), rounded like `short`. */
const logScale = (lo: number, hi: number) =>
  short(Math.log10(lo), Math.log10(hi)).map((e) => Number((10 ** e).toPrecision(6)));

/** Response bound of one resource in one interval, as a share of the building's size. */
const upperShare = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.constantFrom(0.25, 0.5, 1) },
  { weight: 6, arbitrary: short(0, 1.5) },
);

/**
 * How a resource's prefix caps run, if it has any: rising (a battery that is charging, a tank that
 * fills), flat, falling (raw caps the allocator must fold: a later, smaller cap binds the earlier
 * ones), zero for the first intervals then rising, or arbitrary with some intervals uncapped.
 */
const prefixShape = fc.constantFrom('rising', 'flat', 'falling', 'zeroStart', 'arbitrary');

/** A resource's prefix caps as drawn; `prefixOf` makes them for the drawn number of intervals. */
const hostilePrefix = fc.oneof(
  { weight: 4, arbitrary: fc.constant<'none'>('none') },
  {
    weight: 6,
    arbitrary: fc.record({
      shape: prefixShape,
      // Relative to the resource's energy at full power over the window: mostly of its size,
      // sometimes tiny (near the allocator's resolution) or huge (never binding, still finite).
      scale: fc.oneof(
        { weight: 6, arbitrary: short(0.02, 1.2) },
        { weight: 1, arbitrary: fc.constantFrom(1e-7, 1e-4) },
        { weight: 1, arbitrary: fc.constantFrom(1e3, 1e6) },
      ),
      // The shape's per-interval shares in [0, 1], from one draw: fast-check drawing 24 numbers for
      // each of up to 180 resources doubled the time it takes to make an instance.
      stepSeed: fc.integer({ min: 0, max: 0x7fffffff }),
      zeros: fc.integer({ min: 1, max: 8 }),
    }),
  },
);

type HostilePrefixDraw = typeof hostilePrefix extends fc.Arbitrary<infer D> ? D : never;

/** Prefix caps of `T` intervals, kWh, from a draw and the resource's energy at full power `fullKwh`. */
function prefixOf(draw: HostilePrefixDraw, T: number, fullKwh: number): number[] | undefined {
  if (draw === 'none') return undefined;
  const size = fullKwh * draw.scale;
  const rand = mulberry32(draw.stepSeed);
  const steps = Array.from({ length: T }, () => Math.round(rand() * 1000) / 1000);
  const round = (v: number) => Number(v.toPrecision(6));
  /** A rising ramp: increments of 0.2–1.2 of an even share, like what a charging battery gains. */
  const ramp = (from: number) => {
    const caps: number[] = [];
    let sum = 0;
    for (let t = 0; t < T; t++) {
      if (t >= from) sum += 0.2 + (steps[t] as number);
      caps.push(round((size * sum) / T));
    }
    return caps;
  };
  switch (draw.shape) {
    case 'rising':
      return ramp(0);
    case 'flat':
      return steps.map(() => round(size));
    case 'falling':
      return steps.map((step, t) => round((size * (T - t + step)) / T));
    case 'zeroStart':
      return ramp(Math.min(draw.zeros, T - 1));
    default:
      return steps.map((step) => (step > 0.9 ? Number.POSITIVE_INFINITY : round(size * step)));
  }
}

function hostileResource(intervals: number) {
  return fc.record({
    cost: fc.oneof(
      // Ties across buildings are where the order of the scan matters.
      { weight: 3, arbitrary: fc.constantFrom(0, 0.1, 1, 2, 5) },
      { weight: 4, arbitrary: short(0, 20) },
      // Dearer than most penalties: never worth using.
      { weight: 1, arbitrary: fc.constantFrom(60, 2000) },
    ),
    upperShare: fc.array(upperShare, { minLength: intervals, maxLength: intervals }),
    budget: fc.oneof(
      { weight: 1, arbitrary: fc.constant<'zero'>('zero') },
      { weight: 5, arbitrary: short(0.001, 0.9) },
      { weight: 2, arbitrary: fc.constant<'none'>('none') },
    ),
    prefix: hostilePrefix,
  });
}

/** How a building's grid limit compares with its resources: the shapes that bind differently. */
const limitKind = fc.constantFrom('zero', 'small', 'tight', 'loose', 'unbounded', 'mixed');

function hostileBuilding(intervals: number) {
  return fc.record({
    resources: fc.array(hostileResource(intervals), { minLength: 1, maxLength: 4, size: 'max' }),
    size: logScale(0.2, 5),
    limitKind,
    limitShare: fc.array(short(0, 1.2), { minLength: intervals, maxLength: intervals }),
    mixedKinds: fc.array(fc.constantFrom('zero', 'small', 'unbounded'), {
      minLength: intervals,
      maxLength: intervals,
    }),
    derating: fc.oneof({ weight: 2, arbitrary: fc.constant(1) }, { weight: 3, arbitrary: short(0.3, 1) }),
  });
}

type HostileBuildingDraw = ReturnType<typeof hostileBuilding> extends fc.Arbitrary<infer D> ? D : never;

function limitOf(draw: HostileBuildingDraw, t: number, fullKw: number): number {
  const share = draw.limitShare[t] as number;
  const kind = draw.limitKind === 'mixed' ? (draw.mixedKinds[t] as string) : draw.limitKind;
  switch (kind) {
    case 'zero':
      return 0;
    case 'small':
      return Number((fullKw * share * 0.1).toPrecision(6));
    case 'tight':
      return Number((fullKw * share).toPrecision(6));
    case 'loose':
      return Number((fullKw * (1 + share)).toPrecision(6));
    default:
      return UNBOUNDED_KW;
  }
}

/**
 * Hostile allocation problems within `shape` (default: 5–45 buildings of 1–4 resources, 2–24
 * intervals of 5–60 min). Every number is finite except budgets and prefix caps that are absent
 * (`Infinity`).
 *
 * Per-interval draws are made for the longest window and cut to the drawn number of intervals
 * (no `chain`), so that fast-check shrinks a failure by dropping buildings, resources and
 * intervals and by lowering numbers, not by drawing a new instance.
 */
export function hostileAllocationProblem(
  shape: HostileShape = HOSTILE_SHAPE,
): fc.Arbitrary<AllocationProblem> {
  const longest = shape.intervals[1];
  return fc
    .record({
      intervals: fc.integer({ min: shape.intervals[0], max: longest }),
      minutes: fc.oneof(fc.constantFrom(5, 15, 60), fc.integer({ min: 5, max: 60 })),
      // size 'max': as many instances with 45 buildings as with 5, not fast-check's small bias.
      buildings: fc.array(hostileBuilding(longest), {
        minLength: shape.buildings[0],
        maxLength: shape.buildings[1],
        size: 'max',
      }),
      scaleKw: fc.oneof(fc.constantFrom(0.01, 1, 1000), logScale(0.01, 1000)),
      targetShare: fc.array(
        fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: short(0.5, 1) }),
        { minLength: longest, maxLength: longest },
      ),
      // Where targets sit between what budgets sustain spread evenly (0) and what power allows
      // (1): near 0 most targets can be met, but only by moving cheap budgets between intervals.
      powerWeight: fc.oneof(fc.constant(0), short(0, 0.3)),
      // Expected delivery ratio of the fleet: targets are asked at 1/ρ (over-procurement).
      procurementRatio: fc.oneof(fc.constant(1), short(0.6, 1)),
      penalty: fc.constantFrom(5, 10, 50, 1000),
    })
    .map(
      ({
        intervals: T,
        minutes,
        buildings,
        scaleKw,
        targetShare,
        powerWeight,
        procurementRatio,
        penalty,
      }) => {
        const dt = minutes / 60;
        // Per interval: what the fleet could give at full power, and spreading each budget evenly.
        const power = new Array<number>(T).fill(0);
        const sustained = new Array<number>(T).fill(0);
        const built = buildings.map((draw, i): AllocationBuilding => {
          const kw = scaleKw * draw.size;
          const resources = draw.resources.map((r, j): AllocationResource => {
            const upperKw = r.upperShare.slice(0, T).map((s) => Number((s * kw).toPrecision(6)));
            const fullKwh = upperKw.reduce((a, b) => a + b, 0) * dt;
            const budgetKwh =
              r.budget === 'none'
                ? Number.POSITIVE_INFINITY
                : r.budget === 'zero'
                  ? 0
                  : Number((fullKwh * r.budget).toPrecision(6));
            const prefixKwh = prefixOf(r.prefix, T, fullKwh);
            return {
              id: `r${j}`,
              costYuanPerKwh: r.cost,
              upperKw,
              budgetKwh,
              ...(prefixKwh ? { prefixKwh } : {}),
            };
          });
          const limitKw: number[] = [];
          for (let t = 0; t < T; t++) {
            let full = 0;
            let even = 0;
            for (const r of resources) {
              const upper = r.upperKw[t] as number;
              full += upper;
              const energy = Math.min(r.budgetKwh, r.prefixKwh?.[T - 1] ?? Number.POSITIVE_INFINITY);
              even += Math.min(upper, energy / (dt * T));
            }
            const limit = limitOf(draw, t, full);
            limitKw.push(limit);
            power[t] = (power[t] as number) + Math.min(limit, full) * draw.derating;
            sustained[t] = (sustained[t] as number) + Math.min(limit, even) * draw.derating;
          }
          return { id: `b${i}`, limitKw, derating: draw.derating, resources };
        });
        return {
          intervalHours: dt,
          shortfallPenaltyYuanPerKwh: penalty,
          targetsKw: targetShare.slice(0, T).map((s, t) => {
            const reach =
              (sustained[t] as number) + powerWeight * ((power[t] as number) - (sustained[t] as number));
            return Number(((reach * s) / procurementRatio).toPrecision(6));
          }),
          buildings: built,
        };
      },
    );
}
