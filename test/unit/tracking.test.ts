import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loweredCommand } from '../../lib/domain/commands.ts';
import type { Command } from '../../lib/domain/model/command.ts';
import {
  expectedDeviationKw,
  releaseExcess,
  trackingDecision,
  trackingError,
} from '../../lib/domain/tracking.ts';

const flat = (n: number, kw: number) => new Array<number>(n).fill(kw);

describe('trackingDecision', () => {
  it('changes nothing while the expected delivery stays within the band', () => {
    const d = trackingDecision({
      targetsKw: flat(4, 100),
      fromInterval: 1,
      hysteresis: 0.05,
      buildings: [
        { buildingId: 'a', plannedKw: flat(4, 60), deliveredKw: [58, null, null, null] },
        { buildingId: 'b', plannedKw: flat(4, 40), deliveredKw: [40, null, null, null] },
      ],
    });
    expect(d.act).toBe(false);
    expect(d.correctionKw).toEqual([0, 0, 0, 0]);
    expect(d.expectedKw).toEqual([98, 98, 98, 98]);
  });

  it('expects a building to keep its recent deviation and asks the gap of the remaining intervals only', () => {
    const d = trackingDecision({
      targetsKw: flat(5, 100),
      fromInterval: 2,
      hysteresis: 0.05,
      buildings: [
        // delivered 20 kW less than asked in both metered intervals
        { buildingId: 'a', plannedKw: flat(5, 60), deliveredKw: [40, 40, null, null, null] },
        { buildingId: 'b', plannedKw: flat(5, 40), deliveredKw: [40, 40, null, null, null] },
      ],
    });
    expect(d.deviationKw.get('a')).toBe(-20);
    expect(d.deviationKw.get('b')).toBe(0);
    // 'a' is not asked for more: what it delivers says its flexibility on paper is not there
    expect([...d.lagging]).toEqual(['a']);
    expect(d.act).toBe(true);
    expect(d.correctionKw).toEqual([0, 0, 20, 20, 20]);
  });

  it('gives back an excess, and names nothing for an interval whose target the plan already meets', () => {
    const d = trackingDecision({
      targetsKw: [100, 100, 100, 50],
      fromInterval: 1,
      hysteresis: 0.05,
      buildings: [{ buildingId: 'a', plannedKw: [110, 110, 100, 50], deliveredKw: [125, null, null, null] }],
    });
    // deviation +15: expected 125, 115, 65 against 100, 100, 50
    expect(d.correctionKw).toEqual([0, -25, -15, -15]);
  });

  it('estimates from the latest metered intervals and skips the ones without a reading', () => {
    const b = { buildingId: 'a', plannedKw: flat(5, 10), deliveredKw: [0, 10, null, 16, null] };
    expect(expectedDeviationKw(b, 4, 2)).toBe(3); // (16 − 10 + 10 − 10) / 2
    expect(expectedDeviationKw(b, 4, 1)).toBe(6);
    expect(expectedDeviationKw({ ...b, deliveredKw: flat(5, Number.NaN) }, 4, 2)).toBe(0);
  });

  it('has no delivered figure for an observed interval a building did not report in full', () => {
    const d = trackingDecision({
      targetsKw: flat(3, 10),
      fromInterval: 2,
      hysteresis: 0.05,
      buildings: [
        { buildingId: 'a', plannedKw: flat(3, 5), deliveredKw: [5, null, null] },
        { buildingId: 'b', plannedKw: flat(3, 5), deliveredKw: [5, 5, null] },
      ],
    });
    expect(d.expectedKw[0]).toBe(10);
    expect(d.expectedKw[1]).toBeNaN();
  });

  it('never acts on a gap below half a kW, whatever the band says of a tiny target', () => {
    const d = trackingDecision({
      targetsKw: flat(2, 1),
      fromInterval: 1,
      hysteresis: 0,
      buildings: [{ buildingId: 'a', plannedKw: flat(2, 1), deliveredKw: [0.7, null] }],
    });
    expect(d.act).toBe(false);
  });
});

