/**
 * Shrinks an allocation problem that fails a check to a minimal one that still fails: fewer
 * buildings, intervals and resources, then simpler numbers (prefix caps dropped where the failure
 * stays without them, else each cap simplified or lifted). Greedy and deterministic (ddmin-style:
 * drop halves, then quarters, … then single items; then try simpler values field by field), run to
 * a fixpoint, so that no single building, interval or resource can be dropped and no number
 * simplified without the failure going away.
 *
 * fast-check's own shrinking walks the generator's tree value by value; on instances of 45
 * buildings × 24 intervals it takes tens of minutes, this takes seconds.
 */
import type { AllocationBuilding, AllocationProblem, AllocationResource } from '../lib/domain/allocation.ts';

type Fails = (problem: AllocationProblem) => boolean;

const copyBuilding = (b: AllocationBuilding): AllocationBuilding => ({
  ...b,
  limitKw: Array.from(b.limitKw),
  resources: b.resources.map((r) => ({
    ...r,
    upperKw: Array.from(r.upperKw),
    ...(r.prefixKwh ? { prefixKwh: Array.from(r.prefixKwh) } : {}),
  })),
});

const copy = (p: AllocationProblem): AllocationProblem => ({
  ...p,
  targetsKw: Array.from(p.targetsKw),
  buildings: p.buildings.map(copyBuilding),
});

/** Drops the items `drop` (a sorted list of indices) from an array. */
const without = <T>(items: ArrayLike<T>, drop: ReadonlySet<number>): T[] =>
  Array.from(items).filter((_, i) => !drop.has(i));

/** ddmin over `count` items: returns the smallest set of kept items for which `fails(keep)` holds. */
function minimiseSet(count: number, failsWith: (drop: ReadonlySet<number>) => boolean): Set<number> {
  const dropped = new Set<number>();
  for (
    let chunk = Math.max(1, Math.floor(count / 2));
    chunk >= 1;
    chunk = chunk === 1 ? 0 : Math.floor(chunk / 2)
  ) {
    for (let start = 0; start < count; start += chunk) {
      const trial = new Set(dropped);
      for (let i = start; i < Math.min(count, start + chunk); i++) trial.add(i);
      if (trial.size > dropped.size && trial.size < count && failsWith(trial))
        for (const i of trial) dropped.add(i);
    }
  }
  return dropped;
}

function dropBuildings(p: AllocationProblem, fails: Fails): AllocationProblem {
  const drop = minimiseSet(p.buildings.length, (d) => fails({ ...p, buildings: without(p.buildings, d) }));
  return { ...p, buildings: without(p.buildings, drop) };
}

function dropIntervals(p: AllocationProblem, fails: Fails): AllocationProblem {
  const cut = (d: ReadonlySet<number>): AllocationProblem => ({
    ...p,
    targetsKw: without(p.targetsKw, d),
    buildings: p.buildings.map((b) => ({
      ...b,
      limitKw: without(b.limitKw, d),
      resources: b.resources.map((r) => ({
        ...r,
        upperKw: without(r.upperKw, d),
        ...(r.prefixKwh ? { prefixKwh: without(r.prefixKwh, d) } : {}),
      })),
    })),
  });
  return cut(minimiseSet(p.targetsKw.length, (d) => fails(cut(d))));
}

function dropResources(p: AllocationProblem, fails: Fails): AllocationProblem {
  let current = p;
  for (let b = 0; b < current.buildings.length; b++) {
    const building = current.buildings[b] as AllocationBuilding;
    const withResources = (resources: AllocationResource[]): AllocationProblem => ({
      ...current,
      buildings: current.buildings.map((x, i) => (i === b ? { ...x, resources } : x)),
    });
    const drop = minimiseSet(building.resources.length, (d) =>
      fails(withResources(without(building.resources, d))),
    );
    current = withResources(without(building.resources, drop));
  }
  return current;
}

