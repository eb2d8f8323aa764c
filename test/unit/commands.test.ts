import { describe, expect, it } from 'vitest';
import { allocate } from '../../lib/domain/allocation.ts';
import {
  actionsOf,
  allocateCountingGaps,
  buildCommands,
  cancellationCommand,
  commandId,
  latestByBuilding,
  latestRevisionBy,
  onBaseline,
} from '../../lib/domain/commands.ts';
import { computeFlexibility, toAllocationBuilding } from '../../lib/domain/flexibility.ts';
import { Building } from '../../lib/domain/model/building.ts';
import { Command } from '../../lib/domain/model/command.ts';
import { batteryInput, buildingInput } from '../support/fixtures.ts';

const building = Building.parse(
  buildingInput({
    name: 'DC office',
    assets: [
      { kind: 'dcBus', id: 'bus', nominalVoltage: 750, bandPct: 10, flexKwPerPct: 2, costYuanPerKwh: 0.05 },
      batteryInput,
    ],
  }),
);
const event = {
  eventId: 'ev1',
  type: 'PEAK_SHAVING' as const,
  start: '2026-01-15T17:00:00+08:00',
  intervalMinutes: 15 as const,
};

function plan(targets: number[]) {
  const baseline = targets.map(() => 300);
  const flex = computeFlexibility({
    building,
    direction: 'PEAK_SHAVING',
    startMs: Date.parse(event.start),
    intervalMinutes: 15,
    intervals: targets.length,
    baselineKw: baseline,
  });
  const allocation = allocate({
    intervalHours: 0.25,
    targetsKw: targets,
    shortfallPenaltyYuanPerKwh: 100,
    buildings: [toAllocationBuilding(flex)],
  });
  return buildCommands(allocation, {
    event,
    revision: 1,
    buildings: [building],
    flexibilities: [flex],
    baselinesKw: [baseline],
  });
}

describe('commands', () => {
  it('derive a deterministic id from event, building and revision', () => {
    expect(commandId('ev1', 'b1', 1)).toBe(commandId('ev1', 'b1', 1));
    expect(commandId('ev1', 'b1', 2)).not.toBe(commandId('ev1', 'b1', 1));
    expect(commandId('ev1', 'b1', 1)).toMatch(/^cmd-[0-9a-f]{32}$/);
  });

  it('carry the grid-power limit per interval and the per-asset breakdown', () => {
    // The bus (0.05 ¥) gives up to 2 kW/% × 10 % = 20 kW first, the battery (0.1 ¥) the rest.
    const [command] = plan([30, 10]);
    expect(Command.parse(command)).toEqual(command);
    expect(command?.limitType).toBe('MAX_IMPORT');
    expect(command?.responseKw).toEqual([30, 10]);
    expect(command?.gridLimitKw).toEqual([270, 290]);
    const bus = command?.assets.find((a) => a.assetId === 'bus');
    const bat = command?.assets.find((a) => a.assetId === 'bat');
    expect(bus?.kw).toEqual([20, 10]);
    // 20 kW at 2 kW/% is 10 % below 750 V; 10 kW is 5 % below
    expect(bus?.voltage).toEqual([675, 712.5]);
    expect(bat?.kw).toEqual([10, 0]);
  });

  it('send nothing to a building with no response', () => {
    expect(plan([0, 0])).toEqual([]);
  });

  it('cancel with a command of its own that supersedes the cancelled one', () => {
    const [command] = plan([30, 10]);
    const cancel = cancellationCommand(command as Command, 2);
    expect(cancel.kind).toBe('CANCEL');
    expect(cancel.supersedes).toBe(command?.commandId);
    // Its own id: never the id of a dispatch of the same building and revision (a cancel racing a revision).
    expect(cancel.commandId).toBe(commandId('ev1', 'b1', 2, 'CANCEL'));
    expect(cancel.commandId).not.toBe(commandId('ev1', 'b1', 2));
    expect(cancel.assets).toEqual([]);
  });
});

