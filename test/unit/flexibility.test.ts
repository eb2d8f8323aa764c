import { describe, expect, it } from 'vitest';
import { computeFlexibility, type FlexibilityInput, flexibilityCurve } from '../../lib/domain/flexibility.ts';
import { Building, type BuildingInput } from '../../lib/domain/model/building.ts';
import type { AssetState } from '../../lib/domain/model/telemetry.ts';
import { buildingInput } from '../support/fixtures.ts';

const START = Date.parse('2026-01-15T17:00:00+08:00');

function makeBuilding(assets: BuildingInput['assets'], limits = { importKw: 500, exportKw: 0 }) {
  return Building.parse(buildingInput({ gridLimits: limits, assets }));
}

function input(
  building: ReturnType<typeof makeBuilding>,
  over: Partial<FlexibilityInput> & { assets?: AssetState[] } = {},
): FlexibilityInput {
  const intervals = over.intervals ?? 8;
  return {
    building,
    state: { buildingId: 'b1', at: '2026-01-15T17:00:00+08:00', netLoadKw: 200, assets: over.assets ?? [] },
    direction: 'PEAK_SHAVING',
    startMs: START,
    intervalMinutes: 15,
    intervals,
    baselineKw: new Array(intervals).fill(200),
    ...over,
  };
}

const battery = {
  kind: 'battery' as const,
  id: 'bat',
  capacityKwh: 100,
  maxChargeKw: 40,
  maxDischargeKw: 50,
  socMin: 0.1,
  socMax: 0.9,
  chargeEfficiency: 0.95,
  dischargeEfficiency: 0.9,
};

describe('battery flexibility', () => {
  it('bounds discharge by power and by stored energy above the minimum, after discharge losses', () => {
    const b = makeBuilding([battery]);
    const f = computeFlexibility(
      input(b, { assets: [{ kind: 'battery', assetId: 'bat', soc: 0.5, powerKw: 0 }] }),
    );
    const r = f.resources[0];
    expect(r?.action).toBe('discharge');
    expect(r?.upperKw).toEqual(new Array(8).fill(50));
    // ηd·(E − Emin) = 0.9 × (50 − 10) = 36 kWh
    expect(r?.budgetKwh).toBeCloseTo(36, 9);
  });

  it('counts the charging it stops, at round-trip efficiency', () => {
    const b = makeBuilding([battery]);
    // 2 h window, charging at 10 kW: up bound 50 + 10; energy 0.9 × (40 + 0.95 × 10 × 2) = 53.1 kWh
    const f = computeFlexibility(
      input(b, { assets: [{ kind: 'battery', assetId: 'bat', soc: 0.5, powerKw: 10 }] }),
    );
    expect(f.resources[0]?.upperKw[0]).toBe(60);
    expect(f.resources[0]?.budgetKwh).toBeCloseTo(53.1, 9);
  });

  it('bounds charging in a valley by the room below the maximum, before charge losses', () => {
    const b = makeBuilding([battery]);
    const f = computeFlexibility(
      input(b, {
        direction: 'VALLEY_FILLING',
        assets: [{ kind: 'battery', assetId: 'bat', soc: 0.5, powerKw: 10 }],
      }),
    );
    const r = f.resources[0];
    expect(r?.action).toBe('charge');
    // 40 − 10 kW more; (90 − 50)/0.95 − 10 × 2 = 22.105… kWh
    expect(r?.upperKw[0]).toBe(30);
    expect(r?.budgetKwh).toBeCloseTo(40 / 0.95 - 20, 9);
  });
});

