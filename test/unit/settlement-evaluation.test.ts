import { describe, expect, it } from 'vitest';
import { SettlementRules } from '../../lib/domain/model/program.ts';
import { type SettlementInput, settleBuilding } from '../../lib/domain/settlement.ts';
import { MINUTE_MS } from '../../lib/domain/time.ts';
import { peakInput as sharedPeakInput, validationMessage } from '../support/settlement-inputs.ts';

/** 2 ¥/kWh and Sichuan-style rules, as plain inputs each case extends with its `evaluation`. */
const perKwh = { unit: 'YUAN_PER_KWH', price: 2 } as const;
const sichuan = {
  unit: 'YUAN_PER_KWH',
  price: 3,
  excess: { aboveRatio: 1.1, paidShare: 0.5 },
  penalty: { belowRatio: 0.9, multiplier: 1.1 },
} as const;

/** 13:30 China time (05:30 UTC), written with its offset so the host's zone plays no part. */
const START = Date.parse('2026-03-10T13:30:00+08:00');
const at = (minutesAfterStart: number) => START + minutesAfterStart * MINUTE_MS;

/** The shared peak input from 13:30 China time under `rules`. */
function peakInput(
  deliveredKw: readonly number[],
  rules: Partial<SettlementRules> & Pick<SettlementRules, 'unit' | 'price'>,
  overrides: Partial<SettlementInput> = {},
): SettlementInput {
  return sharedPeakInput(deliveredKw, { rules: SettlementRules.parse(rules), startMs: START, ...overrides });
}

/**
 * 13:30–16:00 China time in ten 15-minute intervals: the clock hours 13 (from 13:30 only, two
 * intervals), 14 and 15 (four each). Delivered against 100 kW declared throughout: 100 and 60 kW in
 * hour 13, 150 kW through hour 14, 70 kW through hour 15.
 */
const threeHours = [100, 60, 150, 150, 150, 150, 70, 70, 70, 70];

describe('settleBuilding: EVENT evaluation', () => {
  it('judges the whole event as one period when the rules leave evaluation out', () => {
    // Prepare: the 400-in-one-of-four delivery, the rules as stored before the setting existed
    const input = peakInput([400, 0, 0, 0], perKwh);

    // Act
    const s = settleBuilding(input);

    // Assess: ΔP = 400 / 4 = 100 kW, r = 1, paid in full: 2 ¥/kWh × 100 kW × 1 h = 200 ¥; the one
    // period repeats the event's figures and starts with the event
    expect(s.evaluation).toBe('EVENT');
    expect(s.rules.evaluation).toBeUndefined();
    expect(s.paidKw).toBe(100);
    expect(s.paymentYuan).toBe(200);
    expect(s.periods).toEqual([
      {
        startMs: START,
        intervals: 4,
        declaredKw: 100,
        deliveredKw: 100,
        ratio: 1,
        paidKw: 100,
        penaltyKw: 0,
        paymentYuan: 200,
        penaltyYuan: 0,
      },
    ]);
  });

  it('settles an explicit EVENT exactly as an absent one, and needs no start instant', () => {
    // Prepare: Sichuan rules, ΔP = 85 kW, no startMs
    const absent = peakInput([85, 85, 85, 85], sichuan, { startMs: undefined });
    const explicit = peakInput([85, 85, 85, 85], { ...sichuan, evaluation: 'EVENT' }, { startMs: undefined });

    // Act
    const a = settleBuilding(absent);
    const e = settleBuilding(explicit);

    // Assess: payment 3 × 85 × 1 = 255 ¥; penalty (90 − 85) × 1.1 × 3 × 1 = 16.5 ¥ (as in
    // settlement.test.ts); the period has no start to report
    const { rules: _absentRules, ...absentFigures } = a;
    const { rules: _explicitRules, ...explicitFigures } = e;
    expect(explicitFigures).toEqual(absentFigures);
    expect(a.paymentYuan).toBe(255);
    expect(a.penaltyYuan).toBe(16.5);
    expect(a.periods).toHaveLength(1);
    expect(a.periods[0]?.startMs).toBeNull();
    expect(a.periods[0]?.penaltyYuan).toBe(16.5);
  });
});

