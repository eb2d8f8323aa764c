/**
 * Stored assets interval by interval and one timeline per asset (issue 13, items 2 and 3): every
 * expectation is computed by hand in the comment above it.
 */
import { describe, expect, it } from 'vitest';
import { computeFlexibility, type FlexibilityInput, type Reservation } from '../../lib/domain/flexibility.ts';
import { Building, type BuildingInput } from '../../lib/domain/model/building.ts';
import type { Direction } from '../../lib/domain/model/common.ts';
import type { AssetState } from '../../lib/domain/model/telemetry.ts';
import { buildingInput } from '../support/fixtures.ts';

const at = (hhmm: string) => Date.parse(`2026-01-15T${hhmm}:00+08:00`);

const battery = {
  kind: 'battery' as const,
  id: 'bat',
  capacityKwh: 200,
  maxChargeKw: 100,
  maxDischargeKw: 100,
  socMin: 0.1,
  socMax: 0.9,
  chargeEfficiency: 0.95,
  dischargeEfficiency: 0.95,
};

const building = (assets: BuildingInput['assets']) =>
  Building.parse(buildingInput({ gridLimits: { importKw: 1000, exportKw: 1000 }, assets }));

/** Flexibility of one hour in four quarter-hours from `start`, the state reported at `reported`. */
function hour(
  b: Building,
  start: string,
  opts: { reported: string; assets: AssetState[]; reservations?: Reservation[]; direction?: Direction },
) {
  const input: FlexibilityInput = {
    building: b,
    state: {
      buildingId: b.buildingId,
      at: new Date(at(opts.reported)).toISOString(),
      netLoadKw: 300,
      assets: opts.assets,
    },
    direction: opts.direction ?? 'PEAK_SHAVING',
    startMs: at(start),
    intervalMinutes: 15,
    intervals: 4,
    baselineKw: [300, 300, 300, 300],
    reservations: opts.reservations ?? [],
  };
  const r = computeFlexibility(input).resources[0];
  if (!r) throw new Error('no resource');
  return r;
}

/** Another event's hold on the battery: `kw` per interval of `minutes` from `start`. */
function held(
  eventId: string,
  start: string,
  minutes: number,
  kw: number[],
  direction: Direction = 'PEAK_SHAVING',
) {
  return {
    eventId,
    assetId: 'bat',
    direction,
    startMs: at(start),
    intervalMinutes: minutes,
    kw,
    kwh: (kw.reduce((s, v) => s + v, 0) * minutes) / 60,
  };
}

const round = (xs: readonly number[] | undefined) => xs?.map((v) => Number(v.toFixed(6)));

describe('state of charge interval by interval', () => {
  it('lets a battery at its minimum that is charging 50 kW give only the charge it stops, quarter by quarter', () => {
    // E = Emin, charging 50 kW: each quarter-hour the baseline stores 0.95 × 50 × 0.25 = 11.875 kWh, of
    // which ηd × 11.875 = 11.28125 kWh of response can come back. The bound is 100 + 50 = 150 kW, but by
    // the end of quarter t at most 11.28125 × (t + 1) kWh: 45.125 kW on average, not 150 front-loaded.
    const r = hour(building([battery]), '18:00', {
      reported: '18:00',
      assets: [{ kind: 'battery', assetId: 'bat', soc: 0.1, powerKw: 50 }],
    });
    expect(r.upperKw).toEqual([150, 150, 150, 150]);
    expect(round(r.prefixKwh)).toEqual([11.28125, 22.5625, 33.84375, 45.125]);
    expect(r.budgetKwh).toBeCloseTo(45.125, 9);
  });

  it('stops the baseline charge where the battery is full and gives no credit for charge that cannot be stored', () => {
    // E = 175 of Emax 180, charging 50 kW: the first quarter stores only the 5 kWh that fit
    // (p = 5/(0.95 × 0.25) = 21.05 kW), then the baseline holds at 180. Up bound 100 + 21.05 in the first
    // quarter, 100 after; by the end of every quarter the baseline holds 180: ηd × (180 − 20) = 152 kWh.
    const r = hour(building([battery]), '18:00', {
      reported: '18:00',
      assets: [{ kind: 'battery', assetId: 'bat', soc: 0.875, powerKw: 50 }],
    });
    expect(round(r.upperKw)).toEqual([Number((100 + 5 / (0.95 * 0.25)).toFixed(6)), 100, 100, 100]);
    expect(round(r.prefixKwh)).toEqual([152, 152, 152, 152]);
  });

  it('runs the baseline from the report: a battery charging 20 kW since 13:00 holds more at 14:00', () => {
    // E = 20 (Emin) at 13:00, charging 20 kW: 20 + 0.95 × 20 × h. By 14:15 (h = 1.25) 43.75 kWh, so
    // ηd × 23.75 = 22.5625 kWh of response by then; each quarter adds 0.95 × 0.95 × 5 = 4.5125.
    const r = hour(building([battery]), '14:00', {
      reported: '13:00',
      assets: [{ kind: 'battery', assetId: 'bat', soc: 0.1, powerKw: 20 }],
    });
    expect(round(r.prefixKwh)).toEqual([22.5625, 27.075, 31.5875, 36.1]);
  });
});