describe('heat storage flexibility', () => {
  const tank = {
    kind: 'heatStorage' as const,
    id: 'tank',
    heaterKw: 100,
    cop: 3,
    capacityKwhTh: 600,
    minKwhTh: 60,
    lossPctPerHour: 1,
  };
  const state: AssetState = {
    kind: 'heatStorage',
    assetId: 'tank',
    storedKwhTh: 300,
    heatDemandKwTh: 120,
    heaterKw: 40,
  };

  it('switches the heater off while the tank, losing 1 %/h, stays above its minimum', () => {
    const b = makeBuilding([tank]);
    const f = computeFlexibility(input(b, { intervals: 4, assets: [state] }));
    const r = f.resources[0];
    expect(r?.action).toBe('heaterOff');
    expect(r?.upperKw).toEqual([40, 40, 40, 40]);
    // Heater 40 kW × COP 3 = 120 kWth balances the load, so the level only loses 0.25 %/interval:
    // lowest level 300 × 0.9975⁴; budget (lowest − 60)/COP
    expect(r?.budgetKwh).toBeCloseTo((300 * 0.9975 ** 4 - 60) / 3, 9);
  });

  // A full 1,200 kWh_th tank losing 1 %/h holds with 1,200 × 0.01 × 0.25 h = 3 kWh_th per quarter-hour,
  // 3 / (COP 3 × 0.25 h) = 4 kW electric, whatever the heater reported drawing.
  const full = { ...tank, heaterKw: 60, capacityKwhTh: 1200, minKwhTh: 120 };

  it('bounds heater-off by the draw that serves losses when a full tank has no heat demand: 4 kW, not 60', () => {
    // Prepare: the heater reports 60 kW, the tank is full, no heat demand
    const b = makeBuilding([full]);
    const at = {
      kind: 'heatStorage' as const,
      assetId: 'tank',
      storedKwhTh: 1200,
      heatDemandKwTh: 0,
      heaterKw: 60,
    };
    // Act
    const f = computeFlexibility(input(b, { intervals: 4, assets: [at] }));
    // Assess: 4 kW in every quarter-hour; the tank stays full, so the budget is (1200 − 120)/3 = 360 kWh
    const r = f.resources[0];
    expect(r?.upperKw.map((kw) => Number(kw.toFixed(9)))).toEqual([4, 4, 4, 4]);
    expect(r?.budgetKwh).toBeCloseTo(360, 9);
  });

  it('bounds heater-off by demand and losses over COP when a full tank serves a heat load', () => {
    // Prepare: full tank, 90 kW_th demand, the heater reports 60 kW
    const b = makeBuilding([full]);
    const at = {
      kind: 'heatStorage' as const,
      assetId: 'tank',
      storedKwhTh: 1200,
      heatDemandKwTh: 90,
      heaterKw: 60,
    };
    // Act
    const f = computeFlexibility(input(b, { intervals: 4, assets: [at] }));
    // Assess: (90 kW_th demand + 12 kW_th losses) / COP 3 = 34 kW
    expect(f.resources[0]?.upperKw.map((kw) => Number(kw.toFixed(9)))).toEqual([34, 34, 34, 34]);
  });

  it('bounds heater-off by the draw that fills the tank, then by the one that holds it full', () => {
    // Prepare: 1,170 kWh_th stored, no demand, the heater reports 60 kW
    const b = makeBuilding([full]);
    const at = {
      kind: 'heatStorage' as const,
      assetId: 'tank',
      storedKwhTh: 1170,
      heatDemandKwTh: 0,
      heaterKw: 60,
    };
    // Act
    const f = computeFlexibility(input(b, { intervals: 4, assets: [at] }));
    // Assess: first quarter-hour, the tank keeps 1170 × 0.9975 = 1167.075 and has room for 32.925 kWh_th,
    // 32.925 / (3 × 0.25) = 43.9 kW; then it is full and holds with 4 kW. In the valley the heater could
    // add nothing above the 60 kW it reports (a tank another event left lower would draw all 60), and
    // the full tank takes nothing anyway: bound 60 − 60, budget 0.
    expect(f.resources[0]?.upperKw.map((kw) => Number(kw.toFixed(9)))).toEqual([43.9, 4, 4, 4]);
    const down = computeFlexibility(input(b, { direction: 'VALLEY_FILLING', intervals: 4, assets: [at] }));
    expect(down.resources[0]?.upperKw).toEqual([0, 0, 0, 0]);
    expect(down.resources[0]?.budgetKwh).toBeCloseTo(0, 9);
  });

  it('charges in the valley until the tank is full, counting the heat pump COP', () => {
    const b = makeBuilding([tank]);
    const f = computeFlexibility(input(b, { direction: 'VALLEY_FILLING', intervals: 4, assets: [state] }));
    const r = f.resources[0];
    expect(r?.action).toBe('heatCharge');
    // 100 kW less what the heater may be drawing anyway: 40 kW reported, or, left at its 60 kWth minimum
    // by another event, what holds it there against 120 kWth of demand and 1 %/h: (120 + 0.6)/3 = 40.2
    expect(r?.upperKw[0]).toBeCloseTo(59.8, 9);
    // room at the end of each quarter-hour, the idle tank losing 1 %/h: (600 − 300 × 0.9975^(t+1))/3 kWh
    // electric: 100.25, 100.499…, 100.748…, 100.996…; every prefix of the charge must fit its own
    expect(r?.prefixKwh?.[0]).toBeCloseTo((600 - 300 * 0.9975) / 3, 9);
    expect(r?.budgetKwh).toBeCloseTo((600 - 300 * 0.9975 ** 4) / 3, 9);
  });
});