describe('releaseExcess', () => {
  it('takes the excess from the buildings asked the most, touching as few as it can', () => {
    const cut = releaseExcess(
      [
        { buildingId: 'small', plannedKw: [10, 10, 10] },
        { buildingId: 'large', plannedKw: [50, 50, 50] },
        { buildingId: 'mid', plannedKw: [30, 30, 30] },
      ],
      [0, -40, -60],
    );
    expect([...cut.keys()]).toEqual(['large', 'mid']);
    expect(cut.get('large')).toEqual([0, 40, 50]);
    expect(cut.get('mid')).toEqual([0, 0, 10]);
  });

  it('counts only what a building delivering less than asked gives back beyond its deficit', () => {
    const cut = releaseExcess(
      [
        { buildingId: 'short', plannedKw: [100] },
        { buildingId: 'fine', plannedKw: [40] },
      ],
      [-50],
      new Map([['short', -70]]),
    );
    // 'short' can give back only 30 effective kW (100 − 70), so 'fine' (40) goes first; the last
    // 10 kW from 'short' take its ask down by its 70 kW deficit and 10 more
    expect(cut.get('fine')).toEqual([40]);
    expect(cut.get('short')).toEqual([80]);
  });

  it('never lowers an ask below 0, and covers the excess whenever the asks can', () => {
    const building = fc.record({
      plannedKw: fc.array(fc.double({ min: 0, max: 500, noNaN: true }), { minLength: 4, maxLength: 4 }),
      deviation: fc.double({ min: -300, max: 100, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(building, { maxLength: 8 }),
        fc.array(fc.double({ min: -800, max: 100, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (specs, correction) => {
          const buildings = specs.map((s, i) => ({ buildingId: `b${i}`, plannedKw: s.plannedKw }));
          const deviation = new Map(specs.map((s, i) => [`b${i}`, s.deviation]));
          const cut = releaseExcess(buildings, correction, deviation);
          correction.forEach((c, t) => {
            let effective = 0;
            let releasable = 0;
            for (const b of buildings) {
              const p = b.plannedKw[t] as number;
              const deficit = Math.max(0, -(deviation.get(b.buildingId) as number));
              const x = cut.get(b.buildingId)?.[t] ?? 0;
              expect(x).toBeGreaterThanOrEqual(0);
              expect(x).toBeLessThanOrEqual(p + 1e-9);
              effective += Math.max(0, x - deficit);
              releasable += Math.max(0, p - deficit);
            }
            if (c >= 0) expect(effective).toBe(0);
            else expect(effective).toBeCloseTo(Math.min(-c, releasable), 6);
          });
        },
      ),
    );
  });
});

describe('loweredCommand', () => {
  const command: Command = {
    commandId: 'c1',
    eventId: 'e1',
    revision: 1,
    kind: 'DISPATCH',
    buildingId: 'b1',
    parkId: 'p1',
    bmsIntegrationId: 'bms-1',
    direction: 'PEAK_SHAVING',
    start: '2026-12-04T09:00:00Z',
    intervalMinutes: 15,
    limitType: 'MAX_IMPORT',
    gridLimitKw: [200, 200],
    baselineKw: [300, 300],
    responseKw: [100, 100],
    assets: [
      // charging 50 kW without the event: discharging 10 holds −10
      { assetId: 'bat', action: 'discharge', kw: [60, 60], setpointKw: [-10, -10] },
      { assetId: 'hvac', action: 'curtail', kw: [40, 40] },
    ],
  };

  it('lowers every asset in proportion and moves the limit with the ask', () => {
    const lowered = loweredCommand(command, [0, 25]);
    expect(lowered.responseKw).toEqual([100, 75]);
    expect(lowered.gridLimitKw).toEqual([200, 225]);
    expect(lowered.assets.map((a) => a.kw)).toEqual([
      [60, 45],
      [40, 30],
    ]);
    // the set point moves back towards the baseline by what was given back
    expect(lowered.assets[0]?.setpointKw).toEqual([-10, 5]);
  });

  it('never asks less than nothing', () => {
    const lowered = loweredCommand(command, [500, 0]);
    expect(lowered.responseKw).toEqual([0, 100]);
    expect(lowered.gridLimitKw).toEqual([300, 200]);
    expect(lowered.assets.every((a) => a.kw[0] === 0)).toBe(true);
  });
});

describe('trackingDecision without evidence', () => {
  it("expects a building never metered to deliver the plan's assumed share, so an over-procured plan is left alone", () => {
    const d = trackingDecision({
      targetsKw: flat(3, 90),
      fromInterval: 1,
      hysteresis: 0.05,
      unmeteredRatio: 0.9,
      buildings: [{ buildingId: 'a', plannedKw: flat(3, 100), deliveredKw: [null, null, null] }],
    });
    expect(d.act).toBe(false);
    expect(d.expectedKw.slice(1)).toEqual([90, 90]);
  });
});

describe('trackingError', () => {
  it('averages |delivered − target| / target over the intervals with both, and names the worst', () => {
    expect(
      trackingError([
        { targetKw: 100, deliveredKw: 90 },
        { targetKw: 200, deliveredKw: 230 },
        { targetKw: 100, deliveredKw: null },
        { targetKw: 0, deliveredKw: 5 },
      ]),
    ).toEqual({ meanAbsPct: 12.5, worstPct: 15, worstInterval: 1, intervals: 2 });
    expect(trackingError([{ targetKw: null, deliveredKw: 3 }])).toBeUndefined();
  });
});

describe('trackingDecision when the fleet is out of headroom', () => {
  it('asks nothing more in an interval the latest plan could not fill, and still gives back elsewhere', () => {
    const d = trackingDecision({
      targetsKw: [100, 100, 100],
      fromInterval: 1,
      hysteresis: 0.05,
      planShortfallKw: [0, 30, 0],
      buildings: [{ buildingId: 'a', plannedKw: [70, 70, 130], deliveredKw: [70, null, null] }],
    });
    expect(d.correctionKw).toEqual([0, 0, -30]);
  });
});
