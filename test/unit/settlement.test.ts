import { describe, expect, it } from 'vitest';
import type { Direction } from '../../lib/domain/model/common.ts';
import { SettlementRules } from '../../lib/domain/model/program.ts';
import {
  type BuildingSettlement,
  roundYuan,
  type SettlementInput,
  settleBuilding,
  settlePark,
} from '../../lib/domain/settlement.ts';
import { peakInput, perKwh, sichuan, validationMessage } from '../support/settlement-inputs.ts';

describe('settleBuilding: thresholds and cap', () => {
  it('pays nothing below the 0.8 threshold', () => {
    // Prepare: ΔP = 70 kW against P_d = 100 kW
    const input = peakInput([70, 70, 70, 70]);

    // Act
    const s = settleBuilding(input);

    // Assess: r = 70 / 100 = 0.7 < 0.8
    expect(s.declaredKw).toBe(100);
    expect(s.deliveredKw).toBe(70);
    expect(s.ratio).toBe(0.7);
    expect(s.paidKw).toBe(0);
    expect(s.paymentYuan).toBe(0);
    expect(s.netYuan).toBe(0);
    // deliveredKwh = 4 × 70 kW × 0.25 h = 70 kWh, reported even when unpaid
    expect(s.deliveredKwh).toBe(70);
    expect(s.durationHours).toBe(1);
  });

  it('pays ΔP between 0.8 and 1.2, with P_d the mean of a varying commitment', () => {
    // Prepare: declared [120, 120, 80, 80] → P_d = 400 / 4 = 100; delivered [90, 95, 100, 95] → ΔP = 380 / 4 = 95
    const input = peakInput([90, 95, 100, 95], { declaredKw: [120, 120, 80, 80] });

    // Act
    const s = settleBuilding(input);

    // Assess: r = 95 / 100 = 0.95; payment = 2 ¥/kWh × 95 kW × 1 h = 190 ¥
    expect(s.declaredKw).toBe(100);
    expect(s.deliveredKw).toBe(95);
    expect(s.ratio).toBe(0.95);
    expect(s.paidKw).toBe(95);
    expect(s.paymentYuan).toBe(190);
    expect(s.penaltyYuan).toBe(0);
    expect(s.netYuan).toBe(190);
    expect(s.intervals[2]).toEqual({ baselineKw: 500, actualKw: 400, deliveredKw: 100, declaredKw: 80 });
  });

  it('pays exactly at the 0.8 threshold', () => {
    // Prepare: ΔP = 80 kW, P_d = 100 kW
    const input = peakInput([80, 80, 80, 80]);

    // Act
    const s = settleBuilding(input);

    // Assess: r = 0.8 reaches the threshold; payment = 2 × 80 × 1 = 160 ¥
    expect(s.ratio).toBe(0.8);
    expect(s.paymentYuan).toBe(160);
  });

  it('does not refuse a delivery at the threshold because of floating-point noise', () => {
    // Prepare: 0.3 − 0.1 is 0.19999999999999998 in binary, so r = 0.2 / 0.25 lands a hair under 0.8
    const input = peakInput([0], {
      intervalMinutes: 60,
      declaredKw: [0.25],
      baselineKw: [0.3],
      actualKw: [0.1],
    });

    // Act
    const s = settleBuilding(input);

    // Assess: paid as 0.8; payment = 2 × 0.2 × 1 h = 0.40 ¥
    expect(s.ratio).toBeCloseTo(0.8, 12);
    expect(s.ratio).toBeLessThan(0.8);
    expect(s.paymentYuan).toBe(0.4);
  });

  it('caps the paid quantity at 1.2 × P_d', () => {
    // Prepare: ΔP = 150 kW, P_d = 100 kW
    const input = peakInput([150, 150, 150, 150]);

    // Act
    const s = settleBuilding(input);

    // Assess: r = 1.5; q = min(150, 1.2 × 100) = 120; payment = 2 × 120 × 1 = 240 ¥
    expect(s.ratio).toBe(1.5);
    expect(s.cappedKw).toBe(120);
    expect(s.paidKw).toBe(120);
    expect(s.paymentYuan).toBe(240);
    expect(s.deliveredKw).toBe(150);
  });
});

