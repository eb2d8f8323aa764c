import { describe, expect, it } from 'vitest';
import { allocate } from '../../lib/domain/allocation.ts';
import {
  computeFlexibility,
  type FlexibilityInput,
  toAllocationBuilding,
} from '../../lib/domain/flexibility.ts';
import { Building } from '../../lib/domain/model/building.ts';
import type { Direction } from '../../lib/domain/model/common.ts';
import { ZoneTariff } from '../../lib/domain/model/tariff.ts';
import { MENGXI_TARIFF } from '../../lib/domain/model/tariff-presets.ts';
import { windowPriceByZone } from '../../lib/domain/tariff.ts';
import { buildingInput } from '../support/fixtures.ts';

/** 23:00–00:00 on a heating-season night: all valley in 蒙西 (0.165 ¥/kWh). */
const START = Date.parse('2026-01-15T23:00:00+08:00');
const END = START + 3_600_000;
const INTERVALS = 4;

/** A zone like 蒙西 but whose night costs 0.30 ¥/kWh. */
const PRICEY = ZoneTariff.parse({
  zone: 'pricey',
  name: 'Pricey nights',
  seasons: [
    {
      name: 'all-year',
      from: '01-01',
      to: '12-31',
      periods: [
        { kind: 'PEAK', from: '08:00', to: '18:00', yuanPerKwh: 0.5 },
        { kind: 'VALLEY', from: '18:00', to: '08:00', yuanPerKwh: 0.3 },
      ],
      source: 'test',
    },
  ],
});

/** A building with a 100 kW resistive heater charging a 1,000 kWh_th tank that holds 200. */
function tankBuilding(buildingId: string, zone: string) {
  return Building.parse(
    buildingInput({
      buildingId,
      zone,
      assets: [
        {
          kind: 'heatStorage',
          id: 'tank',
          heaterKw: 100,
          cop: 1,
          capacityKwhTh: 1000,
          minKwhTh: 0,
          lossPctPerHour: 0,
          costYuanPerKwh: 0.02,
        },
      ],
    }),
  );
}

function flexibility(
  building: Building,
  direction: Direction,
  energyPriceYuanPerKwh: number | undefined,
): ReturnType<typeof computeFlexibility> {
  const input: FlexibilityInput = {
    building,
    state: {
      buildingId: building.buildingId,
      at: '2026-01-15T22:55:00+08:00',
      netLoadKw: 100,
      assets: [{ kind: 'heatStorage', assetId: 'tank', storedKwhTh: 200, heaterKw: 0, heatDemandKwTh: 0 }],
    },
    direction,
    startMs: START,
    intervalMinutes: 15,
    intervals: INTERVALS,
    baselineKw: new Array(INTERVALS).fill(100),
    energyPriceYuanPerKwh,
  };
  return computeFlexibility(input);
}

/** kW the allocator gives each building in the first interval (one resource per building). */
function firstIntervalKw(buildings: Building[], prices: (zone: string) => number | undefined) {
  const flex = buildings.map((b) => flexibility(b, 'VALLEY_FILLING', prices(b.zone)));
  const allocation = allocate({
    intervalHours: 0.25,
    targetsKw: new Array(INTERVALS).fill(50),
    shortfallPenaltyYuanPerKwh: 100,
    buildings: flex.map((f) => toAllocationBuilding(f)),
  });
  return {
    kw: buildings.map((_, b) => allocation.kw[(allocation.resourceOffset[b] as number) * INTERVALS]),
    costYuan: allocation.costYuan,
  };
}

describe('valley energy price in planning', () => {
  it('adds the zone’s mean window price to what valley-filling response costs', () => {
    // Prepare
    const price = windowPriceByZone([MENGXI_TARIFF], START, END)('mengxi');

    // Act
    const flex = flexibility(tankBuilding('b1', 'mengxi'), 'VALLEY_FILLING', price);

    // Assess: the tank's own 0.02 plus the valley price 0.165 = 0.185 ¥/kWh
    expect(flex.resources[0]?.action).toBe('heatCharge');
    expect(flex.resources[0]?.costYuanPerKwh).toBeCloseTo(0.185, 12);
  });

  it('leaves peak shaving alone (a reduction buys nothing)', () => {
    // Act
    const flex = flexibility(tankBuilding('b1', 'mengxi'), 'PEAK_SHAVING', 0.165);

    // Assess
    expect(flex.resources[0]?.costYuanPerKwh).toBe(0.02);
  });

  it('makes the allocator prefer the building in the zone whose night is cheaper', () => {
    // Prepare: identical tanks; the one in the pricey zone comes first, so without prices the
    // allocator's tie-break (input order) would give it the whole 50 kW target
    const buildings = [tankBuilding('a-pricey', 'pricey'), tankBuilding('b-mengxi', 'mengxi')];
    const prices = windowPriceByZone([MENGXI_TARIFF, PRICEY], START, END);

    // Act
    const without = firstIntervalKw(buildings, () => undefined);
    const withPrices = firstIntervalKw(buildings, prices);

    // Assess: without prices the first building takes it all; with them 蒙西 (0.165 < 0.30) does.
    // The cost is 50 kW × 1 h = 50 kWh at 0.02 + 0.165 = 0.185 ¥/kWh: ¥9.25.
    expect(without.kw).toEqual([50, 0]);
    expect(withPrices.kw).toEqual([0, 50]);
    expect(withPrices.costYuan).toBeCloseTo(9.25, 9);
  });
});
