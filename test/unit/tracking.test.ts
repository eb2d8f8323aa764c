import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addedAsk } from '../../lib/app/planning.ts';
import { loweredCommand } from '../../lib/domain/commands.ts';
import { computeFlexibility } from '../../lib/domain/flexibility.ts';
import { Building } from '../../lib/domain/model/building.ts';
import type { Command } from '../../lib/domain/model/command.ts';
import {
  expectedDeviationKw,
  overAskKw,
  releaseExcess,
  trackingDecision,
  trackingError,
} from '../../lib/domain/tracking.ts';
import { buildingInput, largeBatteryInput } from '../support/fixtures.ts';

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

  it('gives back only what was asked, never what a building gives anyway for another event', () => {
    const cut = releaseExcess(
      [
        { buildingId: 'recovering', plannedKw: [80], unaskedKw: [70] },
        { buildingId: 'asked', plannedKw: [40] },
      ],
      [-45],
    );
    expect(cut.get('asked')).toEqual([40]);
    expect(cut.get('recovering')).toEqual([5]);
    // nothing asked at all: nothing to give back
    expect(releaseExcess([{ buildingId: 'r', plannedKw: [50], unaskedKw: [50] }], [-20]).size).toBe(0);
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

describe('loweredCommand', () => {
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

  it('never lowers what the building gives anyway for another event (standingKw)', () => {
    const valley: Command = {
      ...command,
      direction: 'VALLEY_FILLING',
      limitType: 'MIN_IMPORT',
      gridLimitKw: [400, 400],
      // 30 kW of another event's recovery, 70 asked of the two assets
      standingKw: [30, 30],
      assets: [
        { assetId: 'bat', action: 'charge', kw: [50, 50] },
        { assetId: 'tank', action: 'heatCharge', kw: [20, 20] },
      ],
    };
    const lowered = loweredCommand(valley, [500, 35]);
    expect(lowered.responseKw).toEqual([30, 65]);
    expect(lowered.gridLimitKw).toEqual([330, 365]);
    expect(lowered.assets.map((a) => a.kw)).toEqual([
      [0, 25],
      [0, 10],
    ]);
    expect(lowered.standingKw).toEqual([30, 30]);
  });
});

describe('addedAsk', () => {
  it('adds a second ask to the standing one, counting what the building gives anyway once', () => {
    const standing: Command = {
      ...command,
      direction: 'VALLEY_FILLING',
      limitType: 'MIN_IMPORT',
      responseKw: [50, 50],
      gridLimitKw: [350, 350],
      standingKw: [30, 30],
      assets: [{ assetId: 'bat', action: 'charge', kw: [20, 20] }],
    };
    // the shortfall plan's own command counts the same recovery again: it must not add up twice
    const more: Command = {
      ...standing,
      commandId: 'c2',
      revision: 2,
      responseKw: [40, 30],
      assets: [{ assetId: 'bat', action: 'charge', kw: [10, 0] }],
    };
    const merged = addedAsk(standing, more);
    expect(merged.commandId).toBe('c2');
    expect(merged.responseKw).toEqual([60, 50]);
    expect(merged.standingKw).toEqual([30, 30]);
    expect(merged.gridLimitKw).toEqual([360, 350]);
    expect(merged.assets).toEqual([{ assetId: 'bat', action: 'charge', kw: [30, 20] }]);
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

describe('overAskKw', () => {
  const building = Building.parse(
    buildingInput({
      gridLimits: { importKw: 800, exportKw: 0 },
      assets: [largeBatteryInput],
    }),
  );
  const asking = (kw: number[], extra: Partial<Command> = {}): Command => ({
    ...command,
    buildingId: building.buildingId,
    responseKw: kw,
    gridLimitKw: kw.map((v) => 300 - v),
    assets: [{ assetId: 'bat', action: 'discharge', kw }],
    ...extra,
  });
  const flexAt = (soc: number) =>
    computeFlexibility({
      building,
      state: {
        buildingId: building.buildingId,
        at: command.start,
        netLoadKw: 300,
        assets: [{ kind: 'battery', assetId: 'bat', soc, powerKw: 0 }],
      },
      direction: 'PEAK_SHAVING',
      startMs: Date.parse(command.start),
      intervalMinutes: 15,
      intervals: 4,
      baselineKw: [300, 300, 300, 300],
    });

  it('is nothing while the ask fits the latest state', () => {
    expect(overAskKw(asking([200, 200, 200, 200]), flexAt(0.8))).toEqual([0, 0, 0, 0]);
  });

  it('is what a drained battery can no longer give, interval by interval', () => {
    // (0.15 − 0.1) × 800 × 0.95 = 38 kWh: 152 kW in the first quarter, nothing after
    expect(overAskKw(asking([200, 200, 200, 200]), flexAt(0.15))).toEqual([48, 200, 200, 200]);
  });

  it('cuts an asset the building no longer offers entirely, and never what it gives anyway', () => {
    const gone = asking([100, 100, 0, 0], {
      assets: [{ assetId: 'gone', action: 'curtail', kw: [80, 80, 0, 0] }],
      standingKw: [20, 20, 0, 0],
    });
    expect(overAskKw(gone, flexAt(0.8))).toEqual([80, 80, 0, 0]);
  });
});
