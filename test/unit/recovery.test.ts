/** Recovery after a peak-shaving window (issue 13 item 7): hand-computed cases. */
import { describe, expect, it } from 'vitest';
import type { Reservation } from '../../lib/domain/flexibility.ts';
import { Building } from '../../lib/domain/model/building.ts';
import { MENGXI_TARIFF } from '../../lib/domain/model/tariff-presets.ts';
import { planRecovery, reboundAfter, recoveryWindow, standingRecoveryKw } from '../../lib/domain/recovery.ts';
import { buildingInput } from '../support/fixtures.ts';

const at = (iso: string) => Date.parse(`${iso}+08:00`);
const END = at('2026-01-15T19:00:00');

describe('the recovery window', () => {
  it('is the first occurrence of the program’s window after the event, on its grid', () => {
    // 19:00 → 23:00 is 16 quarter-hours; 23:00–07:00 is 32
    const w = recoveryWindow(
      { window: { from: '23:00', to: '07:00' }, marginPct: 10 },
      MENGXI_TARIFF,
      END,
      15,
    );
    expect(w).toEqual({ startMs: at('2026-01-15T23:00:00'), offset: 16, intervals: 32 });
  });

  it('is otherwise the zone’s valley, from the event’s end when it is already on', () => {
    // 蒙西 heating valley 18:00–08:00: from 19:00, 13 h = 52 quarter-hours
    const w = recoveryWindow(undefined, MENGXI_TARIFF, END, 15);
    expect(w).toEqual({ startMs: END, offset: 0, intervals: 52 });
  });

  it('is 23:00–07:00 when neither the program nor a tariff says, and starts on the event’s grid', () => {
    // an event ending 19:10 on a 30-minute grid: 23:10 is the first grid point in the window; 07:00 cuts
    // the last half-hour: 23:10–06:40 is 15 intervals
    const w = recoveryWindow(undefined, undefined, at('2026-01-15T19:10:00'), 30);
    expect(w).toEqual({ startMs: at('2026-01-15T23:10:00'), offset: 8, intervals: 15 });
  });
});

