/**
 * One allocation benchmark case in a process of its own (so peak memory is its own):
 * `node --import tsx bench/allocate-run.ts <flexdr|highs> <buildings> <intervals> <runs> [variant]`.
 * Prints one JSON line.
 *
 * Variants: `fleet` (bench/fleet.ts as it is, with the prefix caps `lib/domain/flexibility.ts` gives
 * its batteries and tanks); `charging` (the same fleet with half of its batteries charging near their
 * minimum, so that their caps rise through the window); `fleet-no-caps` and `charging-no-caps` (the
 * same with the caps dropped, the window budgets kept: the LP as it was before prefix caps, to tell
 * what the caps cost the solver).
 */

import { mulberry32 } from '../infra/local/sim/random.ts';
import { type AllocationProblem, allocate } from '../lib/domain/allocation.ts';
import { flexibilityCurve, toAllocationBuilding } from '../lib/domain/flexibility.ts';
import type { AssetState } from '../lib/domain/model/telemetry.ts';
import { type FleetMember, fleetFlexibility, makeFleet } from './fleet.ts';

const VARIANTS = ['fleet', 'charging', 'fleet-no-caps', 'charging-no-caps'];
const [solver = 'flexdr', n = '1000', t = '16', runsArg = '5', variant = 'fleet'] = process.argv.slice(2);
if (!VARIANTS.includes(variant)) throw new RangeError(`variant must be one of ${VARIANTS.join(', ')}`);
const buildings = Number(n);
const intervals = Number(t);
const runs = Number(runsArg);
const START = Date.parse('2026-01-15T17:00:00+08:00');

/**
 * Half of the batteries (drawn from a seed) charging at 20–80 % of their rating, at their minimum
 * state of charge up to 20 % above it: stopping the charge frees energy interval by interval, so
 * their prefix caps rise through the window (a battery charging at its minimum).
 */
function withChargingBatteries(members: FleetMember[]): FleetMember[] {
  const rand = mulberry32(7);
  return members.map((m) => {
    const assets = m.state.assets.map((s): AssetState => {
      const asset = m.building.assets.find((a) => a.id === s.assetId);
      if (s.kind !== 'battery' || asset?.kind !== 'battery' || rand() < 0.5) return s;
      return { ...s, soc: asset.socMin + 0.2 * rand(), powerKw: asset.maxChargeKw * (0.2 + 0.6 * rand()) };
    });
    return { ...m, state: { ...m.state, assets } };
  });
}

const fleet = variant.startsWith('charging')
  ? withChargingBatteries(makeFleet(42, buildings, intervals))
  : makeFleet(42, buildings, intervals);
const dropCaps = variant.endsWith('no-caps');

/**
 * The operator's targets: a peaked shape asking for about 70 % of the fleet's energy, never above
 * 90 % of what an interval could have alone, so that energy budgets and grid limits bind and the
 * target is mostly met. Computed once, outside the timings (targets arrive with the event).
 */
function makeTargets(): number[] {
  const curve = new Float64Array(intervals);
  let energyKwh = 0;
  for (const f of fleetFlexibility(fleet, 'PEAK_SHAVING', START, intervals)) {
    const c = flexibilityCurve(f, 15);
    energyKwh += c.energyKwh;
    for (let i = 0; i < intervals; i++) curve[i] = (curve[i] as number) + (c.kw[i] as number);
  }
  const shape = Array.from(
    { length: intervals },
    (_, i) => 0.5 + 0.5 * Math.sin((Math.PI * (i + 0.5)) / intervals),
  );
  const scale = (0.7 * energyKwh) / (0.25 * shape.reduce((x, y) => x + y, 0));
  return shape.map((s, i) => Math.min(0.9 * (curve[i] as number), scale * s));
}
const targetsKw = makeTargets();

/** What planning does per event: every building's flexibility, then the allocator's input. */
function build(): AllocationProblem {
  const flex = fleetFlexibility(fleet, 'PEAK_SHAVING', START, intervals);
  return {
    intervalHours: 0.25,
    targetsKw,
    shortfallPenaltyYuanPerKwh: 50,
    buildings: flex.map((f, b) => {
      const input = toAllocationBuilding(f, fleet[b]?.building.reliability ?? 1);
      if (!dropCaps) return input;
      return { ...input, resources: input.resources.map(({ prefixKwh: _, ...r }) => r) };
    }),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const gc = (globalThis as { gc?: () => void }).gc;

const buildMs: number[] = [];
const solveMs: number[] = [];
let cost = Number.NaN;
let shortfallKwh = 0;
let status = 'ok';
let stats: unknown = null;

if (solver === 'flexdr') {
  for (let i = 0; i < runs; i++) {
    gc?.();
    const t0 = performance.now();
    const problem = build();
    const t1 = performance.now();
    const result = allocate(problem);
    const t2 = performance.now();
    buildMs.push(t1 - t0);
    solveMs.push(t2 - t1);
    cost = result.costYuan;
    shortfallKwh = result.shortfallKw.reduce((a, b) => a + b, 0) * 0.25;
    stats = result.stats;
  }
} else {
  const { loadHighs, solveWithHighs } = await import('../test/support/highs-reference.ts');
  const highs = await loadHighs();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const problem = build();
    const t1 = performance.now();
    const result = solveWithHighs(highs, problem);
    const t2 = performance.now();
    buildMs.push(t1 - t0);
    solveMs.push(t2 - t1);
    cost = result.objective;
    status = result.status;
  }
}

console.log(
  JSON.stringify({
    solver,
    variant,
    buildings,
    intervals,
    runs,
    buildMs: median(buildMs),
    solveMs: median(solveMs),
    peakMb: process.resourceUsage().maxRSS / 1024,
    cost,
    shortfallKwh,
    status,
    stats,
  }),
);