describe('settleBuilding: INTERVAL evaluation', () => {
  it('pays 400 kW delivered in one interval of four for that interval only', () => {
    // Prepare: 100 kW declared in each of four 15-minute intervals, 400 kW delivered in the first
    const input = peakInput([400, 0, 0, 0], { ...perKwh, evaluation: 'INTERVAL' });

    // Act
    const s = settleBuilding(input);

    // Assess: interval 0: r = 4, paid min(400, 1.2 × 100) = 120 kW → 2 × 120 × 0.25 h = 60 ¥;
    // intervals 1–3: r = 0 < 0.8 → 0 ¥. Total 60 ¥, where EVENT pays 200 ¥
    expect(s.evaluation).toBe('INTERVAL');
    expect(s.periods.map((p) => p.startMs)).toEqual([at(0), at(15), at(30), at(45)]);
    expect(s.periods.map((p) => p.ratio)).toEqual([4, 0, 0, 0]);
    expect(s.periods.map((p) => p.paidKw)).toEqual([120, 0, 0, 0]);
    expect(s.periods.map((p) => p.paymentYuan)).toEqual([60, 0, 0, 0]);
    expect(s.paymentYuan).toBe(60);
    expect(s.netYuan).toBe(60);
    // The event-level figures: P_d and ΔP stay the event's means (ratio 1); paidKw is the
    // duration-weighted mean 120 × ¼ = 30 kW, so 2 × 30 × 1 h = 60 ¥ still holds
    expect(s.declaredKw).toBe(100);
    expect(s.deliveredKw).toBe(100);
    expect(s.ratio).toBe(1);
    expect(s.paidKw).toBe(30);
    expect(s.cappedKw).toBe(30);
    expect(s.deliveredKwh).toBe(100);
  });

  it('charges the penalty interval by interval, a missing reading counting as 0 delivered', () => {
    // Prepare: Sichuan rules; 400 kW in the first interval, then 0, 95 kW and a missing reading
    const input = peakInput(
      [400, 0, 95, 0],
      { ...sichuan, evaluation: 'INTERVAL' },
      {
        actualKw: [100, 500, 405, null],
      },
    );

    // Act
    const s = settleBuilding(input);

    // Assess, per 15-minute interval (0.25 h) at 3 ¥/kWh:
    //  0: r = 4 → capped 120, paid 110 + 0.5 × (120 − 110) = 115 kW → 3 × 115 × 0.25 = 86.25 ¥
    //  1: r = 0 → penalty on 0.9 × 100 − 0 = 90 kW → 90 × 1.1 × 3 × 0.25 = 74.25 ¥
    //  2: r = 0.95 → paid 95 kW → 71.25 ¥; 95 ≥ 90, no penalty
    //  3: missing → delivered 0 → penalty 74.25 ¥ as interval 1
    // payment 86.25 + 71.25 = 157.5 ¥; penalty 2 × 74.25 = 148.5 ¥; net 9 ¥. EVENT would see
    // ΔP = 495 / 4 = 123.75 kW, r = 1.2375, and pay 3 × 115 × 1 = 345 ¥ with no penalty.
    expect(s.missingIntervals).toEqual([3]);
    expect(s.periods.map((p) => p.paidKw)).toEqual([115, 0, 95, 0]);
    expect(s.periods.map((p) => p.penaltyKw)).toEqual([0, 90, 0, 90]);
    expect(s.periods.map((p) => p.paymentYuan)).toEqual([86.25, 0, 71.25, 0]);
    expect(s.periods.map((p) => p.penaltyYuan)).toEqual([0, 74.25, 0, 74.25]);
    expect(s.paymentYuan).toBe(157.5);
    expect(s.penaltyYuan).toBe(148.5);
    expect(s.netYuan).toBe(9);
    // penaltyKw at the event level: (90 + 90) × ¼ = 45 kW; 45 × 1.1 × 3 × 1 h = 148.5 ¥
    expect(s.penaltyKw).toBe(45);
  });

  it('rounds the event once and gives each interval the change in the rounded running total', () => {
    // Prepare: 0.5 ¥/kWh, 1 kW declared and delivered in each of four 15-minute intervals, so each
    // interval earns exactly 0.5 × 1 × 0.25 = 0.125 ¥
    const input = peakInput(
      [1, 1, 1, 1],
      { unit: 'YUAN_PER_KWH', price: 0.5, evaluation: 'INTERVAL' },
      {
        declaredKw: [1, 1, 1, 1],
      },
    );

    // Act
    const s = settleBuilding(input);

    // Assess: running totals 0.125, 0.25, 0.375, 0.5 round to 0.13, 0.25, 0.38, 0.50, so the
    // intervals get 0.13, 0.12, 0.13, 0.12 and add up to the event's 0.50 ¥ (as EVENT pays:
    // 0.5 × 1 × 1 h). Rounding each interval alone would give 4 × 0.13 = 0.52 ¥.
    expect(s.exact.paymentYuan).toBe(0.5);
    expect(s.periods.map((p) => p.paymentYuan)).toEqual([0.13, 0.12, 0.13, 0.12]);
    expect(s.paymentYuan).toBe(0.5);
  });
});

