/**
 * Every plan a building can be given stays physically feasible interval by interval (issue 13, items 2
 * and 3). One to three events on one building, on one grid of Δ-minute intervals, are planned one after
 * another in any order, each from the same report and the reservations of those planned before it, and
 * then every asset is simulated interval by interval from the report under the sum of all commands:
 * battery SoC and tank heat stay within their limits at the end of every interval, powers within
 * ratings, appliances within their curtailable draw and minutes, the DC bus within its band.
 *
 * The physics here is written from docs/assets.md, not taken from flexibility.ts: the baseline is the
 * reported power (battery) or draw (heater) continuing from the report until the level reaches the
 * limit it is heading to, applied to the asset's actual level (its BMS's own rule); a command moves
 * the asset by its kW against that. A tank's controller also holds its minimum, drawing up to its
 * rating. The limits are checked at the end of every interval of every event. Two plans are simulated per case: the
 * allocator's, for a random target, and the most hostile one the flexibility allows (every resource
 * front-loaded to its bounds and energy caps, interval by interval).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate } from '../../lib/domain/allocation.ts';
import {
  computeFlexibility,
  type Reservation,
  type ResourceFlexibility,
  toAllocationBuilding,
} from '../../lib/domain/flexibility.ts';
import type { BatteryAsset, HeatStorageAsset } from '../../lib/domain/model/asset.ts';
import { Building, type BuildingInput } from '../../lib/domain/model/building.ts';
import type { Direction } from '../../lib/domain/model/common.ts';
import type { AssetState } from '../../lib/domain/model/telemetry.ts';
import { MINUTE_MS } from '../../lib/domain/time.ts';
import { buildingInput } from '../support/fixtures.ts';

const REPORT_MS = Date.parse('2026-01-15T12:00:00+08:00');
/** kWh / kW tolerance of the checks. */
const TOL = 1e-6;

/** Scales from a tiny to a very large building. */
const scale = fc.constantFrom(0.01, 1, 10, 1000);
const share = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((x) => x / 100);

const batteryCase = fc.record({
  capacityKwh: fc.integer({ min: 1, max: 400 }),
  maxChargeKw: fc.integer({ min: 0, max: 200 }),
  maxDischargeKw: fc.integer({ min: 0, max: 200 }),
  socMin: share(0, 50),
  socSpan: share(0, 50),
  chargeEfficiency: share(70, 100),
  dischargeEfficiency: share(70, 100),
  /** Where the SoC starts within [min, max], and the reported power as a share of the rating (signed). */
  socAt: share(0, 100),
  powerPct: fc.integer({ min: -100, max: 100 }),
});

const tankCase = fc.record({
  heaterKw: fc.integer({ min: 0, max: 200 }),
  cop: fc.constantFrom(0.5, 1, 2.5, 4),
  capacityKwhTh: fc.integer({ min: 1, max: 2000 }),
  minShare: share(0, 60),
  lossPctPerHour: fc.constantFrom(0, 0.5, 2, 10),
  levelAt: share(0, 100),
  drawPct: fc.integer({ min: 0, max: 100 }),
  /** Heat demand as a share of what the heater can supply, in percent. */
  demandPct: fc.integer({ min: 0, max: 150 }),
});

const eventCase = fc.record({
  direction: fc.constantFrom<Direction>('PEAK_SHAVING', 'VALLEY_FILLING'),
  /** Intervals from the report to the event's start. */
  offset: fc.integer({ min: 0, max: 10 }),
  intervals: fc.integer({ min: 1, max: 8 }),
  /** Target per interval as a share of the building's size. */
  targetPct: fc.integer({ min: 0, max: 300 }),
});

const cases = fc.record({
  scale,
  intervalMinutes: fc.constantFrom(5, 15, 30, 60),
  battery: fc.option(batteryCase, { nil: undefined }),
  tank: fc.option(tankCase, { nil: undefined }),
  hvac: fc.option(
    fc.record({
      ratedKw: fc.integer({ min: 0, max: 100 }),
      curtailableShare: share(0, 100),
      maxCurtailMinutes: fc.integer({ min: 0, max: 240 }),
      on: fc.boolean(),
    }),
    { nil: undefined },
  ),
  dcBus: fc.option(
    fc.record({ bandPct: fc.integer({ min: 0, max: 10 }), flexKwPerPct: fc.integer({ min: 0, max: 20 }) }),
    {
      nil: undefined,
    },
  ),
  events: fc.array(eventCase, { minLength: 1, maxLength: 3 }),
  /** The order the events are planned in (a permutation by sort keys). */
  order: fc.array(fc.integer(), { minLength: 3, maxLength: 3 }),
  hostile: fc.boolean(),
});