describe('a recovery plan', () => {
  const building = Building.parse(
    buildingInput({
      gridLimits: { importKw: 1000, exportKw: 0 },
      assets: [
        {
          kind: 'battery',
          id: 'bat',
          capacityKwh: 200,
          maxChargeKw: 50,
          maxDischargeKw: 50,
          socMin: 0.1,
          socMax: 0.9,
        },
        {
          kind: 'heatStorage',
          id: 'tank',
          heaterKw: 60,
          cop: 3,
          capacityKwhTh: 600,
          minKwhTh: 60,
          lossPctPerHour: 1,
        },
        {
          kind: 'appliance',
          id: 'hvac',
          applianceKind: 'hvac',
          ratedKw: 40,
          curtailableShare: 0.5,
          maxCurtailMinutes: 60,
          reboundShare: 0.5,
        },
      ],
    }),
  );
  const state = {
    buildingId: building.buildingId,
    at: new Date(at('2026-01-15T17:55:00')).toISOString(),
    netLoadKw: 300,
    assets: [
      { kind: 'battery' as const, assetId: 'bat', soc: 0.5, powerKw: 0 },
      { kind: 'heatStorage' as const, assetId: 'tank', storedKwhTh: 300, heatDemandKwTh: 60, heaterKw: 20 },
    ],
  };
  const assets = [
    { assetId: 'bat', action: 'discharge' as const, kw: [40, 40, 40, 40] },
    { assetId: 'tank', action: 'heaterOff' as const, kw: [20, 20, 20, 20] },
    { assetId: 'hvac', action: 'curtail' as const, kw: [0, 0, 10, 10] },
  ];
  const window = { startMs: END, offset: 0, intervals: 8 };

  it('puts back what batteries and tanks gave, as fast as they take it, under the import ceiling', () => {
    // Battery: 40 kWh given = 40/(0.95 × 0.95) = 44.321 kWh from the grid at ≤ 50 kW:
    // 50, 50, 50, then 44.321 − 37.5 = 6.821 kWh → 27.285 kW. Tank: 20 kWh at ≤ 60 − 20 = 40 kW.
    // Ceiling 300 × 1.1 = 330 over a 250 kW night baseline: 80 kW of room; the hvac rebound (half of its
    // 5 kWh back, 5 kW in the two quarters after the window) takes 5 of it first. So the tank gets
    // 80 − 5 − 50 = 25, 25 (12.5 kWh in), then the 7.5 kWh left at 30 kW beside the battery's 50.
    const plan = planRecovery({
      building,
      state,
      assets,
      intervalMinutes: 15,
      window,
      baselineAfterKw: new Array(8).fill(250),
      preEventKw: 300,
      marginPct: 10,
    });
    expect(plan.assets).toEqual([
      { assetId: 'bat', action: 'charge', kw: [50, 50, 50, 27.285, 0, 0, 0, 0] },
      { assetId: 'tank', action: 'heatCharge', kw: [25, 25, 30, 0, 0, 0, 0, 0] },
    ]);
    expect(plan.reboundKw).toEqual([5, 5, 0, 0, 0, 0, 0, 0]);
    expect(plan.recoveryKw).toEqual([75, 75, 80, 27.285, 0, 0, 0, 0]);
    expect(plan.unrecoveredKwh).toBe(0);
  });

  it('says what does not fit when the margin leaves little room', () => {
    // a 325 kW baseline under the 330 kW ceiling: 5 kW of room, the rebound takes it in the first two
    // quarters; then 5 kW for the battery in each of the six others = 7.5 kWh of its 44.321
    const plan = planRecovery({
      building,
      state,
      assets,
      intervalMinutes: 15,
      window,
      baselineAfterKw: new Array(8).fill(325),
      preEventKw: 300,
      marginPct: 10,
    });
    expect(plan.recoveryKw).toEqual([0, 0, 5, 5, 5, 5, 5, 5]);
    // 44.321 − 7.5 battery, 20 tank
    expect(plan.unrecoveredKwh).toBeCloseTo(40 / 0.9025 - 7.5 + 20, 3);
  });

  it('expects all of an EV’s deferred charge back, and reboundShare of other loads', () => {
    const ev = Building.parse(
      buildingInput({
        assets: [
          {
            kind: 'appliance',
            id: 'ev',
            applianceKind: 'evCharger',
            ratedKw: 7,
            curtailableShare: 1,
            maxCurtailMinutes: 60,
            reboundShare: 0,
          },
        ],
      }),
    );
    // 7 kW deferred in two quarters: 7 kW in the two quarters after the window
    expect(reboundAfter(ev, [{ assetId: 'ev', action: 'curtail', kw: [0, 0, 7, 7] }], 4)).toEqual([
      7, 7, 0, 0,
    ]);
  });
});

describe("what other events' recoveries draw in a valley window", () => {
  const at0 = at('2026-01-15T23:00:00');
  const window = { eventId: 'valley', startMs: at0, intervalMinutes: 30, intervals: 3 };
  const held = (over: Partial<Reservation>): Reservation => ({
    eventId: 'peak',
    assetId: 'bat',
    direction: 'VALLEY_FILLING',
    startMs: at0,
    intervalMinutes: 15,
    kw: [],
    kwh: 0,
    recovery: true,
    ...over,
  });

  it("counts recoveries only, of other events, spread by overlap onto the window's grid", () => {
    const kw = standingRecoveryKw(
      [
        // quarter-hours from 22:45: the first is before the window, the rest fill 23:00–00:00
        held({ startMs: at('2026-01-15T22:45:00'), kw: [99, 40, 20, 10, 10] }),
        // another tank, half-hours from 23:30: half of its first lands in 23:30–00:00 whole
        held({ assetId: 'tank', startMs: at('2026-01-15T23:30:00'), intervalMinutes: 30, kw: [30, 30, 30] }),
        // the event's own recovery and a discharge that is no recovery do not count
        held({ eventId: 'valley', kw: [500] }),
        held({ recovery: false, kw: [500] }),
      ],
      window,
    );
    // 23:00–23:30: (40 + 20)/2; 23:30–00:00: (10 + 10)/2 + 30; 00:00–00:30: 30
    expect(kw).toEqual([30, 40, 30]);
  });

  it('is nothing without reservations', () => {
    expect(standingRecoveryKw([], window)).toEqual([0, 0, 0]);
  });
});