/** Simpler stand-ins for a number, simplest first. */
function simpler(v: number, extra: readonly number[]): number[] {
  const out: number[] = [...extra, 0, 1, Math.round(v)];
  for (let digits = 1; digits <= 4; digits++) out.push(Number(v.toPrecision(digits)));
  return out.filter((x, i) => Number.isFinite(v) && x !== v && out.indexOf(x) === i);
}

/** Tries each simpler value of each number in turn, keeping the first that still fails. */
function simplifyNumbers(p: AllocationProblem, fails: Fails): AllocationProblem {
  let current = copy(p);
  const attempt = (
    set: (q: AllocationProblem, v: number) => void,
    v: number,
    extra: readonly number[] = [],
    positive = false,
  ) => {
    for (const candidate of simpler(v, extra)) {
      // Interval length and derating must stay positive (the allocator rejects them otherwise).
      if (positive && !(candidate > 0)) continue;
      const trial = copy(current);
      set(trial, candidate);
      if (fails(trial)) {
        current = trial;
        return;
      }
    }
  };
  attempt((q, v) => {
    q.shortfallPenaltyYuanPerKwh = v;
  }, current.shortfallPenaltyYuanPerKwh);
  attempt(
    (q, v) => {
      q.intervalHours = v;
    },
    current.intervalHours,
    [1, 0.25],
    true,
  );
  for (let t = 0; t < current.targetsKw.length; t++)
    attempt((q, v) => {
      (q.targetsKw as number[])[t] = v;
    }, current.targetsKw[t] as number);
  current.buildings.forEach((building, b) => {
    const at = (q: AllocationProblem) => q.buildings[b] as AllocationBuilding;
    if ((building.derating ?? 1) !== 1)
      attempt(
        (q, v) => {
          at(q).derating = v;
        },
        building.derating ?? 1,
        [1, 0.5],
        true,
      );
    for (let t = 0; t < building.limitKw.length; t++)
      attempt(
        (q, v) => {
          (at(q).limitKw as number[])[t] = v;
        },
        building.limitKw[t] as number,
        [1e9],
      );
    building.resources.forEach((resource, r) => {
      const res = (q: AllocationProblem) => at(q).resources[r] as AllocationResource;
      attempt((q, v) => {
        res(q).costYuanPerKwh = v;
      }, resource.costYuanPerKwh);
      if (Number.isFinite(resource.budgetKwh)) {
        const trial = copy(current);
        res(trial).budgetKwh = Number.POSITIVE_INFINITY;
        if (fails(trial)) current = trial;
        else
          attempt((q, v) => {
            res(q).budgetKwh = v;
          }, resource.budgetKwh);
      }
      for (let t = 0; t < resource.upperKw.length; t++)
        attempt((q, v) => {
          (res(q).upperKw as number[])[t] = v;
        }, resource.upperKw[t] as number);
      if (resource.prefixKwh !== undefined) {
        const trial = copy(current);
        delete res(trial).prefixKwh;
        if (fails(trial)) current = trial;
        else
          for (let t = 0; t < resource.prefixKwh.length; t++)
            attempt(
              (q, v) => {
                (res(q).prefixKwh as number[])[t] = v;
              },
              resource.prefixKwh[t] as number,
              [Number.POSITIVE_INFINITY],
            );
      }
    });
  });
  return current;
}

const size = (p: AllocationProblem) =>
  JSON.stringify(p, (_, v) => (v === Number.POSITIVE_INFINITY ? 'Infinity' : v)).length;

/** The smallest failing problem the greedy passes reach from `problem` (which must fail). */
export function shrinkAllocationProblem(problem: AllocationProblem, fails: Fails): AllocationProblem {
  let current = copy(problem);
  for (;;) {
    const before = size(current);
    current = dropBuildings(current, fails);
    current = dropIntervals(current, fails);
    current = dropResources(current, fails);
    current = simplifyNumbers(current, fails);
    if (size(current) >= before) return current;
  }
}