describe('settleBuilding: direction', () => {
  const valley = (direction: Direction): SettlementInput => ({
    buildingId: 'b1',
    parkId: 'p1',
    direction,
    rules: SettlementRules.parse({ unit: 'YUAN_PER_KWH', price: 0.35 }),
    intervalMinutes: 15,
    // 8 × 15 min = 2 h; the building raises its import from 200 to 300 kW
    declaredKw: Array(8).fill(100),
    baselineKw: Array(8).fill(200),
    actualKw: Array(8).fill(300),
  });

  it('counts L − B as delivered for valley filling', () => {
    // Prepare
    const input = valley('VALLEY_FILLING');

    // Act
    const s = settleBuilding(input);

    // Assess: delivered = 300 − 200 = 100 kW; r = 1; payment = 0.35 × 100 × 2 h = 70 ¥
    expect(s.intervals[0]?.deliveredKw).toBe(100);
    expect(s.deliveredKw).toBe(100);
    expect(s.ratio).toBe(1);
    expect(s.durationHours).toBe(2);
    expect(s.deliveredKwh).toBe(200);
    expect(s.paymentYuan).toBe(70);
  });

  it('counts the same readings as negative delivery for peak shaving and pays nothing', () => {
    // Prepare
    const input = valley('PEAK_SHAVING');

    // Act
    const s = settleBuilding(input);

    // Assess: delivered = 200 − 300 = −100 kW; r = −1
    expect(s.deliveredKw).toBe(-100);
    expect(s.ratio).toBe(-1);
    expect(s.deliveredKwh).toBe(-200);
    expect(s.paidKw).toBe(0);
    expect(s.paymentYuan).toBe(0);
  });
});

describe('settleBuilding: price units', () => {
  const perKw = SettlementRules.parse({ unit: 'YUAN_PER_KW', price: 30 });

  it('pays ¥/kW per response regardless of the duration', () => {
    // Prepare: ΔP = P_d = 100 kW over 1 h and over 2 h
    const oneHour = peakInput([100, 100, 100, 100], { rules: perKw });
    const twoHours = peakInput(Array(8).fill(100), { rules: perKw });

    // Act
    const short = settleBuilding(oneHour);
    const long = settleBuilding(twoHours);

    // Assess: payment = 30 ¥/kW × 100 kW = 3000 ¥ in both
    expect(short.paymentYuan).toBe(3000);
    expect(long.paymentYuan).toBe(3000);
  });

  it('pays ¥/kWh times the duration in hours', () => {
    // Prepare: three 30-minute intervals = 1.5 h, ΔP = P_d = 100 kW
    const input = peakInput([100, 100, 100], { intervalMinutes: 30 });

    // Act
    const s = settleBuilding(input);

    // Assess: payment = 2 ¥/kWh × 100 kW × 1.5 h = 300 ¥
    expect(s.durationHours).toBe(1.5);
    expect(s.deliveredKwh).toBe(150);
    expect(s.paymentYuan).toBe(300);
  });

  it('rounds money to 0.01 ¥ only at the end, half away from zero', () => {
    // Prepare: 蒙西 heating peak tariff 0.465 ¥/kWh, ΔP = 97 kW over 1 h
    const input = peakInput([97, 97, 97, 97], {
      rules: SettlementRules.parse({ unit: 'YUAN_PER_KWH', price: 0.465 }),
    });

    // Act
    const s = settleBuilding(input);

    // Assess: 0.465 × 97 × 1 = 45.105 → 45.11
    expect(s.exact.paymentYuan).toBeCloseTo(45.105, 9);
    expect(s.paymentYuan).toBe(45.11);
  });
});