// Appliances and EV chargers: flexibility-appliances.test.ts.

describe('building limits', () => {
  it('lets peak shaving go down to the export limit and valley filling up to the import limit', () => {
    const b = makeBuilding([], { importKw: 100, exportKw: 30 });
    const up = computeFlexibility({ ...input(b, { intervals: 3 }), baselineKw: [50, 20, -10] });
    const down = computeFlexibility({
      ...input(b, { intervals: 3, direction: 'VALLEY_FILLING' }),
      baselineKw: [50, 20, -10],
    });
    expect(up.limitKw).toEqual([80, 50, 20]);
    expect(down.limitKw).toEqual([50, 80, 110]);
  });
});

describe('reservations of overlapping events', () => {
  it('subtract their kW from bound and grid headroom, and their kWh from the budget', () => {
    const b = makeBuilding([battery], { importKw: 500, exportKw: 0 });
    const f = computeFlexibility(
      input(b, {
        intervals: 4,
        assets: [{ kind: 'battery', assetId: 'bat', soc: 0.5, powerKw: 0 }],
        // another event held 20 kW in our first two 15-min intervals (one 30-min interval) and 10 kWh
        reservations: [
          {
            eventId: 'e0',
            assetId: 'bat',
            direction: 'PEAK_SHAVING',
            startMs: START,
            intervalMinutes: 30,
            kw: [20],
            kwh: 10,
          },
        ],
      }),
    );
    expect(f.resources[0]?.upperKw).toEqual([30, 30, 50, 50]);
    expect(f.resources[0]?.budgetKwh).toBeCloseTo(36 - 10, 9);
    expect(f.limitKw).toEqual([180, 180, 200, 200]);
  });
});

describe('flexibility curve', () => {
  it('caps each interval by energy budget and grid limit', () => {
    const b = makeBuilding([battery], { importKw: 500, exportKw: 0 });
    const f = computeFlexibility(
      input(b, {
        intervals: 4,
        baselineKw: [200, 200, 200, 20],
        assets: [{ kind: 'battery', assetId: 'bat', soc: 0.2, powerKw: 0 }],
      }),
    );
    // budget 0.9 × (20 − 10) = 9 kWh → at most 36 kW in one 15-min interval; last interval capped by its 20 kW load (no export allowed)
    const c = flexibilityCurve(f, 15);
    expect(c.kw.map((v) => Number(v.toFixed(9)))).toEqual([36, 36, 36, 20]);
    expect(c.energyKwh).toBeCloseTo(9, 9);
  });
});
