import { describe, expect, it } from 'vitest';
import {
  answer,
  BuildingSimulator,
  DECLINE_REASONS,
  history,
} from '../../../infra/local/sim/building-sim.ts';
import { computeFlexibility } from '../../../lib/domain/flexibility.ts';
import type { Building } from '../../../lib/domain/model/building.ts';
import type { AssetInstruction } from '../../../lib/domain/model/command.ts';
import { BuildingState, type MeterReading } from '../../../lib/domain/model/telemetry.ts';
import {
  at,
  batteryAsset,
  building,
  command,
  constant,
  hvacAsset,
  MIN,
  QUARTER,
  tankAsset,
} from './helpers.ts';

// Wednesday 16 December 2026, a working day in a cold week
const DAY = at('2026-12-16T00:00:00+08:00');
const EVENT = '2026-12-16T17:00:00+08:00';
const EVENT_MS = at(EVENT);
const SEED = 11;

const office = building('b-office', [batteryAsset, hvacAsset]);
const homes = building('b-homes', [tankAsset]);

/** Two simulators of one building from the same seed: one receives commands, its twin never does. */
function twins(b: Building, kind: 'office' | 'residential' = 'office', startMs = DAY) {
  return {
    sim: new BuildingSimulator(b, kind, { seed: SEED, startMs }),
    twin: new BuildingSimulator(b, kind, { seed: SEED, startMs }),
  };
}
const byStart = (readings: MeterReading[]) =>
  new Map(readings.map((r) => [Date.parse(r.intervalStart), r.kw ?? 0]));

/** Both twins stepped to `end`: per quarter hour metered, the commanded one's load less the other's. */
function differences(
  sim: BuildingSimulator,
  twin: BuildingSimulator,
  end: number,
): { t: number; diff: number }[] {
  const withCommand = byStart(sim.stepTo(end));
  return [...byStart(twin.stepTo(end))].map(([t, load]) => ({
    t,
    diff: (withCommand.get(t) as number) - load,
  }));
}