describe('settleBuilding: HOUR evaluation', () => {
  it('judges each China clock hour, the partial first hour from 13:30 as a period of its own', () => {
    // Prepare: 13:30–16:00 China time, 2 ¥/kWh
    const input = peakInput(threeHours, { ...perKwh, evaluation: 'HOUR' });

    // Act
    const s = settleBuilding(input);

    // Assess, per clock hour:
    //  13:30–14:00 (0.5 h): ΔP = (100 + 60) / 2 = 80, r = 0.8 → paid 80 kW → 2 × 80 × 0.5 = 80 ¥
    //  14:00–15:00 (1 h):   ΔP = 150, r = 1.5 → paid 1.2 × 100 = 120 kW → 2 × 120 × 1 = 240 ¥
    //  15:00–16:00 (1 h):   ΔP = 70, r = 0.7 < 0.8 → 0 ¥
    // Total 320 ¥. EVENT: ΔP = 1040 / 10 = 104 kW, r = 1.04 → 2 × 104 × 2.5 h = 520 ¥.
    expect(s.evaluation).toBe('HOUR');
    expect(s.periods).toEqual([
      {
        startMs: at(0),
        intervals: 2,
        declaredKw: 100,
        deliveredKw: 80,
        ratio: 0.8,
        paidKw: 80,
        penaltyKw: 0,
        paymentYuan: 80,
        penaltyYuan: 0,
      },
      {
        startMs: Date.parse('2026-03-10T14:00:00+08:00'),
        intervals: 4,
        declaredKw: 100,
        deliveredKw: 150,
        ratio: 1.5,
        paidKw: 120,
        penaltyKw: 0,
        paymentYuan: 240,
        penaltyYuan: 0,
      },
      {
        startMs: Date.parse('2026-03-10T15:00:00+08:00'),
        intervals: 4,
        declaredKw: 100,
        deliveredKw: 70,
        ratio: 0.7,
        paidKw: 0,
        penaltyKw: 0,
        paymentYuan: 0,
        penaltyYuan: 0,
      },
    ]);
    expect(s.paymentYuan).toBe(320);
    // Event level: ΔP and r stay the event's (104 kW, 1.04); paidKw is the duration-weighted mean
    // (80 × 0.5 + 120 × 1 + 0 × 1) / 2.5 = 64 kW, and 2 × 64 × 2.5 h = 320 ¥
    expect(s.deliveredKw).toBe(104);
    expect(s.ratio).toBe(1.04);
    expect(s.paidKw).toBeCloseTo(64, 9);
    expect(s.durationHours).toBe(2.5);
  });

  it('pays ¥/kW per hour in proportion to its share of the event duration', () => {
    // Prepare: the same readings at 30 ¥/kW per response
    const input = peakInput(threeHours, { unit: 'YUAN_PER_KW', price: 30, evaluation: 'HOUR' });

    // Act
    const s = settleBuilding(input);

    // Assess: shares of 2.5 h: 0.5 / 2.5 = 0.2, 1 / 2.5 = 0.4, 0.4
    //  13:30–14:00: 30 × 80 kW × 0.2 = 480 ¥;  14:00–15:00: 30 × 120 × 0.4 = 1440 ¥;  15:00–16:00: 0
    // Total 1920 ¥ = 30 ¥/kW × the weighted paidKw of 64 kW. EVENT pays 30 × 104 = 3120 ¥.
    expect(s.periods.map((p) => p.paymentYuan)).toEqual([480, 1440, 0]);
    expect(s.paymentYuan).toBe(1920);
    expect(s.exact.paymentYuan).toBeCloseTo(30 * 64, 9);
  });

  it('makes a partial last hour a period of its own too, and places hours on the China clock', () => {
    // Prepare: 13:30–15:45 China time (nine intervals); hours cut at 14:00 and 15:00 China time,
    // that is 06:00 and 07:00 UTC, whatever the host's zone
    const input = peakInput(threeHours.slice(0, 9), { ...perKwh, evaluation: 'HOUR' });

    // Act
    const s = settleBuilding(input);

    // Assess: periods of 2, 4 and 3 intervals; the last (15:00–15:45, 0.75 h) has ΔP = 70, r = 0.7,
    // unpaid, so the payment is 80 + 240 = 320 ¥ again
    expect(s.periods.map((p) => p.intervals)).toEqual([2, 4, 3]);
    expect(s.periods.map((p) => new Date(p.startMs as number).toISOString())).toEqual([
      '2026-03-10T05:30:00.000Z',
      '2026-03-10T06:00:00.000Z',
      '2026-03-10T07:00:00.000Z',
    ]);
    expect(s.paymentYuan).toBe(320);
  });

  it('gives an interval longer than an hour a period of its own, in the hour it starts in', () => {
    // Prepare: two 90-minute intervals from 13:30: 13:30–15:00 and 15:00–16:30
    const input = peakInput([100, 50], { ...perKwh, evaluation: 'HOUR' }, { intervalMinutes: 90 });

    // Act
    const s = settleBuilding(input);

    // Assess: they start in hours 13 and 15, so two periods of 1.5 h: 2 × 100 × 1.5 = 300 ¥ and
    // r = 0.5 → 0 ¥
    expect(s.periods.map((p) => p.intervals)).toEqual([1, 1]);
    expect(s.periods.map((p) => p.paymentYuan)).toEqual([300, 0]);
    expect(s.paymentYuan).toBe(300);
  });
});