describe('one timeline per asset', () => {
  // soc 0.6 idle: ηd × (120 − 20) = 95 kWh of discharge available whenever it is taken.
  const idle: AssetState[] = [{ kind: 'battery', assetId: 'bat', soc: 0.6, powerKw: 0 }];
  const b = building([battery]);

  it('keeps a later event’s energy until then (adjacent, 18–19 h planned after 19–20 h reserved 76 kWh)', () => {
    // 95 − 76 = 19 kWh: not 95, which would leave the 19–20 h event 57 kWh short.
    const r = hour(b, '18:00', {
      reported: '17:00',
      assets: idle,
      reservations: [held('late', '19:00', 60, [76])],
    });
    expect(round(r.prefixKwh)).toEqual([19, 19, 19, 19]);
    expect(r.budgetKwh).toBeCloseTo(19, 9);
    // the later event's kW are not in this window: the bound is untouched
    expect(r.upperKw).toEqual([100, 100, 100, 100]);
  });

  it('keeps a later event’s energy until then (separated, 14–15 h planned after 22–23 h reserved 76 kWh)', () => {
    const r = hour(b, '14:00', {
      reported: '13:00',
      assets: idle,
      reservations: [held('late', '22:00', 60, [76])],
    });
    expect(round(r.prefixKwh)).toEqual([19, 19, 19, 19]);
  });

  it('leaves less after an earlier event (adjacent, 19–20 h planned after 18–19 h reserved 4 × 20 kW)', () => {
    // 4 × 20 × 0.25 = 20 kWh already promised before the window: 95 − 20 = 75.
    const r = hour(b, '19:00', {
      reported: '17:00',
      assets: idle,
      reservations: [held('early', '18:00', 15, [20, 20, 20, 20])],
    });
    expect(round(r.prefixKwh)).toEqual([75, 75, 75, 75]);
  });

  it('leaves less after an earlier event (separated, 19–20 h planned after 14–15 h reserved 20 kWh)', () => {
    const r = hour(b, '19:00', {
      reported: '13:00',
      assets: idle,
      reservations: [held('early', '14:00', 15, [20, 20, 20, 20])],
    });
    expect(round(r.prefixKwh)).toEqual([75, 75, 75, 75]);
  });

  it('does not count an earlier event twice once a report after it shows its effect', () => {
    // reported at 15:00 with soc 0.5 (the 14–15 h discharge done): ηd × (100 − 20) = 76, nothing subtracted
    const r = hour(b, '19:00', {
      reported: '15:00',
      assets: [{ kind: 'battery', assetId: 'bat', soc: 0.5, powerKw: 0 }],
      reservations: [held('early', '14:00', 15, [20, 20, 20, 20])],
    });
    expect(round(r.prefixKwh)).toEqual([76, 76, 76, 76]);
  });

  it('counts the baseline charge between the events: 14–15 h after 19–20 h reserved 76, charging 20 kW since 13:00', () => {
    // E(τ) = 20 + 19·(τ − 13 h): by 15:00 58 kWh (ηd × 38 = 36.1); by 19:00 134 kWh, where the 19–20 h
    // event takes 76: ηd × 114 − 76 = 32.3 binds the total; by 20:00 153: 126.35 − 76 = 50.35 does not.
    // Quarter by quarter the window itself allows 22.5625, 27.075, 31.5875 (as above), then 32.3.
    const r = hour(b, '14:00', {
      reported: '13:00',
      assets: [{ kind: 'battery', assetId: 'bat', soc: 0.1, powerKw: 20 }],
      reservations: [held('late', '19:00', 60, [76])],
    });
    expect(round(r.prefixKwh)).toEqual([22.5625, 27.075, 31.5875, 32.3]);
  });

  it('redispatches the earlier event on top of what it and the later one hold', () => {
    // its own 4 × 10 kW (10 kWh) and the later 76: 95 − 10 − 76 = 9 more at most
    const r = hour(b, '18:00', {
      reported: '17:00',
      assets: idle,
      reservations: [held('early', '18:00', 15, [10, 10, 10, 10]), held('late', '19:00', 60, [76])],
    });
    expect(round(r.prefixKwh)).toEqual([9, 9, 9, 9]);
    // its own kW stay on the asset: 100 − 10
    expect(r.upperKw).toEqual([90, 90, 90, 90]);
  });

  it('redispatches the later event with nothing left once both hold all 95 kWh', () => {
    // earlier 4 × 19 kW = 19 kWh, its own 76 kWh: 95 − 19 − 76 = 0
    const r = hour(b, '19:00', {
      reported: '17:00',
      assets: idle,
      reservations: [held('early', '18:00', 15, [19, 19, 19, 19]), held('late', '19:00', 60, [76])],
    });
    expect(round(r.prefixKwh)).toEqual([0, 0, 0, 0]);
    expect(r.upperKw).toEqual([24, 24, 24, 24]);
  });

  it('does not credit an opposite-direction event, and does not let it take energy either', () => {
    // a valley charge 02–04 h promised 40 kWh into the battery: the 19–20 h discharge still counts on 95
    const r = hour(b, '19:00', {
      reported: '17:00',
      assets: idle,
      reservations: [held('valley', '02:00', 60, [20, 20], 'VALLEY_FILLING')],
    });
    expect(round(r.prefixKwh)).toEqual([95, 95, 95, 95]);
  });

  it('shares a tank’s stored heat the same way', () => {
    // balanced tank: heater 40 kW × COP 3 = 120 kWth demand, no loss, 300 kWth, minimum 60:
    // (300 − 60)/3 = 80 kWh of heater-off; the 17–18 h event took 40 × 1 h = 40: 40 left at 19 h.
    const tank = {
      kind: 'heatStorage' as const,
      id: 'bat',
      heaterKw: 40,
      cop: 3,
      capacityKwhTh: 600,
      minKwhTh: 60,
      lossPctPerHour: 0,
    };
    const r = hour(building([tank]), '19:00', {
      reported: '16:00',
      assets: [{ kind: 'heatStorage', assetId: 'bat', storedKwhTh: 300, heatDemandKwTh: 120, heaterKw: 40 }],
      reservations: [held('early', '17:00', 60, [40])],
    });
    expect(round(r.prefixKwh)).toEqual([40, 40, 40, 40]);
    expect(r.upperKw).toEqual([40, 40, 40, 40]);
  });
});

