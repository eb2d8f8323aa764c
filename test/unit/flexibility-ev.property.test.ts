/**
 * EV chargers against a minute-by-minute simulation of the car, independent of the formulas in
 * flexibility.ts: whatever the allocator takes within the bounds, a deferred car still gets all it
 * needs before it leaves, an early charge never gives it more than it needs nor more than it accepts,
 * nothing happens while it is away, and curtailment uses no more whole intervals than the limit allows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate } from '../../lib/domain/allocation.ts';
import { computeFlexibility, toAllocationBuilding } from '../../lib/domain/flexibility.ts';
import { Building } from '../../lib/domain/model/building.ts';
import type { Direction } from '../../lib/domain/model/common.ts';
import { MINUTE_MS } from '../../lib/domain/time.ts';
import { buildingInput } from '../support/fixtures.ts';

const AT_MS = Date.parse('2026-01-15T16:00:00+08:00');
const EPS = 1e-6;

const cases = fc.record({
  direction: fc.constantFrom<Direction>('PEAK_SHAVING', 'VALLEY_FILLING'),
  ratedKw: fc.integer({ min: 1, max: 50 }),
  /** Share of the rating the car accepts, in percent; 100 when it accepts it all. */
  carPct: fc.integer({ min: 10, max: 100 }),
  /** Share of the car's rate it draws now, in percent (0: plugged in, idle). */
  drawPct: fc.integer({ min: 0, max: 100 }),
  needKwh: fc.integer({ min: 0, max: 4000 }).map((x) => x / 40),
  minutesToArrival: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
  minutesToDeparture: fc.integer({ min: 1, max: 720 }),
  curtailableShare: fc.integer({ min: 0, max: 100 }).map((x) => x / 100),
  maxCurtailMinutes: fc.integer({ min: 0, max: 300 }),
  /** Minutes from the report to the window's start. */
  lead: fc.integer({ min: 0, max: 240 }),
  intervalMinutes: fc.constantFrom(5 as const, 15 as const, 30 as const, 60 as const),
  intervals: fc.integer({ min: 1, max: 12 }),
});

type Case = typeof cases extends fc.Arbitrary<infer C> ? C : never;

/** kWh the car draws in each minute after the report when nothing is commanded (plug-and-charge rules). */
function baselineMinutes(c: Case, carKw: number): number[] {
  const arrive = c.minutesToArrival ?? 0;
  const kw = c.minutesToArrival ? carKw : (carKw * c.drawPct) / 100;
  const out: number[] = [];
  let got = 0;
  for (let m = 0; m < c.minutesToDeparture; m++) {
    const e = m < arrive ? 0 : Math.min(kw / 60, c.needKwh - got);
    got += e;
    out.push(e);
  }
  return out;
}

describe('EV charger flexibility, checked minute by minute', () => {
  it('keeps every car whole, whatever the allocator takes', () => {
    fc.assert(
      fc.property(cases, (c) => {
        // Prepare: a building with one charger, the report at 16:00, the window `lead` minutes later
        const carKw = (c.ratedKw * c.carPct) / 100;
        const building = Building.parse(
          buildingInput({
            gridLimits: { importKw: 100_000, exportKw: 100_000 },
            assets: [
              {
                kind: 'appliance',
                id: 'ev',
                applianceKind: 'evCharger',
                ratedKw: c.ratedKw,
                curtailableShare: c.curtailableShare,
                maxCurtailMinutes: c.maxCurtailMinutes,
              },
            ],
          }),
        );
        const startMs = AT_MS + c.lead * MINUTE_MS;
        const flex = computeFlexibility({
          building,
          state: {
            buildingId: 'b1',
            at: new Date(AT_MS).toISOString(),
            netLoadKw: 0,
            assets: [
              {
                kind: 'appliance',
                assetId: 'ev',
                on: !c.minutesToArrival && c.drawPct > 0,
                kw: c.minutesToArrival ? 0 : (carKw * c.drawPct) / 100,
                energyNeededKwh: c.needKwh,
                minutesToDeparture: c.minutesToDeparture,
                ...(c.minutesToArrival ? { minutesToArrival: c.minutesToArrival } : {}),
                carMaxKw: carKw,
              },
            ],
          },
          direction: c.direction,
          startMs,
          intervalMinutes: c.intervalMinutes,
          intervals: c.intervals,
          baselineKw: new Array(c.intervals).fill(0),
        });

        // Act: ask far more than the car can give, so the allocator takes all the bounds allow
        const a = allocate({
          intervalHours: c.intervalMinutes / 60,
          targetsKw: new Array(c.intervals).fill(10_000),
          shortfallPenaltyYuanPerKwh: 100,
          buildings: [toAllocationBuilding(flex)],
        });
        const x = flex.resources.length > 0 ? Array.from(a.kw.subarray(0, c.intervals)) : [];

        // Assess, against the car simulated minute by minute
        const base = baselineMinutes(c, carKw);
        const arrive = c.minutesToArrival ?? 0;
        const w0 = c.lead;
        const w1 = c.lead + c.intervals * c.intervalMinutes;
        const minutesOf = (t: number) =>
          Array.from({ length: c.intervalMinutes }, (_, i) => w0 + t * c.intervalMinutes + i);
        const dh = c.intervalMinutes / 60;
        let got = 0;
        for (let m = 0; m < w0 && m < c.minutesToDeparture; m++) got += base[m] as number;
        const before = got;

        if (c.direction === 'PEAK_SHAVING') {
          const used = x.filter((v) => v > EPS).length;
          expect(used * c.intervalMinutes).toBeLessThanOrEqual(c.maxCurtailMinutes);
          x.forEach((kw, t) => {
            // at most the curtailable share of what the car would have drawn in the interval
            const drawn = minutesOf(t).reduce((s, m) => s + (base[m] ?? 0), 0);
            expect(kw * dh).toBeLessThanOrEqual(c.curtailableShare * drawn + EPS);
            // the deferred kWh come off the baseline's minutes in proportion
            for (const m of minutesOf(t)) if (drawn > 0) got += (base[m] ?? 0) * (1 - (kw * dh) / drawn);
          });
          // after the window, the car charges at its full rate until it has all it needs or leaves
          for (let m = w1; m < c.minutesToDeparture; m++)
            if (m >= arrive) got += Math.max(0, Math.min(carKw / 60, c.needKwh - got));
          if (x.some((v) => v > EPS)) expect(got).toBeGreaterThanOrEqual(c.needKwh - EPS);
        } else {
          x.forEach((kw, t) => {
            // what the car can take above its baseline in the interval, while it is plugged in
            const room = minutesOf(t).reduce(
              (s, m) => s + (m >= arrive && m < c.minutesToDeparture ? carKw / 60 - (base[m] ?? 0) : 0),
              0,
            );
            expect(kw * dh).toBeLessThanOrEqual(room + EPS);
            got += kw * dh;
          });
          for (let m = w0; m < w1 && m < c.minutesToDeparture; m++) got += base[m] as number;
          // never more than the car still needed when the window started
          expect(got - before).toBeLessThanOrEqual(c.needKwh - before + EPS);
        }
      }),
      { numRuns: 500 },
    );
  });
});