describe('a command moves net load by about the instructed kW, only within its window', () => {
  it('battery discharge for a peak', () => {
    const { sim, twin } = twins(office);
    // 30 kW for 2 h: 65 kWh from the 80 kWh above socMin at mid SoC
    const kw: AssetInstruction = { assetId: 'bat', action: 'discharge', kw: constant(8, 30) };
    sim.receive(command(office, { start: EVENT, assets: [kw] }));
    const end = at('2026-12-16T23:45:00+08:00');
    for (const { t: start, diff } of differences(sim, twin, end)) {
      if (start >= EVENT_MS && start < EVENT_MS + 8 * QUARTER) {
        expect(diff).toBeLessThan(-0.93 * 30);
        expect(diff).toBeGreaterThan(-1.03 * 30);
      } else expect(diff).toBeCloseTo(0, 6);
    }
  });

  it('a recovery recharges the battery after the window as the command says, not later on its own', () => {
    const { sim, twin } = twins(office);
    const discharge: AssetInstruction = { assetId: 'bat', action: 'discharge', kw: constant(8, 30) };
    const recoveryStart = EVENT_MS + 8 * QUARTER;
    const recharge: AssetInstruction = { assetId: 'bat', action: 'charge', kw: constant(4, 30) };
    sim.receive({
      ...command(office, { start: EVENT, assets: [discharge] }),
      recovery: { start: new Date(recoveryStart).toISOString(), assets: [recharge] },
    });
    const end = at('2026-12-16T23:45:00+08:00');
    for (const { t: start, diff } of differences(sim, twin, end)) {
      if (start >= recoveryStart && start < recoveryStart + 4 * QUARTER) {
        expect(diff).toBeGreaterThan(0.93 * 30);
        expect(diff).toBeLessThan(1.03 * 30);
      } else if (start >= recoveryStart + 4 * QUARTER) expect(diff).toBeCloseTo(0, 6);
    }
    const soc = (s: BuildingSimulator) => s.state().assets.find((a) => a.kind === 'battery')?.soc ?? 0;
    // back near where it started: 60 kWh out, 30 kWh × ηc back
    expect(soc(sim)).toBeLessThan(soc(twin));
    expect(soc(sim)).toBeGreaterThan(soc(twin) - 0.2);
  });

  it('heat charging in the valley raises the heater, and the controller draws less afterwards', () => {
    const { sim, twin } = twins(homes, 'residential');
    const start = '2026-12-16T22:00:00+08:00';
    const startMs = at(start);
    sim.receive(
      command(homes, {
        direction: 'VALLEY_FILLING',
        start,
        assets: [{ assetId: 'tank', action: 'heatCharge', kw: constant(8, 40) }],
      }),
    );
    const end = at('2026-12-17T06:00:00+08:00');
    let after = 0;
    for (const { t, diff } of differences(sim, twin, end)) {
      if (t < startMs) expect(diff).toBeCloseTo(0, 6);
      else if (t < startMs + 8 * QUARTER) {
        expect(diff).toBeGreaterThan(0.93 * 40);
        expect(diff).toBeLessThan(1.03 * 40);
      } else after += diff;
    }
    // the stored heat is used later: the building imports less once the window is over
    expect(after).toBeLessThan(0);
  });

  it('HVAC curtailment lasts at most maxCurtailMinutes and comes back as rebound', () => {
    const summer = at('2026-07-15T00:00:00+08:00');
    const start = '2026-07-15T14:00:00+08:00';
    const startMs = at(start);
    const { sim, twin } = twins(office, 'office', summer);
    sim.receive(
      command(office, { start, assets: [{ assetId: 'hvac', action: 'curtail', kw: constant(8, 50) }] }),
    );
    const end = at('2026-07-15T20:00:00+08:00');
    const diffs = differences(sim, twin, end);
    const firstHour = diffs.filter((d) => d.t >= startMs && d.t < startMs + 4 * QUARTER);
    const secondHour = diffs.filter((d) => d.t >= startMs + 4 * QUARTER && d.t < startMs + 8 * QUARTER);
    for (const d of firstHour) expect(d.diff).toBeLessThan(-0.93 * 50);
    // maxCurtailMinutes is 60: the second hour is no longer curtailed and brings the rebound
    for (const d of secondHour) expect(d.diff).toBeGreaterThanOrEqual(-1e-6);
    const curtailed = -firstHour.reduce((s, d) => s + d.diff, 0) / 4;
    const rebound = diffs.filter((d) => d.t >= startMs + 4 * QUARTER).reduce((s, d) => s + d.diff, 0) / 4;
    expect(rebound).toBeCloseTo(hvacAsset.reboundShare * curtailed, 0);
    for (const d of diffs.filter((x) => x.t < startMs)) expect(d.diff).toBeCloseTo(0, 6);
  });

  it('a DC bus at lower voltage draws less, by flexKwPerPct per percent', () => {
    const dc = building('b-dc', [
      { kind: 'dcBus', id: 'bus', nominalVoltage: 750, bandPct: 5, flexKwPerPct: 4 },
    ]);
    const { sim, twin } = twins(dc, 'office');
    sim.receive(
      command(dc, {
        start: EVENT,
        assets: [{ assetId: 'bus', action: 'busVoltage', kw: constant(4, 10), voltage: constant(4, 731.25) }],
      }),
    );
    sim.stepTo(EVENT_MS + 30 * MIN);
    twin.stepTo(EVENT_MS + 30 * MIN);
    const bus = sim.state().assets[0];
    expect(bus?.kind === 'dcBus' && bus.busVoltage).toBeLessThan(750);
    expect(bus?.kind === 'dcBus' && bus.busVoltage).toBeGreaterThanOrEqual(750 * 0.95);
    const diff = sim.state().netLoadKw - twin.state().netLoadKw;
    expect(diff).toBeLessThan(-0.93 * 10);
    expect(diff).toBeGreaterThan(-1.03 * 10);
  });

  it('an EV car park defers charging and still delivers the energy before departure', () => {
    const ev = {
      kind: 'appliance',
      id: 'ev',
      applianceKind: 'evCharger',
      ratedKw: 200,
      curtailableShare: 1,
      maxCurtailMinutes: 120,
    };
    const park = building('b-ev', [ev]);
    const { sim, twin } = twins(park, 'office');
    const start = '2026-12-16T11:00:00+08:00';
    sim.receive(
      command(park, { start, assets: [{ assetId: 'ev', action: 'curtail', kw: constant(4, 40) }] }),
    );
    const end = at('2026-12-16T20:00:00+08:00');
    const withCommand = sim.stepTo(end);
    const without = twin.stepTo(end);
    const startMs = at(start);
    const window = (rs: MeterReading[]) =>
      rs.filter(
        (r) => Date.parse(r.intervalStart) >= startMs && Date.parse(r.intervalStart) < startMs + 4 * QUARTER,
      );
    const sum = (rs: MeterReading[]) => rs.reduce((s, r) => s + (r.kw ?? 0), 0) / 4;
    expect(sum(window(withCommand))).toBeLessThan(sum(window(without)) - 0.9 * 40);
    // the day's energy is the same: the cars got what they needed, later
    expect(sum(withCommand)).toBeCloseTo(sum(without), 0);
    const state = sim.state().assets[0];
    expect(state?.kind === 'appliance' && state.energyNeededKwh).toBe(0);
  });
});

