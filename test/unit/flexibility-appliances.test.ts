/**
 * Flexible appliances and EV chargers (issue 13 items 4 and 5): what a curtailment limit means and
 * EVs as they are. The semantics are in docs/assets.md; every expectation is worked out in comments.
 */
import { describe, expect, it } from 'vitest';
import { allocate } from '../../lib/domain/allocation.ts';
import {
  type BuildingFlexibility,
  computeFlexibility,
  type FlexibilityInput,
  flexibilityCurve,
  toAllocationBuilding,
} from '../../lib/domain/flexibility.ts';
import { Building, type BuildingInput } from '../../lib/domain/model/building.ts';
import type { Direction } from '../../lib/domain/model/common.ts';
import type { AssetState } from '../../lib/domain/model/telemetry.ts';
import { buildingInput } from '../support/fixtures.ts';

/** Every window here starts at 17:00 China time and is cut into quarter-hours. */
const START = Date.parse('2026-01-15T17:00:00+08:00');
const QUARTER_H = 0.25;

function flexOf(
  asset: BuildingInput['assets'][number],
  over: { direction?: Direction; intervals?: number; state?: AssetState; at?: string; startMs?: number } = {},
): BuildingFlexibility {
  const building = Building.parse(
    buildingInput({ gridLimits: { importKw: 500, exportKw: 0 }, assets: [asset] }),
  );
  const intervals = over.intervals ?? 8;
  const input: FlexibilityInput = {
    building,
    state:
      over.state || over.at
        ? {
            buildingId: 'b1',
            at: over.at ?? '2026-01-15T17:00:00+08:00',
            netLoadKw: 200,
            assets: over.state ? [over.state] : [],
          }
        : undefined,
    direction: over.direction ?? 'PEAK_SHAVING',
    startMs: over.startMs ?? START,
    intervalMinutes: 15,
    intervals,
    baselineKw: new Array(intervals).fill(200),
  };
  return computeFlexibility(input);
}

/** The allocator's kW for the building's only resource, with a shortfall penalty far above its cost. */
function allocateOne(flex: BuildingFlexibility, targetsKw: number[]) {
  const a = allocate({
    intervalHours: QUARTER_H,
    targetsKw,
    shortfallPenaltyYuanPerKwh: 100,
    buildings: [toAllocationBuilding(flex)],
  });
  return { kw: Array.from(a.kw.subarray(0, a.intervals)), shortfallKw: Array.from(a.shortfallKw) };
}

const hvac = (maxCurtailMinutes: number) => ({
  kind: 'appliance' as const,
  id: 'hvac',
  applianceKind: 'hvac' as const,
  ratedKw: 200,
  curtailableShare: 0.3,
  maxCurtailMinutes,
});

const ev = (over: Record<string, unknown> = {}) => ({
  kind: 'appliance' as const,
  id: 'ev',
  applianceKind: 'evCharger' as const,
  ratedKw: 7,
  curtailableShare: 1,
  maxCurtailMinutes: 120,
  ...over,
});

const car = (over: Partial<Extract<AssetState, { kind: 'appliance' }>>): AssetState => ({
  kind: 'appliance',
  assetId: 'ev',
  on: true,
  kw: 7,
  ...over,
});

describe('a curtailment limit is minutes with any curtailment, whole intervals, at the end of the window', () => {
  it('offers an HVAC unit limited to 60 min in the last hour of a 2 h window, never at half its level for 2 h', () => {
    // Prepare: 200 kW × 0.3 = 60 kW curtailable; 60 min = 4 quarter-hours of the 8, the last four.
    const flex = flexOf(hvac(60));

    // Act: ask 30 kW in every quarter-hour, which "half its level for 120 min" would have served
    const { kw, shortfallKw } = allocateOne(flex, new Array(8).fill(30));

    // Assess: the bound is 60 kW in quarter-hours 4–7 only; the allocator can use no more than those
    // four, so the first hour stays 30 kW short and the energy is 30 kW × 4 × 0.25 h = 30 kWh.
    expect(flex.resources[0]?.upperKw).toEqual([0, 0, 0, 0, 60, 60, 60, 60]);
    expect(kw).toEqual([0, 0, 0, 0, 30, 30, 30, 30]);
    expect(shortfallKw).toEqual([30, 30, 30, 30, 0, 0, 0, 0]);
    expect(kw.filter((x) => x > 0).length * 15).toBeLessThanOrEqual(60);
  });

  it('serves a window exactly as long as the limit in full, and leaves one interval more unserved', () => {
    // Prepare: limit 60 min; a 60 min window (4 quarter-hours) and a 75 min one (5).
    const exactly = flexOf(hvac(60), { intervals: 4 });
    const oneMore = flexOf(hvac(60), { intervals: 5 });

    // Act: ask 60 kW throughout
    const a = allocateOne(exactly, [60, 60, 60, 60]);
    const b = allocateOne(oneMore, [60, 60, 60, 60, 60]);

    // Assess: 4 × 15 = 60 min is within the limit: all served. The fifth quarter-hour would make 75 min:
    // the first one (the slot ends with the window) is left at 0 and 60 kW short.
    expect(a.kw).toEqual([60, 60, 60, 60]);
    expect(a.shortfallKw).toEqual([0, 0, 0, 0]);
    expect(b.kw).toEqual([0, 60, 60, 60, 60]);
    expect(b.shortfallKw).toEqual([60, 0, 0, 0, 0]);
  });

  it('rounds a limit between interval boundaries down: 74 min allows 4 quarter-hours, 75 min allows 5', () => {
    // Prepare: ⌊74/15⌋ = 4, ⌊75/15⌋ = 5 (a fifth quarter-hour at 74 min would be 75 min curtailed)
    // Act
    const below = flexOf(hvac(74));
    const at = flexOf(hvac(75));
    // Assess
    expect(below.resources[0]?.upperKw).toEqual([0, 0, 0, 0, 60, 60, 60, 60]);
    expect(at.resources[0]?.upperKw).toEqual([0, 0, 0, 60, 60, 60, 60, 60]);
  });

  it('has no energy budget besides its intervals: 60 kW × 4 × 0.25 h = 60 kWh over the window', () => {
    // Prepare / Act
    const flex = flexOf(hvac(60));
    // Assess
    expect(flex.resources[0]?.budgetKwh).toBe(Number.POSITIVE_INFINITY);
    expect(flexibilityCurve(flex, 15).energyKwh).toBeCloseTo(60, 9);
  });
});

