import { describe, expect, it } from 'vitest';
import { BuildingSimulator } from '../../../infra/local/sim/building-sim.ts';
import { DEMO_PROFILES, DEMO_PROGRAM, demoBuildings, demoFleet } from '../../../infra/local/sim/fleet.ts';
import { LOAD_KINDS } from '../../../infra/local/sim/loads.ts';
import { Building, Park } from '../../../lib/domain/model/building.ts';
import { Program } from '../../../lib/domain/model/program.ts';
import { BuildingState } from '../../../lib/domain/model/telemetry.ts';
import { at } from './helpers.ts';

const { parks, buildings } = demoFleet();
const parsed = demoBuildings();
const inPark = (parkId: string) => parsed.filter((b) => b.parkId === parkId);

describe('demo fleet', () => {
  it('parses: every park and building, the program with its default adjustment', () => {
    for (const p of parks) expect(() => Park.parse(p)).not.toThrow();
    for (const b of buildings) expect(() => Building.parse(b)).not.toThrow();
    const program = Program.parse(DEMO_PROGRAM);
    expect(program.baseline).toMatchObject({
      method: 'N_DAY_AVERAGE',
      days: 5,
      dayFilter: 'WORKDAY',
      lookbackDays: 30,
    });
    expect(program.baseline.method === 'N_DAY_AVERAGE' && program.baseline.adjustment).toMatchObject({
      kind: 'MULTIPLICATIVE',
      capLow: 0.8,
      capHigh: 1.2,
    });
  });

  it('has about 20 buildings in Jinqiao over several feeders, and 3 in Baotou, all in 蒙西', () => {
    expect(parks.map((p) => p.parkId).sort()).toEqual(['baotou-rare-earth', 'hohhot-jinqiao']);
    expect(inPark('hohhot-jinqiao').length).toBeGreaterThanOrEqual(18);
    expect(inPark('hohhot-jinqiao').length).toBeLessThanOrEqual(22);
    expect(inPark('baotou-rare-earth').length).toBe(3);
    expect(new Set(inPark('hohhot-jinqiao').map((b) => b.feederId)).size).toBeGreaterThanOrEqual(2);
    expect(new Set(parsed.map((b) => b.buildingId)).size).toBe(parsed.length);
    for (const b of parsed) {
      expect(b.zone).toBe('mengxi');
      expect(b.bmsIntegrationId).toBe('sim');
      expect(LOAD_KINDS).toContain(DEMO_PROFILES[b.buildingId]);
    }
  });

  it('mixes the asset types: PV with batteries, heat storage by boiler and heat pump, a DC bus, EV chargers, HVAC', () => {
    const assets = parsed.flatMap((b) => b.assets);
    const tanks = assets.filter((a) => a.kind === 'heatStorage');
    expect(tanks.some((t) => t.cop === 1)).toBe(true);
    expect(tanks.some((t) => t.cop >= 2)).toBe(true);
    const dc = parsed.find((b) => b.assets.some((a) => a.kind === 'dcBus'));
    expect(dc?.assets.map((a) => a.kind)).toEqual(
      expect.arrayContaining(['pv', 'battery', 'dcBus', 'appliance']),
    );
    expect(
      assets.some((a) => a.kind === 'appliance' && a.applianceKind === 'evCharger' && a.curtailableShare > 0),
    ).toBe(true);
    expect(assets.some((a) => a.kind === 'appliance' && a.applianceKind === 'hvac')).toBe(true);
    // a tank holds about a night of valley charging at full heater output
    for (const t of tanks) expect(t.capacityKwhTh / (t.heaterKw * t.cop)).toBeGreaterThanOrEqual(6);
  });

  it('exports only where there is big PV', () => {
    for (const b of parsed) {
      if (b.gridLimits.exportKw === 0) continue;
      const kwp = b.assets.reduce((s, a) => s + (a.kind === 'pv' ? a.kwp : 0), 0);
      expect(kwp).toBeGreaterThan(b.gridLimits.exportKw);
    }
  });

  it('stays within every import limit on a cold January working day and a hot July one, with valid states', () => {
    for (const day of ['2026-01-14', '2026-07-22']) {
      const start = at(`${day}T00:00:00+08:00`);
      for (const b of parsed) {
        const sim = new BuildingSimulator(b, DEMO_PROFILES[b.buildingId] ?? 'office', {
          seed: 3,
          startMs: start,
        });
        const readings = sim.stepTo(start + 86_400_000);
        const peak = Math.max(...readings.map((r) => r.kw as number));
        expect(peak, `${b.buildingId} on ${day}`).toBeLessThan(b.gridLimits.importKw);
        // connections are not absurdly oversized for the winter load
        if (day.startsWith('2026-01'))
          expect(peak, b.buildingId).toBeGreaterThan(0.15 * b.gridLimits.importKw);
        expect(Math.min(...readings.map((r) => r.kw as number))).toBeGreaterThanOrEqual(
          -b.gridLimits.exportKw,
        );
        expect(() => BuildingState.parse(sim.state())).not.toThrow();
      }
    }
  });
});