describe('commands: revisions and cancellations', () => {
  const discharge = (kw: number) => [{ assetId: 'bat', action: 'discharge' as const, kw: constant(8, kw) }];

  it('CANCEL stops the event from the moment it arrives', () => {
    const { sim, twin } = twins(office);
    sim.receive(command(office, { start: EVENT, assets: discharge(60) }));
    sim.stepTo(EVENT_MS + 30 * MIN);
    twin.stepTo(EVENT_MS + 30 * MIN);
    expect(sim.state().netLoadKw).toBeLessThan(twin.state().netLoadKw - 50);
    sim.receive(command(office, { kind: 'CANCEL', revision: 2, start: EVENT, assets: [] }));
    const rest = sim.stepTo(EVENT_MS + 3 * 60 * MIN);
    expect(rest.map((r) => r.kw)).toEqual(twin.stepTo(EVENT_MS + 3 * 60 * MIN).map((r) => r.kw));
  });

  it('a revision replaces the earlier one, and a late earlier revision is ignored', () => {
    const { sim, twin } = twins(office);
    const r1 = command(office, { start: EVENT, assets: discharge(80) });
    const r2 = command(office, {
      revision: 2,
      start: EVENT,
      assets: discharge(30),
      supersedes: r1.commandId,
    });
    sim.receive(r1);
    sim.receive(r2);
    sim.receive(r1);
    const diff = sim.stepTo(EVENT_MS + QUARTER).at(-1)?.kw;
    const base = twin.stepTo(EVENT_MS + QUARTER).at(-1)?.kw;
    expect((diff as number) - (base as number)).toBeLessThan(-0.93 * 30);
    expect((diff as number) - (base as number)).toBeGreaterThan(-1.03 * 30);
  });

  it('refuses a command for another building', () => {
    const sim = new BuildingSimulator(office, 'office', { seed: SEED, startMs: DAY });
    expect(() => sim.receive(command(homes, { start: EVENT, assets: discharge(10) }))).toThrow(/b-homes/);
  });
});