type Case = typeof cases extends fc.Arbitrary<infer C> ? C : never;

/** The building and its report for a case. */
function setUp(c: Case) {
  const s = c.scale;
  const assets: BuildingInput['assets'] = [];
  const states: AssetState[] = [];
  if (c.battery) {
    const b = c.battery;
    const socMax = Math.min(1, b.socMin + b.socSpan);
    assets.push({
      kind: 'battery',
      id: 'bat',
      capacityKwh: b.capacityKwh * s,
      maxChargeKw: b.maxChargeKw * s,
      maxDischargeKw: b.maxDischargeKw * s,
      socMin: b.socMin,
      socMax,
      chargeEfficiency: b.chargeEfficiency,
      dischargeEfficiency: b.dischargeEfficiency,
    });
    const rating = b.powerPct >= 0 ? b.maxChargeKw : b.maxDischargeKw;
    states.push({
      kind: 'battery',
      assetId: 'bat',
      soc: b.socMin + (socMax - b.socMin) * b.socAt,
      powerKw: (rating * s * b.powerPct) / 100,
    });
  }
  if (c.tank) {
    const t = c.tank;
    assets.push({
      kind: 'heatStorage',
      id: 'tank',
      heaterKw: t.heaterKw * s,
      cop: t.cop,
      capacityKwhTh: t.capacityKwhTh * s,
      minKwhTh: t.capacityKwhTh * s * t.minShare,
      lossPctPerHour: t.lossPctPerHour,
    });
    states.push({
      kind: 'heatStorage',
      assetId: 'tank',
      storedKwhTh: t.capacityKwhTh * s * t.levelAt,
      heaterKw: (t.heaterKw * s * t.drawPct) / 100,
      heatDemandKwTh: (t.heaterKw * s * t.cop * t.demandPct) / 100,
    });
  }
  if (c.hvac) {
    assets.push({
      kind: 'appliance',
      id: 'hvac',
      applianceKind: 'hvac',
      ratedKw: c.hvac.ratedKw * s,
      curtailableShare: c.hvac.curtailableShare,
      maxCurtailMinutes: c.hvac.maxCurtailMinutes,
    });
    states.push({
      kind: 'appliance',
      assetId: 'hvac',
      on: c.hvac.on,
      kw: c.hvac.on ? c.hvac.ratedKw * s : 0,
    });
  }
  if (c.dcBus) {
    assets.push({
      kind: 'dcBus',
      id: 'bus',
      nominalVoltage: 750,
      bandPct: c.dcBus.bandPct,
      flexKwPerPct: c.dcBus.flexKwPerPct * s,
    });
  }
  const building = Building.parse(
    buildingInput({ gridLimits: { importKw: 500 * s, exportKw: 100 * s }, assets }),
  );
  return {
    building,
    state: {
      buildingId: building.buildingId,
      at: new Date(REPORT_MS).toISOString(),
      netLoadKw: 300 * s,
      assets: states,
    },
  };
}

/** The most the flexibility allows, front-loaded: each resource as much as it can as early as it can, within the building's limit. */
function hostilePlan(resources: ResourceFlexibility[], limitKw: number[], dt: number): number[][] {
  const kw = resources.map(() => new Array<number>(limitKw.length).fill(0));
  const used = resources.map(() => 0);
  limitKw.forEach((limit, t) => {
    let room = limit;
    resources.forEach((r, i) => {
      const cap = Math.min(r.prefixKwh?.[t] ?? Number.POSITIVE_INFINITY, r.budgetKwh);
      const x = Math.max(0, Math.min(r.upperKw[t] as number, (cap - (used[i] as number)) / dt, room));
      (kw[i] as number[])[t] = x;
      used[i] = (used[i] as number) + x * dt;
      room -= x;
    });
  });
  return kw;
}

interface Planned {
  direction: Direction;
  start: number;
  intervals: number;
  /** Per asset id: kW per interval of this event. */
  kw: Map<string, number[]>;
}