describe('settleBuilding: Sichuan penalty and excess', () => {
  it('pays the excess above 1.1 × P_d at half', () => {
    // Prepare: ΔP = 120 kW, P_d = 100 kW
    const input = peakInput([120, 120, 120, 120], { rules: sichuan });

    // Act
    const s = settleBuilding(input);

    // Assess: capped = min(120, 1.2 × 100) = 120; q = 110 + 0.5 × (120 − 110) = 115;
    // payment = 3 × 115 × 1 h = 345 ¥
    expect(s.cappedKw).toBe(120);
    expect(s.paidKw).toBe(115);
    expect(s.paymentYuan).toBe(345);
    expect(s.penaltyYuan).toBe(0);
  });

  it('caps before halving the excess', () => {
    // Prepare: ΔP = 150 kW, P_d = 100 kW
    const input = peakInput([150, 150, 150, 150], { rules: sichuan });

    // Act
    const s = settleBuilding(input);

    // Assess: capped = min(150, 120) = 120; q = 110 + 0.5 × (120 − 110) = 115
    expect(s.paidKw).toBe(115);
    expect(s.paymentYuan).toBe(345);
  });

  it('charges the penalty below 0.9 and pays nothing below 0.8', () => {
    // Prepare: ΔP = 70 kW, P_d = 100 kW
    const input = peakInput([70, 70, 70, 70], { rules: sichuan });

    // Act
    const s = settleBuilding(input);

    // Assess: shortfall = max(0.9 × 100 − 70, 0) = 20 kW; penalty = 20 × 1.1 × 3 × 1 h = 66 ¥
    expect(s.paymentYuan).toBe(0);
    expect(s.penaltyKw).toBe(20);
    expect(s.penaltyYuan).toBe(66);
    expect(s.netYuan).toBe(-66);
  });

  it('both pays and charges between 0.8 and 0.9', () => {
    // Prepare: ΔP = 85 kW, P_d = 100 kW
    const input = peakInput([85, 85, 85, 85], { rules: sichuan });

    // Act
    const s = settleBuilding(input);

    // Assess: payment = 3 × 85 × 1 = 255 ¥; penalty = (90 − 85) × 1.1 × 3 × 1 = 16.5 ¥;
    // net = 255 − 16.5 = 238.5 ¥
    expect(s.paymentYuan).toBe(255);
    expect(s.penaltyYuan).toBe(16.5);
    expect(s.netYuan).toBe(238.5);
  });

  it('floors the effective response at 0 when the building moved the wrong way', () => {
    // Prepare: ΔP = −20 kW, P_d = 100 kW
    const input = peakInput([-20, -20, -20, -20], { rules: sichuan });

    // Act
    const s = settleBuilding(input);

    // Assess: shortfall = 0.9 × 100 − max(−20, 0) = 90 kW; penalty = 90 × 1.1 × 3 = 297 ¥
    expect(s.deliveredKw).toBe(-20);
    expect(s.penaltyKw).toBe(90);
    expect(s.penaltyYuan).toBe(297);
    expect(s.netYuan).toBe(-297);
  });

  it('charges a per-kW penalty once per response', () => {
    // Prepare: ¥/kW rules, ΔP = 70 kW over 2 h
    const rules = SettlementRules.parse({ ...sichuan, unit: 'YUAN_PER_KW', price: 10 });
    const input = peakInput(Array(8).fill(70), { rules });

    // Act
    const s = settleBuilding(input);

    // Assess: penalty = (90 − 70) × 1.1 × 10 = 220 ¥, not multiplied by the 2 h
    expect(s.penaltyYuan).toBe(220);
  });
});

describe('settleBuilding: missing readings and no commitment', () => {
  it('counts a missing reading as 0 delivered and lists it', () => {
    // Prepare: P_d = 80 kW; readings [missing, 390, 400, 400] against a 500 kW baseline
    const input = peakInput([0, 0, 0, 0], {
      declaredKw: [80, 80, 80, 80],
      actualKw: [null, 390, 400, 400],
    });

    // Act
    const s = settleBuilding(input);

    // Assess: delivered [0, 110, 100, 100] → ΔP = 310 / 4 = 77.5; r = 77.5 / 80 = 0.96875;
    // payment = 2 × 77.5 × 1 = 155 ¥
    expect(s.missingIntervals).toEqual([0]);
    expect(s.intervals[0]).toEqual({ baselineKw: 500, actualKw: null, deliveredKw: 0, declaredKw: 80 });
    expect(s.deliveredKw).toBe(77.5);
    expect(s.ratio).toBe(0.96875);
    expect(s.paymentYuan).toBe(155);
  });

  it('can fail the threshold because of missing readings', () => {
    // Prepare: 100 kW delivered in the two metered intervals out of four
    const input = peakInput([0, 0, 0, 0], { actualKw: [400, null, 400, null] });

    // Act
    const s = settleBuilding(input);

    // Assess: ΔP = (100 + 0 + 100 + 0) / 4 = 50; r = 0.5 < 0.8
    expect(s.missingIntervals).toEqual([1, 3]);
    expect(s.deliveredKw).toBe(50);
    expect(s.paymentYuan).toBe(0);
  });

  it('neither pays nor charges when nothing was committed', () => {
    // Prepare: P_d = 0 under Sichuan rules, yet the building shed 50 kW
    const input = peakInput([50, 50, 50, 50], { rules: sichuan, declaredKw: [0, 0, 0, 0] });

    // Act
    const s = settleBuilding(input);

    // Assess
    expect(s.declaredKw).toBe(0);
    expect(s.deliveredKw).toBe(50);
    expect(s.ratio).toBeNull();
    expect(s.paidKw).toBe(0);
    expect(s.penaltyKw).toBe(0);
    expect(s.paymentYuan).toBe(0);
    expect(s.penaltyYuan).toBe(0);
    expect(s.netYuan).toBe(0);
  });
});