describe('storage physics inside the building', () => {
  it('battery: SoC change × capacity equals ∫charge·ηc − ∫discharge/ηd, within its bounds', () => {
    const sim = new BuildingSimulator(office, 'office', { seed: SEED, startMs: EVENT_MS - QUARTER });
    // a long discharge that runs into socMin, then a long charge that runs into socMax
    sim.receive(
      command(office, {
        start: EVENT,
        assets: [{ assetId: 'bat', action: 'discharge', kw: constant(12, 90) }],
      }),
    );
    sim.receive(
      command(office, {
        eventId: 'ev-2',
        direction: 'VALLEY_FILLING',
        start: '2026-12-16T20:00:00+08:00',
        assets: [{ assetId: 'bat', action: 'charge', kw: constant(16, 90) }],
      }),
    );
    const socOf = () => {
      const s = sim.state().assets.find((a) => a.assetId === 'bat');
      if (s?.kind !== 'battery') throw new Error('no battery state');
      return s;
    };
    const soc0 = socOf().soc;
    let integral = 0;
    const socs: number[] = [];
    for (let t = sim.now + MIN; t <= at('2026-12-17T00:00:00+08:00'); t += MIN) {
      sim.stepTo(t);
      const { powerKw, soc } = socOf();
      expect(Math.abs(powerKw)).toBeLessThanOrEqual(100 + 1e-9);
      integral +=
        powerKw > 0
          ? (powerKw * batteryAsset.chargeEfficiency) / 60
          : powerKw / batteryAsset.dischargeEfficiency / 60;
      socs.push(soc);
    }
    const soc1 = socOf().soc;
    // state rounding: SoC to 1e-4, power to 1e-3 kW
    expect((soc1 - soc0) * batteryAsset.capacityKwh).toBeCloseTo(integral, 1);
    expect(Math.min(...socs)).toBeCloseTo(batteryAsset.socMin, 3);
    expect(Math.max(...socs)).toBeCloseTo(batteryAsset.socMax, 3);
  });

  it('tank: stays within [minKwhTh, capacity] under commands, and every minute balances heat', () => {
    const sim = new BuildingSimulator(homes, 'residential', { seed: SEED, startMs: DAY });
    // heater off for 10 h on a cold day drains it to its minimum; heat charging for a day fills it
    sim.receive(
      command(homes, {
        start: '2026-12-16T06:00:00+08:00',
        assets: [{ assetId: 'tank', action: 'heaterOff', kw: constant(40, 150) }],
      }),
    );
    sim.receive(
      command(homes, {
        eventId: 'ev-2',
        direction: 'VALLEY_FILLING',
        start: '2026-12-16T16:00:00+08:00',
        assets: [{ assetId: 'tank', action: 'heatCharge', kw: constant(96, 150) }],
      }),
    );
    const tankOf = () => {
      const s = sim.state().assets[0];
      if (s?.kind !== 'heatStorage') throw new Error('no tank state');
      return s;
    };
    let previous = tankOf().storedKwhTh;
    const levels: number[] = [];
    for (let t = sim.now + MIN; t <= at('2026-12-17T16:00:00+08:00'); t += MIN) {
      sim.stepTo(t);
      const s = tankOf();
      const expected =
        (1 - tankAsset.lossPctPerHour / 100 / 60) * previous +
        (tankAsset.cop * s.heaterKw - s.heatDemandKwTh) / 60;
      expect(s.storedKwhTh).toBeCloseTo(Math.min(tankAsset.capacityKwhTh, expected), 1);
      expect(s.heaterKw).toBeLessThanOrEqual(tankAsset.heaterKw);
      levels.push(s.storedKwhTh);
      previous = s.storedKwhTh;
    }
    expect(Math.min(...levels)).toBeGreaterThanOrEqual(tankAsset.minKwhTh - 0.01);
    expect(Math.min(...levels)).toBeCloseTo(tankAsset.minKwhTh, 0);
    expect(Math.max(...levels)).toBeCloseTo(tankAsset.capacityKwhTh, 0);
    expect(sim.unservedHeatKwhTh()).toBe(0);
  });

  it('without commands, holds the tank near its mid level with the heater covering the demand', () => {
    const sim = new BuildingSimulator(homes, 'residential', { seed: SEED, startMs: DAY });
    const mid = (tankAsset.minKwhTh + tankAsset.capacityKwhTh) / 2;
    for (let h = 1; h <= 48; h++) {
      sim.stepTo(DAY + h * 60 * MIN);
      const s = sim.state().assets[0];
      if (s?.kind !== 'heatStorage') throw new Error('no tank state');
      expect(Math.abs(s.storedKwhTh - mid)).toBeLessThan(0.05 * mid);
      // heater × COP covers demand and losses, so the coordinator's constant-draw forecast holds
      const heat = s.heaterKw * tankAsset.cop;
      expect(
        Math.abs(heat - s.heatDemandKwTh - (tankAsset.lossPctPerHour / 100) * s.storedKwhTh),
      ).toBeLessThan(0.1 * s.heatDemandKwTh + 5);
    }
  });
});