describe('settleBuilding: evaluation inputs', () => {
  it('requires the start instant to cut hours', () => {
    // Prepare
    const input = peakInput([100], { ...perKwh, evaluation: 'HOUR' }, { startMs: undefined });

    // Act
    const message = validationMessage(() => settleBuilding(input));

    // Assess
    expect(message).toBe(
      'invalid settlement input for building b1: startMs: is required when the rules evaluate per HOUR: ' +
        'the periods are placed in time',
    );
  });

  it('requires the start instant to date intervals, and refuses one that is not a number', () => {
    // Prepare
    const missing = peakInput([100], { ...perKwh, evaluation: 'INTERVAL' }, { startMs: undefined });
    const notANumber = peakInput([100], perKwh, { startMs: Number.NaN });

    // Act
    const missingMessage = validationMessage(() => settleBuilding(missing));
    const nanMessage = validationMessage(() => settleBuilding(notANumber));

    // Assess
    expect(missingMessage).toMatch(/startMs: is required when the rules evaluate per INTERVAL/);
    expect(nanMessage).toBe(
      'invalid settlement input for building b1: startMs: is NaN, expected epoch milliseconds',
    );
  });

  it('refuses an evaluation the schema does not know', () => {
    // Prepare: rules that bypassed the schema
    const input = peakInput([100], perKwh);
    const bypassed = { ...input, rules: { ...input.rules, evaluation: 'DAY' } } as unknown as SettlementInput;

    // Act
    const message = validationMessage(() => settleBuilding(bypassed));

    // Assess
    expect(message).toMatch(/^invalid settlement rules for building b1: evaluation: /);
  });
});
