import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stepBattery, stepTank } from '../../../infra/local/sim/physics.ts';

const battery = {
  capacityKwh: 200,
  maxChargeKw: 100,
  maxDischargeKw: 80,
  socMin: 0.1,
  socMax: 0.9,
  chargeEfficiency: 0.95,
  dischargeEfficiency: 0.92,
};
const tank = { heaterKw: 150, cop: 2.5, capacityKwhTh: 3_000, lossPctPerHour: 0.6 };
const H = 1 / 60;

describe('battery step', () => {
  it('moves stored energy by ηc·P·Δ charging and P·Δ/ηd discharging, within ratings and SoC bounds', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 20, max: 180, noNaN: true }),
        fc.array(fc.double({ min: -300, max: 300, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (e0, requests) => {
          let e = e0;
          let expected = e0;
          for (const req of requests) {
            const s = stepBattery(battery, e, req, H);
            expect(s.powerKw).toBeLessThanOrEqual(battery.maxChargeKw + 1e-9);
            expect(s.powerKw).toBeGreaterThanOrEqual(-battery.maxDischargeKw - 1e-9);
            // never more than asked, never the other way
            if (req >= 0) expect(s.powerKw).toBeLessThanOrEqual(req + 1e-9);
            if (req <= 0) expect(s.powerKw).toBeGreaterThanOrEqual(req - 1e-9);
            expect(s.powerKw * req).toBeGreaterThanOrEqual(0);
            expected +=
              s.powerKw > 0
                ? s.powerKw * battery.chargeEfficiency * H
                : (s.powerKw * H) / battery.dischargeEfficiency;
            e = s.energyKwh;
            expect(e).toBeGreaterThanOrEqual(battery.socMin * battery.capacityKwh - 1e-9);
            expect(e).toBeLessThanOrEqual(battery.socMax * battery.capacityKwh + 1e-9);
          }
          expect(e).toBeCloseTo(expected, 6);
        },
      ),
    );
  });

  it('stops discharging at socMin and charging at socMax', () => {
    let e = 30;
    for (let i = 0; i < 120; i++) e = stepBattery(battery, e, -80, H).energyKwh;
    expect(e).toBeCloseTo(20, 9);
    expect(stepBattery(battery, e, -80, H).powerKw).toBeCloseTo(0, 9);
    for (let i = 0; i < 200; i++) e = stepBattery(battery, e, 100, H).energyKwh;
    expect(e).toBeCloseTo(180, 9);
    expect(stepBattery(battery, e, 100, H).powerKw).toBeCloseTo(0, 9);
  });
});

describe('heat tank step', () => {
  it('never holds more than its capacity nor less than nothing, and balances heat', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 3_000, noNaN: true }),
        fc.array(
          fc.record({
            heater: fc.double({ min: 0, max: 400, noNaN: true }),
            demand: fc.double({ min: 0, max: 600, noNaN: true }),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        (s0, steps) => {
          let s = s0;
          for (const { heater, demand } of steps) {
            const r = stepTank(tank, s, heater, demand, H);
            expect(r.heaterKw).toBeGreaterThanOrEqual(0);
            expect(r.heaterKw).toBeLessThanOrEqual(Math.min(heater, tank.heaterKw) + 1e-9);
            expect(r.storedKwhTh).toBeGreaterThanOrEqual(0);
            expect(r.storedKwhTh).toBeLessThanOrEqual(tank.capacityKwhTh + 1e-9);
            // S' = (1 − λΔ)S + COP·P·Δ − Q·Δ, with any uncovered demand reported as unserved
            const balance =
              (1 - (tank.lossPctPerHour / 100) * H) * s + tank.cop * r.heaterKw * H - demand * H;
            expect(r.storedKwhTh - r.unservedKwhTh).toBeCloseTo(balance, 6);
            s = r.storedKwhTh;
          }
        },
      ),
    );
  });

  it('loses heat at the stated rate with the heater off and no demand', () => {
    let s = 2_000;
    for (let m = 0; m < 60; m++) s = stepTank(tank, s, 0, 0, H).storedKwhTh;
    // 0.6 % in the first hour
    expect((2_000 - s) / 2_000).toBeCloseTo(tank.lossPctPerHour / 100, 4);
    for (let m = 0; m < 23 * 60; m++) s = stepTank(tank, s, 0, 0, H).storedKwhTh;
    expect(s / 2_000).toBeCloseTo(Math.exp((-tank.lossPctPerHour / 100) * 24), 3);
  });

  it('throttles the heater when the tank is full', () => {
    const r = stepTank(tank, 3_000, 150, 100, H);
    expect(r.storedKwhTh).toBeCloseTo(3_000, 9);
    // only what covers the demand and the loss
    expect(r.heaterKw).toBeCloseTo((100 + 0.006 * 3_000) / tank.cop, 6);
  });
});