describe('the coordinator’s flexibility from the reported state is deliverable', () => {
  it('heater-off and battery responses as large as computeFlexibility allows are delivered', () => {
    const b = building('b-mixed', [batteryAsset, tankAsset]);
    const { sim, twin } = twins(b, 'residential');
    sim.stepTo(EVENT_MS);
    twin.stepTo(EVENT_MS);
    const n = 8;
    const flex = computeFlexibility({
      building: b,
      state: sim.state(),
      direction: 'PEAK_SHAVING',
      startMs: EVENT_MS,
      intervalMinutes: 15,
      intervals: n,
      baselineKw: constant(n, 300),
    });
    const assets = flex.resources.map((r) => ({
      assetId: r.assetId,
      action: r.action,
      kw: r.upperKw.map((u) => Math.round(Math.min(u, r.budgetKwh / (n * 0.25)) * 1000) / 1000),
    }));
    const asked = assets.reduce((s, a) => s + (a.kw[0] ?? 0), 0);
    expect(asked).toBeGreaterThan(100);
    sim.receive(command(b, { start: EVENT, assets }));
    const end = EVENT_MS + n * QUARTER;
    const withCommand = sim.stepTo(end);
    const without = twin.stepTo(end);
    withCommand.forEach((r, i) => {
      const delivered = (without[i]?.kw as number) - (r.kw as number);
      expect(delivered).toBeGreaterThan(0.93 * asked);
      expect(delivered).toBeLessThan(1.03 * asked);
    });
  });
});

describe('meter readings', () => {
  it('are quarter-hour aligned averages of the minute loads, skipping the quarter the run started in', () => {
    const start = at('2026-12-16T10:07:00+08:00');
    const sim = new BuildingSimulator(office, 'office', { seed: SEED, startMs: start });
    const minutes: { t: number; kw: number }[] = [];
    const readings: MeterReading[] = [];
    for (let t = start + MIN; t <= start + 2 * 60 * MIN; t += MIN) {
      readings.push(...sim.stepTo(t));
      minutes.push({ t: t - MIN, kw: sim.state().netLoadKw });
    }
    expect(readings.length).toBe(7);
    expect(readings[0]?.intervalStart).toBe(new Date(at('2026-12-16T10:15:00+08:00')).toISOString());
    for (const r of readings) {
      const from = Date.parse(r.intervalStart);
      expect(from % QUARTER).toBe(0);
      expect(r.intervalMinutes).toBe(15);
      const inside = minutes.filter((m) => m.t >= from && m.t < from + QUARTER);
      expect(inside.length).toBe(15);
      // minute states are rounded to 0.01 kW, readings too
      expect(Math.abs((r.kw as number) - inside.reduce((s, m) => s + m.kw, 0) / 15)).toBeLessThanOrEqual(
        0.011,
      );
    }
  });

  it('are the same however the clock is stepped, and for the same seed', () => {
    const a = new BuildingSimulator(office, 'office', { seed: SEED, startMs: DAY });
    const b = new BuildingSimulator(office, 'office', { seed: SEED, startMs: DAY });
    const other = new BuildingSimulator(office, 'office', { seed: SEED + 1, startMs: DAY });
    const one = a.stepTo(DAY + 86_400_000);
    const many: MeterReading[] = [];
    for (let t = DAY; t <= DAY + 86_400_000; t += 7 * MIN + 13_000) many.push(...b.stepTo(t));
    many.push(...b.stepTo(DAY + 86_400_000));
    expect(one.length).toBe(96);
    expect(many).toEqual(one);
    expect(other.stepTo(DAY + 86_400_000).map((r) => r.kw)).not.toEqual(one.map((r) => r.kw));
    expect(history(office, 'office', DAY, DAY + 86_400_000, SEED)).toEqual(one);
  });

  it('stepping backwards or by less than a minute does nothing', () => {
    const sim = new BuildingSimulator(office, 'office', { seed: SEED, startMs: DAY });
    expect(sim.stepTo(DAY - QUARTER)).toEqual([]);
    expect(sim.stepTo(DAY + 30_000)).toEqual([]);
    expect(sim.now).toBe(DAY);
  });
});