/** Plans the case's events in its order, each from the report and the reservations before it. */
function planAll(c: Case, building: Building, state: ReturnType<typeof setUp>['state']): Planned[] {
  const step = c.intervalMinutes * MINUTE_MS;
  const dt = c.intervalMinutes / 60;
  const order = c.events
    .map((_, i) => i)
    .sort((a, b) => (c.order[a] as number) - (c.order[b] as number) || a - b);
  const reservations: Reservation[] = [];
  const planned: Planned[] = [];
  for (const i of order) {
    const e = c.events[i] as Case['events'][number];
    const start = REPORT_MS + e.offset * step;
    const flex = computeFlexibility({
      building,
      state,
      direction: e.direction,
      startMs: start,
      intervalMinutes: c.intervalMinutes,
      intervals: e.intervals,
      baselineKw: new Array(e.intervals).fill(state.netLoadKw),
      reservations,
    });
    let kwByResource: number[][];
    if (c.hostile) kwByResource = hostilePlan(flex.resources, flex.limitKw, dt);
    else {
      const target = (e.targetPct * c.scale * 100) / 100;
      const allocation = allocate({
        intervalHours: dt,
        targetsKw: new Array(e.intervals).fill(target),
        shortfallPenaltyYuanPerKwh: 10,
        buildings: [toAllocationBuilding(flex)],
      });
      kwByResource = flex.resources.map((_, r) =>
        Array.from(allocation.kw.subarray(r * e.intervals, (r + 1) * e.intervals)),
      );
    }
    // a command names the assets it asks something of
    const kw = new Map(
      flex.resources
        .map((r, k) => [r.assetId, kwByResource[k] as number[]] as const)
        .filter(([, x]) => x.some((v) => v > 0)),
    );
    // the plan stays within its own building limit
    for (let t = 0; t < e.intervals; t++) {
      const sum = kwByResource.reduce((s, x) => s + (x[t] as number), 0);
      expect(sum).toBeLessThanOrEqual((flex.limitKw[t] as number) + TOL * (1 + sum));
    }
    planned.push({ direction: e.direction, start, intervals: e.intervals, kw });
    for (const [assetId, x] of kw)
      reservations.push({
        eventId: `e${i}`,
        assetId,
        direction: e.direction,
        startMs: start,
        intervalMinutes: c.intervalMinutes,
        kw: x,
        kwh: x.reduce((s, v) => s + v, 0) * dt,
      });
  }
  return planned;
}

/** Response of one asset per interval of the simulation grid, summed over events: [up, down]. */
function responses(planned: Planned[], assetId: string, steps: number, c: Case) {
  const step = c.intervalMinutes * MINUTE_MS;
  const up = new Array<number>(steps).fill(0);
  const down = new Array<number>(steps).fill(0);
  const commanded = new Array<boolean>(steps).fill(false);
  for (const p of planned) {
    const first = Math.round((p.start - REPORT_MS) / step);
    const x = p.kw.get(assetId);
    // an event that asks nothing of the asset sends it no command
    if (!x) continue;
    for (let t = 0; t < p.intervals; t++) commanded[first + t] = true;
    x.forEach((kw, t) => {
      const into = p.direction === 'PEAK_SHAVING' ? up : down;
      into[first + t] = (into[first + t] as number) + kw;
    });
  }
  return { up, down, commanded };
}

/** Tolerance for a value on an asset of this size. */
const near = (size: number) => TOL * (1 + Math.abs(size));

function simulateBattery(
  a: BatteryAsset,
  s: Extract<AssetState, { kind: 'battery' }>,
  { up, down, commanded }: ReturnType<typeof responses>,
  dt: number,
) {
  const eMin = a.socMin * a.capacityKwh;
  const eMax = a.socMax * a.capacityKwh;
  // the reported power until the limit it heads to, from a level
  const rule = (level: number) =>
    s.powerKw >= 0
      ? Math.max(0, Math.min(s.powerKw, (eMax - level) / (a.chargeEfficiency * dt)))
      : -Math.max(0, Math.min(-s.powerKw, ((level - eMin) * a.dischargeEfficiency) / dt));
  const move = (x: number) => (x >= 0 ? a.chargeEfficiency * x * dt : (x * dt) / a.dischargeEfficiency);
  let e = s.soc * a.capacityKwh;
  for (let t = 0; t < up.length; t++) {
    if (!commanded[t]) {
      e += move(rule(e));
      continue;
    }
    const p = rule(e) - (up[t] as number) + (down[t] as number);
    expect(p, `battery power in interval ${t}`).toBeLessThanOrEqual(a.maxChargeKw + near(a.maxChargeKw));
    expect(p, `battery power in interval ${t}`).toBeGreaterThanOrEqual(
      -a.maxDischargeKw - near(a.maxDischargeKw),
    );
    e += move(p);
    expect(e, `stored energy after interval ${t}`).toBeGreaterThanOrEqual(eMin - near(a.capacityKwh));
    expect(e, `stored energy after interval ${t}`).toBeLessThanOrEqual(eMax + near(a.capacityKwh));
  }
}