describe('the latest revision of each', () => {
  const item = (buildingId: string, eventId: string, revision: number, tag: string) => ({
    command: { buildingId, eventId, revision },
    tag,
  });
  const items = [
    item('b1', 'e1', 1, 'b1e1r1'),
    item('b1', 'e1', 3, 'b1e1r3'),
    item('b2', 'e1', 2, 'b2e1r2'),
    item('b1', 'e2', 2, 'b1e2r2'),
    item('b1', 'e2', 2, 'b1e2r2-second'),
  ];

  it('keeps per building the latest revision, whatever the event', () => {
    const latest = latestByBuilding(items);
    expect([...latest.entries()].map(([k, v]) => [k, v.tag])).toEqual([
      ['b1', 'b1e1r3'],
      ['b2', 'b2e1r2'],
    ]);
  });

  it('keeps per any key the latest revision, the first of equals', () => {
    const latest = latestRevisionBy(
      items.filter((i) => i.command.buildingId === 'b1'),
      (i) => i.command.eventId,
    );
    expect([...latest.entries()].map(([k, v]) => [k, v.tag])).toEqual([
      ['e1', 'b1e1r3'],
      ['e2', 'b1e2r2'],
    ]);
  });
});

describe('absolute set points', () => {
  const battery = Building.parse(buildingInput({ name: 'Charging office', assets: [batteryInput] }));
  const start = Date.parse(event.start);
  const flexOf = (powerKw: number, direction: 'PEAK_SHAVING' | 'VALLEY_FILLING') =>
    computeFlexibility({
      building: battery,
      state: {
        buildingId: battery.buildingId,
        at: event.start,
        netLoadKw: 300,
        assets: [{ kind: 'battery', assetId: batteryInput.id, soc: 0.5, powerKw }],
      },
      direction,
      startMs: start,
      intervalMinutes: 15,
      intervals: 2,
      baselineKw: [300, 300],
    });
  const commandFor = (powerKw: number, direction: 'PEAK_SHAVING' | 'VALLEY_FILLING', targetKw: number) => {
    const flex = flexOf(powerKw, direction);
    const allocation = allocate({
      intervalHours: 0.25,
      targetsKw: [targetKw, targetKw],
      shortfallPenaltyYuanPerKwh: 100,
      buildings: [toAllocationBuilding(flex)],
    });
    const [command] = buildCommands(allocation, {
      event: { ...event, type: direction },
      revision: 1,
      buildings: [battery],
      flexibilities: [flex],
      baselinesKw: [[300, 300]],
    });
    return command?.assets[0];
  };

  it("state the battery's signed power to hold: discharge 90 from a 50 kW charge is −40", () => {
    const asset = commandFor(50, 'PEAK_SHAVING', 90);
    expect(asset?.kw).toEqual([90, 90]);
    expect(asset?.setpointKw).toEqual([-40, -40]);
  });

  it('add a charge to what the battery already draws in valley filling', () => {
    const asset = commandFor(10, 'VALLEY_FILLING', 30);
    expect(asset?.kw).toEqual([30, 30]);
    expect(asset?.setpointKw).toEqual([40, 40]);
  });
});

describe('what a building gives anyway (standingKw)', () => {
  const battery = Building.parse(buildingInput({ name: 'Recovering office', assets: [batteryInput] }));
  const valley = { ...event, type: 'VALLEY_FILLING' as const };
  const commandsFor = (targetKw: number, standing: number[]) => {
    const flex = computeFlexibility({
      building: battery,
      direction: 'VALLEY_FILLING',
      startMs: Date.parse(event.start),
      intervalMinutes: 15,
      intervals: 2,
      baselineKw: [300, 300],
    });
    const allocation = allocate({
      intervalHours: 0.25,
      targetsKw: [targetKw, targetKw],
      shortfallPenaltyYuanPerKwh: 100,
      buildings: [toAllocationBuilding(flex)],
    });
    return buildCommands(allocation, {
      event: valley,
      revision: 1,
      buildings: [battery],
      flexibilities: [flex],
      baselinesKw: [[300, 300]],
      standingKw: [standing],
    });
  };

  it('is counted in the response and the minimum import, and not asked of any asset', () => {
    const [command] = commandsFor(20, [30, 5]);
    expect(command?.standingKw).toEqual([30, 5]);
    const asked = command?.assets[0]?.kw ?? [];
    expect(asked).toEqual([20, 20]);
    expect(command?.responseKw).toEqual([50, 25]);
    expect(command?.gridLimitKw).toEqual([350, 325]);
  });

  it('is enough for a command when nothing is asked', () => {
    const [command] = commandsFor(0, [30, 0]);
    expect(command?.assets).toEqual([]);
    expect(command?.responseKw).toEqual([30, 0]);
    expect(command?.limitType).toBe('MIN_IMPORT');
    expect(commandsFor(0, [0, 0])).toEqual([]);
  });
});