describe('EV chargers as they are', () => {
  it('gives no response after the car leaves: a car leaving after 30 min has nothing at 90–105 min', () => {
    // Prepare: plugged in at 7 kW, needs 3 kWh, leaves at 17:30. Its baseline charges 3/7 h ≈ 25.7 min:
    // 7 kW in the first quarter-hour, 1.25 kWh (5 kW average) in the second, nothing after. It leaves
    // inside the window, where the draw may not rise above the baseline, so nothing can be deferred:
    // budget = in-window 3 kWh + 7 kW × 0 h after the window − 3 kWh still needed = 0.
    const flex = flexOf(ev(), { state: car({ energyNeededKwh: 3, minutesToDeparture: 30 }) });

    // Act
    const { kw } = allocateOne(flex, new Array(8).fill(7));

    // Assess
    const r = flex.resources[0];
    expect(r?.upperKw[6]).toBe(0);
    expect(r?.upperKw[0]).toBeCloseTo(7, 9);
    expect(r?.upperKw[1]).toBeCloseTo(5, 9);
    expect(r?.upperKw.slice(2)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r?.budgetKwh).toBeCloseTo(0, 9);
    expect(kw.every((x) => x < 1e-9)).toBe(true);
  });

  it('defers a car that stays after the window only while it charges, and makes it up afterwards', () => {
    // Prepare: the same car leaving at 19:30, half an hour after the window: 7 kW × 0.5 h = 3.5 kWh can
    // be made up after it, more than the 3 kWh its baseline draws in the first two quarter-hours.
    const flex = flexOf(ev(), { state: car({ energyNeededKwh: 3, minutesToDeparture: 150 }) });

    // Act
    const { kw } = allocateOne(flex, new Array(8).fill(7));

    // Assess: budget = 3 + 3.5 − 3 = 3.5 kWh; served 7 and 5 kW, (7 + 5) × 0.25 = 3 kWh
    expect(flex.resources[0]?.budgetKwh).toBeCloseTo(3.5, 9);
    expect(kw[0]).toBeCloseTo(7, 9);
    expect(kw[1]).toBeCloseTo(5, 9);
    expect(kw.slice(2).every((x) => x < 1e-9)).toBe(true);
  });

  it('gives no response before an announced car arrives', () => {
    // Prepare: nothing plugged in; a car announced for 18:00 (in 60 min), leaving at 22:00, needing
    // 14 kWh. Plugged in, it charges at 7 kW for 2 h: 18:00–20:00, the last four quarter-hours.
    const flex = flexOf(ev(), {
      state: car({ on: false, kw: 0, energyNeededKwh: 14, minutesToDeparture: 300, minutesToArrival: 60 }),
    });
    // Act
    const r = flex.resources[0];
    // Assess: budget = 7 kWh in the window + 7 kW × 3 h after − 14 kWh = 14 kWh, above the 7 kWh
    // of its four quarter-hours at 7 kW.
    expect(r?.upperKw).toEqual([0, 0, 0, 0, 7, 7, 7, 7]);
    expect(r?.budgetKwh).toBeCloseTo(14, 9);
  });

  it('charges early no more than the car can still take before it leaves: 7 kWh, not 14', () => {
    // Prepare: valley filling; a car plugged in but idle, needing 14 kWh, leaving after 60 min. At 7 kW
    // it can take 7 kW × 1 h = 7 kWh before it leaves; the old budget let the allocator put 14 kWh
    // over 2 h.
    const flex = flexOf(ev(), {
      direction: 'VALLEY_FILLING',
      state: car({ on: false, kw: 0, energyNeededKwh: 14, minutesToDeparture: 60 }),
    });

    // Act
    const { kw } = allocateOne(flex, new Array(8).fill(7));

    // Assess
    const r = flex.resources[0];
    expect(r?.action).toBe('chargeEarly');
    expect(r?.upperKw).toEqual([7, 7, 7, 7, 0, 0, 0, 0]);
    expect(r?.budgetKwh).toBeCloseTo(7, 9);
    expect(kw.reduce((s, x) => s + x, 0) * QUARTER_H).toBeCloseTo(7, 9);
  });

  it('charges early at the car’s limit, not the charger’s rating', () => {
    // Prepare: a 22 kW charger, a car that accepts 3.5 kW, idle, needing 14 kWh, leaving in 4 h.
    // Over the 2 h window it takes 3.5 kW × 2 h = 7 kWh.
    const flex = flexOf(ev({ ratedKw: 22 }), {
      direction: 'VALLEY_FILLING',
      state: car({ on: false, kw: 0, energyNeededKwh: 14, minutesToDeparture: 240, carMaxKw: 3.5 }),
    });
    // Act
    const r = flex.resources[0];
    // Assess
    expect(r?.upperKw).toEqual(new Array(8).fill(3.5));
    expect(r?.budgetKwh).toBeCloseTo(7, 9);
  });

  it('offers nothing from a car that needs its full draw to reach its departure energy', () => {
    // Prepare: an 8 kW charger, a car accepting 4 kW (enrolled limit), charging at 4 kW, needing
    // 12 kWh in 3 h = 4 kW × 3 h: no slack. The old rule counted the charger's 8 kW × 3 h − 12 = 12 kWh
    // of slack and offered 4 kW × 60 min = 4 kWh.
    // Budget now: 4 kW × 2 h = 8 kWh in the window + 4 kW × 1 h after − 12 kWh needed = 0.
    const full = flexOf(ev({ ratedKw: 8, carMaxKw: 4, maxCurtailMinutes: 60 }), {
      state: car({ kw: 4, energyNeededKwh: 12, minutesToDeparture: 180 }),
    });
    // With 10 kWh needed instead, 2 kWh of slack remain: 8 + 4 − 10.
    const slack = flexOf(ev({ ratedKw: 8, carMaxKw: 4, maxCurtailMinutes: 60 }), {
      state: car({ kw: 4, energyNeededKwh: 10, minutesToDeparture: 180 }),
    });

    // Act
    const none = allocateOne(full, new Array(8).fill(4));
    const some = allocateOne(slack, new Array(8).fill(4));

    // Assess: charging runs past the window in both (12 kWh at 4 kW to 20:00, 10 kWh to 19:30), so the
    // 60 min slot is the last four quarter-hours at 4 kW.
    expect(full.resources[0]?.budgetKwh).toBeCloseTo(0, 9);
    expect(none.kw.every((x) => x < 1e-9)).toBe(true);
    expect(slack.resources[0]?.upperKw).toEqual([0, 0, 0, 0, 4, 4, 4, 4]);
    expect(slack.resources[0]?.budgetKwh).toBeCloseTo(2, 9);
    expect(some.kw.reduce((s, x) => s + x, 0) * QUARTER_H).toBeCloseTo(2, 9);
  });

  it('plans from the enrolled usual session when telemetry describes no car', () => {
    // Prepare: home charging, usually 18:30 to 07:30 with 20 kWh; the 17:00 report has no car. For a
    // 19:00–21:00 peak the car charges at 7 kW from 18:30 for 20/7 h ≈ 2.86 h, through the window.
    // Still needed at 19:00: 20 − 3.5 = 16.5 kWh; budget = 14 in the window + 7 × 10.5 h after − 16.5
    // = 71 kWh, more than the 14 kWh of the window.
    const home = ev({ usualSession: { arrival: '18:30', departure: '07:30', energyKwh: 20 } });
    const flex = flexOf(home, {
      startMs: Date.parse('2026-01-15T19:00:00+08:00'),
      at: '2026-01-15T17:00:00+08:00',
    });
    // Act
    const r = flex.resources[0];
    // Assess
    expect(r?.upperKw).toEqual(new Array(8).fill(7));
    expect(r?.budgetKwh).toBeCloseTo(71, 9);
  });

  it('offers nothing when neither telemetry nor enrollment describes a car', () => {
    // Prepare: the charger reports a draw but no session, and has no usual session
    // Act
    const flex = flexOf(ev(), { state: car({}) });
    // Assess
    expect(flex.resources).toEqual([]);
  });
});
