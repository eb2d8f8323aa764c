import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SettlementRules } from '../../lib/domain/model/program.ts';
import {
  type BuildingSettlement,
  type SettlementInput,
  settleBuilding,
} from '../../lib/domain/settlement.ts';
import { MINUTE_MS } from '../../lib/domain/time.ts';

/** Any rule table the schema accepts, with prices and ratios in the steps programs publish them in. */
const rules = fc
  .record(
    {
      unit: fc.constantFrom('YUAN_PER_KWH' as const, 'YUAN_PER_KW' as const),
      price: fc.integer({ min: 0, max: 100_000 }).map((cents) => cents / 100),
      minRatio: fc.integer({ min: 0, max: 100 }).map((pct) => pct / 100),
      maxRatio: fc.integer({ min: 100, max: 300 }).map((pct) => pct / 100),
      excess: fc.record({
        aboveRatio: fc.integer({ min: 100, max: 300 }).map((pct) => pct / 100),
        paidShare: fc.integer({ min: 0, max: 100 }).map((pct) => pct / 100),
      }),
      penalty: fc.record({
        belowRatio: fc.integer({ min: 0, max: 100 }).map((pct) => pct / 100),
        multiplier: fc.integer({ min: 0, max: 300 }).map((pct) => pct / 100),
      }),
    },
    { requiredKeys: ['unit', 'price', 'minRatio', 'maxRatio'] },
  )
  .filter((r) => !r.excess || r.excess.aboveRatio <= r.maxRatio)
  .map((r) => SettlementRules.parse(r));

/**
 * An event in which every interval, hence every hour and the whole event, delivers the same ratio
 * `r` of its own commitment, the commitment varying from interval to interval. The start falls on
 * any minute, so hours are often partial at both edges.
 */
const sameRatioEvent = fc
  .record({
    direction: fc.constantFrom('PEAK_SHAVING' as const, 'VALLEY_FILLING' as const),
    intervalMinutes: fc.constantFrom(5, 15, 30, 60),
    startMinute: fc.integer({ min: 29_000_000, max: 29_500_000 }),
    ratioPct: fc.integer({ min: -50, max: 250 }),
    declaredKw: fc.array(
      fc.integer({ min: 1, max: 20_000 }).map((tenths) => tenths / 10),
      {
        minLength: 1,
        maxLength: 24,
      },
    ),
    rules,
  })
  .map(({ direction, intervalMinutes, startMinute, ratioPct, declaredKw, rules }): SettlementInput => {
    const delivered = declaredKw.map((d) => (ratioPct / 100) * d);
    // Against a 0 kW baseline the reading is ∓delivered, so delivered comes back exactly.
    const sign = direction === 'PEAK_SHAVING' ? -1 : 1;
    return {
      buildingId: 'b1',
      parkId: 'p1',
      direction,
      rules,
      intervalMinutes,
      startMs: startMinute * MINUTE_MS,
      declaredKw,
      baselineKw: declaredKw.map(() => 0),
      actualKw: delivered.map((x) => sign * x),
    };
  });

const settleAs = (input: SettlementInput, evaluation: 'EVENT' | 'HOUR' | 'INTERVAL'): BuildingSettlement =>
  settleBuilding({ ...input, rules: { ...input.rules, evaluation } });

const cents = (yuan: number): number => Math.round(yuan * 100);

describe('settleBuilding: evaluation per event, hour or interval (properties)', () => {
  it('pays and charges the same to the cent whatever the evaluation when every period delivers the same ratio', () => {
    fc.assert(
      fc.property(sameRatioEvent, (input) => {
        // Act
        const [event, hour, interval] = (['EVENT', 'HOUR', 'INTERVAL'] as const).map((e) =>
          settleAs(input, e),
        );

        // Assess: paid and penalized kW are P_d × g(r) per period, so their duration-weighted sum is
        // the event's P_d × g(r), and ¥/kW periods are weighted by the same shares
        for (const s of [hour, interval]) {
          expect(s?.paymentYuan).toBe(event?.paymentYuan);
          expect(s?.penaltyYuan).toBe(event?.penaltyYuan);
          expect(s?.netYuan).toBe(event?.netYuan);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('apportions the rounded totals so the periods add up to the event to the cent', () => {
    fc.assert(
      fc.property(
        sameRatioEvent,
        fc.constantFrom('EVENT' as const, 'HOUR' as const, 'INTERVAL' as const),
        (input, e) => {
          // Act
          const s = settleAs(input, e);

          // Assess: Σ periods = event; each period within 0.01 ¥ of its exact figure, which is
          // price × paidKw × hours (¥/kWh) or price × paidKw × its share of the duration (¥/kW)
          const sumOf = (pick: (p: BuildingSettlement['periods'][number]) => number) =>
            s.periods.reduce((total, p) => total + cents(pick(p)), 0);
          expect(sumOf((p) => p.paymentYuan)).toBe(cents(s.paymentYuan));
          expect(sumOf((p) => p.penaltyYuan)).toBe(cents(s.penaltyYuan));
          expect(s.periods.reduce((n, p) => n + p.intervals, 0)).toBe(input.declaredKw.length);
          for (const p of s.periods) {
            const hours = (p.intervals * input.intervalMinutes) / 60;
            const perKw = s.rules.unit === 'YUAN_PER_KWH' ? hours : hours / s.durationHours;
            expect(Math.abs(p.paymentYuan - s.rules.price * p.paidKw * perKw)).toBeLessThan(0.01 + 1e-9);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
