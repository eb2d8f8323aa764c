/**
 * A seeded synthetic fleet for benchmarks: office, residential, DC-bus and car-park buildings with
 * the assets of DESIGN §3, states and baselines, shaped so that energy budgets and grid limits bind.
 */

import { mulberry32 } from '../infra/local/sim/random.ts';
import { type BuildingFlexibility, computeFlexibility } from '../lib/domain/flexibility.ts';
import { Building } from '../lib/domain/model/building.ts';
import type { Direction } from '../lib/domain/model/common.ts';
import type { AssetState, BuildingState } from '../lib/domain/model/telemetry.ts';

export interface FleetMember {
  building: Building;
  state: BuildingState;
  baselineKw: number[];
}

const ARCHETYPES = ['office', 'residential', 'dcOffice', 'carPark'] as const;

/** `count` buildings with `intervals` baseline values each, reproducible from `seed`. */
export function makeFleet(seed: number, count: number, intervals: number): FleetMember[] {
  const rand = mulberry32(seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const fleet: FleetMember[] = [];
  for (let i = 0; i < count; i++) {
    const kind = ARCHETYPES[Math.floor(rand() * ARCHETYPES.length)] ?? 'office';
    const size = between(0.5, 3);
    const loadKw = 150 * size;
    const assets: unknown[] = [];
    const states: AssetState[] = [];
    if (kind === 'office' || kind === 'dcOffice') {
      const kwh = Math.round(200 * size);
      assets.push({
        kind: 'battery',
        id: 'bat',
        capacityKwh: kwh,
        maxChargeKw: kwh / 2,
        maxDischargeKw: kwh / 2,
        socMin: 0.1,
        socMax: 0.95,
        cycleCostYuanPerKwh: Math.round(between(0.05, 0.3) * 100) / 100,
      });
      states.push({ kind: 'battery', assetId: 'bat', soc: between(0.3, 0.9), powerKw: 0 });
      assets.push({
        kind: 'appliance',
        id: 'hvac',
        applianceKind: 'hvac',
        ratedKw: Math.round(80 * size),
        curtailableShare: 0.3,
        maxCurtailMinutes: 60,
        reboundShare: 0.3,
        comfortCostYuanPerKwh: Math.round(between(0.2, 0.8) * 100) / 100,
      });
    }
    if (kind === 'dcOffice') {
      assets.push({
        kind: 'dcBus',
        id: 'bus',
        nominalVoltage: 750,
        bandPct: 5,
        flexKwPerPct: Math.round(3 * size),
        costYuanPerKwh: 0.03,
      });
      assets.push({ kind: 'pv', id: 'pv', kwp: Math.round(100 * size), inverterKw: Math.round(90 * size) });
    }
    if (kind === 'residential') {
      const heater = Math.round(120 * size);
      assets.push({
        kind: 'heatStorage',
        id: 'tank',
        heaterKw: heater,
        cop: Math.round(between(1, 3.5) * 10) / 10,
        capacityKwhTh: heater * 6,
        minKwhTh: heater * 0.6,
        lossPctPerHour: 0.8,
        costYuanPerKwh: 0.02,
      });
      states.push({
        kind: 'heatStorage',
        assetId: 'tank',
        storedKwhTh: heater * between(1.5, 5),
        heatDemandKwTh: heater * 0.8,
        heaterKw: heater * between(0.2, 0.6),
      });
    }
    if (kind === 'carPark') {
      assets.push({
        kind: 'appliance',
        id: 'ev',
        applianceKind: 'evCharger',
        ratedKw: Math.round(120 * size),
        curtailableShare: 1,
        maxCurtailMinutes: 90,
        comfortCostYuanPerKwh: Math.round(between(0.1, 0.5) * 100) / 100,
      });
    }
    const building = Building.parse({
      buildingId: `b${String(i).padStart(6, '0')}`,
      parkId: `park${String(Math.floor(i / 20)).padStart(5, '0')}`,
      name: `${kind} ${i}`,
      zone: 'mengxi',
      feederId: `feeder${Math.floor(i / 200)}`,
      bmsIntegrationId: `bms${i % 7}`,
      gridLimits: {
        importKw: Math.round(loadKw * 1.6),
        exportKw: kind === 'dcOffice' ? Math.round(loadKw * 0.2) : 0,
      },
      assets,
      reliability: Math.round(between(0.7, 1) * 100) / 100,
    });
    const phase = rand() * Math.PI;
    const baselineKw = Array.from(
      { length: intervals },
      (_, t) =>
        Math.round(loadKw * (0.75 + 0.25 * Math.sin(phase + (t / Math.max(1, intervals)) * Math.PI)) * 10) /
        10,
    );
    fleet.push({
      building,
      state: {
        buildingId: building.buildingId,
        at: '2026-01-15T16:55:00+08:00',
        netLoadKw: baselineKw[0] ?? 0,
        assets: states,
      },
      baselineKw,
    });
  }
  return fleet;
}

/** Flexibility of the whole fleet for one event. */
export function fleetFlexibility(
  fleet: readonly FleetMember[],
  direction: Direction,
  startMs: number,
  intervals: number,
): BuildingFlexibility[] {
  return fleet.map((m) =>
    computeFlexibility({
      building: m.building,
      state: m.state,
      direction,
      startMs,
      intervalMinutes: 15,
      intervals,
      baselineKw: m.baselineKw,
    }),
  );
}