describe('state', () => {
  it('is a valid BuildingState with exactly the building’s assets', () => {
    const b = building('b-all', [
      batteryAsset,
      tankAsset,
      hvacAsset,
      { kind: 'pv', id: 'pv', kwp: 100, inverterKw: 90 },
      { kind: 'dcBus', id: 'bus', nominalVoltage: 750, bandPct: 5, flexKwPerPct: 3 },
      {
        kind: 'appliance',
        id: 'ev',
        applianceKind: 'evCharger',
        ratedKw: 60,
        curtailableShare: 1,
        maxCurtailMinutes: 60,
      },
    ]);
    const sim = new BuildingSimulator(b, 'dcOffice', {
      seed: SEED,
      startMs: at('2026-12-16T11:00:00+08:00'),
    });
    const state = BuildingState.parse(sim.state());
    expect(state.at).toBe(new Date(at('2026-12-16T11:00:00+08:00')).toISOString());
    expect(state.assets.map((a) => a.assetId)).toEqual(b.assets.map((a) => a.id));
    const pv = state.assets.find((a) => a.kind === 'pv');
    expect(pv?.kind === 'pv' && pv.outputKw).toBeGreaterThan(0);
    const ev = state.assets.find((a) => a.assetId === 'ev');
    // commuters leave at 18:00
    expect(ev?.kind === 'appliance' && ev.minutesToDeparture).toBe(7 * 60);
  });

  it('honours initial levels', () => {
    const sim = new BuildingSimulator(homes, 'residential', {
      seed: SEED,
      startMs: DAY,
      initial: { storedKwhTh: { tank: 2_500 } },
    });
    const tank = sim.state().assets[0];
    expect(tank?.kind === 'heatStorage' && tank.storedKwhTh).toBe(2_500);
  });
});

describe('answer', () => {
  it('is deterministic per command id and declines at about the given rate, with a reason', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `cmd-${i.toString(16).padStart(8, '0')}`);
    for (const p of [0, 0.1, 0.3, 1]) {
      const answers = ids.map((id) => answer(id, 3, p));
      expect(ids.map((id) => answer(id, 3, p))).toEqual(answers);
      const declined = answers.filter((a) => a.status === 'DECLINED');
      expect(Math.abs(declined.length / ids.length - p)).toBeLessThan(0.03);
      for (const a of declined)
        expect(DECLINE_REASONS).toContain(a.status === 'DECLINED' ? a.reason : undefined);
    }
    const reasons = new Set(
      ids.map((id) => answer(id, 3, 1)).map((a) => (a.status === 'DECLINED' ? a.reason : '')),
    );
    expect(reasons.size).toBeGreaterThan(3);
    // another seed gives other answers
    const a = ids.map((id) => answer(id, 3, 0.5).status);
    const b = ids.map((id) => answer(id, 4, 0.5).status);
    expect(a).not.toEqual(b);
  });
});