function simulateTank(
  a: HeatStorageAsset,
  s: Extract<AssetState, { kind: 'heatStorage' }>,
  { up, down, commanded }: ReturnType<typeof responses>,
  dt: number,
) {
  const keep = 1 - (a.lossPctPerHour / 100) * dt;
  const heater = Math.min(s.heaterKw, a.heaterKw);
  const next = (level: number, h: number) =>
    Math.max(0, keep * level + a.cop * h * dt - s.heatDemandKwTh * dt);
  // the reported draw, but no more heat than fits, from a level
  const rule = (level: number) =>
    Math.max(0, Math.min(heater, (a.capacityKwhTh - keep * level + s.heatDemandKwTh * dt) / (a.cop * dt)));
  // the controller holds the minimum: it draws what keeps the tank there, up to its rating
  const held = (level: number, h: number) =>
    next(level, h) >= a.minKwhTh
      ? h
      : Math.max(h, Math.min(a.heaterKw, (a.minKwhTh - keep * level + s.heatDemandKwTh * dt) / (a.cop * dt)));
  const control = (level: number) => held(level, rule(level));
  let base = s.storedKwhTh;
  let level = base;
  for (let t = 0; t < up.length; t++) {
    base = next(base, control(base));
    if (!commanded[t]) {
      level = next(level, control(level));
      continue;
    }
    // the command moves the controller's draw, and is obeyed as it stands
    const h = control(level) - (up[t] as number) + (down[t] as number);
    expect(h, `heater draw in interval ${t}`).toBeGreaterThanOrEqual(-near(a.heaterKw));
    expect(h, `heater draw in interval ${t}`).toBeLessThanOrEqual(a.heaterKw + near(a.heaterKw));
    level = next(level, h);
    // within the limits, or no further past one than the baseline itself goes
    const tol = near(a.capacityKwhTh);
    expect(level, `heat after interval ${t}`).toBeGreaterThanOrEqual(Math.min(a.minKwhTh, base) - tol);
    expect(level, `heat after interval ${t}`).toBeLessThanOrEqual(Math.max(a.capacityKwhTh, base) + tol);
  }
}

describe('plans checked against the assets, interval by interval', () => {
  it('keeps every stored asset within its limits and every other asset within its ratings, whatever the order of planning', () => {
    fc.assert(
      fc.property(cases, (c) => {
        // Prepare
        const { building, state } = setUp(c);
        const dt = c.intervalMinutes / 60;
        // Act
        const planned = planAll(c, building, state);
        // Assess: simulate from the report to the last event's end, plus one interval
        const steps =
          Math.max(
            ...planned.map(
              (p) => Math.round((p.start - REPORT_MS) / (c.intervalMinutes * MINUTE_MS)) + p.intervals,
            ),
          ) + 1;
        for (const asset of building.assets) {
          const commands = responses(planned, asset.id, steps, c);
          const { up, down } = commands;
          const st = state.assets.find((x) => x.assetId === asset.id);
          if (asset.kind === 'battery' && st?.kind === 'battery') simulateBattery(asset, st, commands, dt);
          if (asset.kind === 'heatStorage' && st?.kind === 'heatStorage')
            simulateTank(asset, st, commands, dt);
          if (asset.kind === 'appliance' && st?.kind === 'appliance') {
            const draw = st.on ? st.kw : 0;
            for (const x of up) expect(x).toBeLessThanOrEqual(asset.curtailableShare * draw + near(draw));
            expect(down.every((x) => x === 0)).toBe(true);
            for (const p of planned) {
              const curtailed = (p.kw.get(asset.id) ?? []).filter((x) => x > 0).length;
              expect(curtailed * c.intervalMinutes).toBeLessThanOrEqual(asset.maxCurtailMinutes);
            }
          }
          if (asset.kind === 'dcBus') {
            // one event may move the bus in either direction, but never beyond its band
            for (let t = 0; t < steps; t++) {
              const net = Math.abs((up[t] as number) - (down[t] as number));
              expect(net).toBeLessThanOrEqual(asset.flexKwPerPct * asset.bandPct + near(asset.flexKwPerPct));
            }
          }
        }
      }),
      {
        numRuns: Number(process.env.TRAJECTORY_RUNS ?? 400),
        seed: Number(process.env.TRAJECTORY_SEED ?? 20261205),
      },
    );
  }, 600_000);
});