describe('settleBuilding: validation', () => {
  it('rejects arrays of different lengths', () => {
    // Prepare
    const input = peakInput([100, 100, 100, 100], { actualKw: [400, 400, 400] });

    // Act
    const message = validationMessage(() => settleBuilding(input));

    // Assess
    expect(message).toBe(
      'invalid settlement input for building b1: actualKw: has 3 values but declaredKw has 4',
    );
  });

  it('rejects an empty event', () => {
    // Prepare
    const input = peakInput([]);

    // Act
    const message = validationMessage(() => settleBuilding(input));

    // Assess
    expect(message).toBe(
      'invalid settlement input for building b1: declaredKw: is empty: an event has at least one interval',
    );
  });

  it('names the first bad value of each array', () => {
    // Prepare
    const input = peakInput([100, 100], { declaredKw: [100, -1], baselineKw: [Number.NaN, 500] });

    // Act
    const message = validationMessage(() => settleBuilding(input));

    // Assess
    expect(message).toBe(
      'invalid settlement input for building b1: declaredKw.1: is -1, expected a finite number ≥ 0; ' +
        'baselineKw.0: is NaN, expected a finite number',
    );
  });

  it('rejects rules that bypassed the schema', () => {
    // Prepare
    const input = peakInput([100], { rules: { ...perKwh, price: -1 } });

    // Act
    const message = validationMessage(() => settleBuilding(input));

    // Assess
    expect(message).toMatch(/^invalid settlement rules for building b1: price: /);
  });
});

describe('settlePark', () => {
  const settle = (
    buildingId: string,
    parkId: string,
    deliveredKw: number,
    rules = perKwh,
  ): BuildingSettlement =>
    settleBuilding(
      peakInput([deliveredKw, deliveredKw, deliveredKw, deliveredKw], { buildingId, parkId, rules }),
    );

  it('sums the buildings of one park', () => {
    // Prepare: b1 delivers 95 kW (paid 2 × 95 = 190 ¥); b2 under Sichuan rules delivers 70 kW
    // (paid 0, penalty (90 − 70) × 1.1 × 3 = 66 ¥); both committed 100 kW over 1 h
    const buildings = [settle('b1', 'p1', 95), settle('b2', 'p1', 70, sichuan)];

    // Act
    const park = settlePark('p1', buildings);

    // Assess: declared 100 + 100 = 200 kW; delivered 95 + 70 = 165 kW (165 kWh over 1 h);
    // net = 190 − 66 = 124 ¥
    expect(park).toEqual({
      parkId: 'p1',
      direction: 'PEAK_SHAVING',
      buildingCount: 2,
      buildingIds: ['b1', 'b2'],
      declaredKw: 200,
      deliveredKw: 165,
      deliveredKwh: 165,
      paymentYuan: 190,
      penaltyYuan: 66,
      netYuan: 124,
    });
  });

  it('settles a park with no buildings to zero', () => {
    // Act
    const park = settlePark('p1', []);

    // Assess
    expect(park.buildingCount).toBe(0);
    expect(park.direction).toBeNull();
    expect(park.netYuan).toBe(0);
  });

  it('rejects a building of another park', () => {
    // Prepare
    const buildings = [settle('b1', 'p1', 95), settle('b9', 'p2', 95)];

    // Act
    const message = validationMessage(() => settlePark('p1', buildings));

    // Assess
    expect(message).toBe('invalid settlement of park p1: buildings.1: building b9 belongs to park p2');
  });

  it('rejects a building settled twice', () => {
    // Prepare
    const buildings = [settle('b1', 'p1', 95), settle('b1', 'p1', 95)];

    // Act
    const message = validationMessage(() => settlePark('p1', buildings));

    // Assess
    expect(message).toBe('invalid settlement of park p1: buildings.1: building b1 is settled twice');
  });
});

describe('roundYuan', () => {
  it('rounds half away from zero despite binary representation and never returns −0', () => {
    // Act / Assess: 1.005 is stored as 1.00499999999999989…
    expect(roundYuan(1.005)).toBe(1.01);
    expect(roundYuan(-1.005)).toBe(-1.01);
    expect(Object.is(roundYuan(-0.001), 0)).toBe(true);
  });
});