describe("FlexDR's own load forecast (forecastGapKw)", () => {
  const battery = Building.parse(buildingInput({ name: 'Sunny office', assets: [batteryInput] }));
  // contractual 300 kW; FlexDR forecasts 310 (a sunny afternoon set the adjustment low): gap −10
  const flex = computeFlexibility({
    building: battery,
    direction: 'PEAK_SHAVING',
    startMs: Date.parse(event.start),
    intervalMinutes: 15,
    intervals: 2,
    baselineKw: [310, 310],
  });
  const commandFor = (targetKw: number, gap: number[]) => {
    const allocation = allocate({
      intervalHours: 0.25,
      targetsKw: [targetKw, targetKw],
      shortfallPenaltyYuanPerKwh: 100,
      buildings: [toAllocationBuilding(flex)],
    });
    return buildCommands(allocation, {
      event,
      revision: 1,
      buildings: [battery],
      flexibilities: [flex],
      baselinesKw: [[300, 300]],
      gapKw: [gap],
    })[0];
  };

  it('states what settlement will measure, and the limit the forecast and the ask put the load at', () => {
    const command = commandFor(40, [-10, -10]);
    expect(command?.assets[0]?.kw).toEqual([40, 40]);
    expect(command?.responseKw).toEqual([30, 30]);
    expect(command?.forecastGapKw).toEqual([-10, -10]);
    // 310 forecast − 40 asked = 270 = 300 contractual − 30
    expect(command?.gridLimitKw).toEqual([270, 270]);
    expect(command?.planningBaselineKw).toEqual([310, 310]);
  });

  it('never states a negative response: the gap stated is what is left of it', () => {
    const command = commandFor(4, [-10, -10]);
    expect(command?.responseKw).toEqual([0, 0]);
    expect(command?.forecastGapKw).toEqual([-4, -4]);
    expect(command?.gridLimitKw).toEqual([300, 300]);
  });

  it('keeps its limit on a new contractual baseline: the response settlement will measure moves instead', () => {
    const command = commandFor(40, [-10, -10]) as Command;
    const final = onBaseline(command, { kw: [305, 296], kind: 'CONTRACTUAL' });
    expect(final.gridLimitKw).toEqual([270, 270]);
    expect(final.responseKw).toEqual([35, 26]);
    expect(final.forecastGapKw).toEqual([-5, -14]);
  });

  it('is counted only for the buildings the allocation commands, over as many passes as that takes', () => {
    const other = Building.parse(
      buildingInput({ buildingId: 'b2', name: 'Dear office', assets: [batteryInput] }),
    );
    const dear = computeFlexibility({
      building: other,
      direction: 'PEAK_SHAVING',
      startMs: Date.parse(event.start),
      intervalMinutes: 15,
      intervals: 2,
      baselineKw: [300, 300],
    });
    const problem = {
      intervalHours: 0.25,
      targetsKw: [40, 40],
      shortfallPenaltyYuanPerKwh: 100,
      buildings: [
        toAllocationBuilding(flex),
        toAllocationBuilding({
          ...dear,
          resources: dear.resources.map((r) => ({ ...r, costYuanPerKwh: r.costYuanPerKwh + 1 })),
        }),
      ],
    };
    // the cheap building will show 10 kW less than its ask, the dear one 5 kW more (no ask of the dear
    // one is needed, so its gap never counts)
    const { allocation, gapCountedKw } = allocateCountingGaps(problem, [
      [-10, -10],
      [5, 5],
    ]);
    expect(gapCountedKw).toEqual([-10, -10]);
    expect(Array.from(allocation.expectedKw)).toEqual([50, 50]);
  });
});

describe('actionsOf', () => {
  it("names a command's asset actions once each, or its recovery when it asks nothing", () => {
    const assets = [
      { assetId: 'a', action: 'discharge' as const, kw: [1] },
      { assetId: 'b', action: 'discharge' as const, kw: [1] },
      { assetId: 'c', action: 'curtail' as const, kw: [1] },
    ];
    expect(actionsOf({ assets })).toBe('discharge+curtail');
    expect(actionsOf({ assets: [], standingKw: [30] })).toBe('recovery');
    expect(actionsOf({ assets: [] })).toBe('');
  });
});