describe('one car, two events', () => {
  it('shares the car’s session: what one event defers, another cannot', () => {
    // A 7 kW car plugged in at 18:00, leaving at 21:00, needing 14 kWh: it charges 18–20 h. Alone, the
    // 19–20 h event could defer 7 (in window) + 7 × 1 h (after) − 7 (still needed at 19:00) = 7 kWh.
    // The 18–19 h event already deferred 4 × 7 kW = 7 kWh, which the last hour must make up: 0 left.
    const charger = {
      kind: 'appliance' as const,
      id: 'ev',
      applianceKind: 'evCharger' as const,
      ratedKw: 7,
      curtailableShare: 1,
      maxCurtailMinutes: 120,
    };
    const plugged: AssetState[] = [
      { kind: 'appliance', assetId: 'ev', on: true, kw: 7, minutesToDeparture: 180, energyNeededKwh: 14 },
    ];
    const alone = hour(building([charger]), '19:00', { reported: '18:00', assets: plugged });
    expect(alone.budgetKwh).toBeCloseTo(7, 9);
    const after = hour(building([charger]), '19:00', {
      reported: '18:00',
      assets: plugged,
      reservations: [{ ...held('early', '18:00', 15, [7, 7, 7, 7]), assetId: 'ev' }],
    });
    expect(after.budgetKwh).toBeCloseTo(0, 9);
  });
});
