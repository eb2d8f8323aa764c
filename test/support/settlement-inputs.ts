/** Settlement inputs and helpers shared by the settlement tests; each test states what it changes. */
import { expect } from 'vitest';
import { ValidationError } from '../../lib/domain/errors.ts';
import { SettlementRules } from '../../lib/domain/model/program.ts';
import type { SettlementInput } from '../../lib/domain/settlement.ts';

/** 2 ¥/kWh, paid from 0.8 to 1.2 of the commitment, no excess share, no penalty. */
export const perKwh = SettlementRules.parse({ unit: 'YUAN_PER_KWH', price: 2 });
/** Sichuan-style: half-paid excess above 1.1, penalty below 0.9 at 1.1 × price; 3 ¥/kWh. */
export const sichuan = SettlementRules.parse({
  unit: 'YUAN_PER_KWH',
  price: 3,
  excess: { aboveRatio: 1.1, paidShare: 0.5 },
  penalty: { belowRatio: 0.9, multiplier: 1.1 },
});

/**
 * 15-minute intervals, baseline 500 kW, 100 kW committed in each interval, and the metered load
 * `500 − delivered`, so each case reads as the delivery it tests; 2 ¥/kWh unless overridden.
 */
export function peakInput(
  deliveredKw: readonly number[],
  overrides: Partial<SettlementInput> = {},
): SettlementInput {
  return {
    buildingId: 'b1',
    parkId: 'p1',
    direction: 'PEAK_SHAVING',
    rules: perKwh,
    intervalMinutes: 15,
    declaredKw: deliveredKw.map(() => 100),
    baselineKw: deliveredKw.map(() => 500),
    actualKw: deliveredKw.map((d) => 500 - d),
    ...overrides,
  };
}

/** The message of the ValidationError `act` throws; fails the test when it throws nothing or another error. */
export function validationMessage(act: () => unknown): string {
  try {
    act();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).message;
  }
  throw new Error('expected a ValidationError');
}
