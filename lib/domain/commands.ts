/**
 * Commands: one per building and event revision, built from an allocation. The core is the
 * building's grid-power limit per interval; the per-asset breakdown serves BMS that drive assets
 * one by one. Ids are deterministic so that every retry produces the same command.
 */
import { createHash } from 'node:crypto';
import type { Allocation } from './allocation.ts';
import type { BuildingFlexibility } from './flexibility.ts';
import type { DcBusAsset } from './model/asset.ts';
import type { Building } from './model/building.ts';
import type { AssetInstruction, Command } from './model/command.ts';
import type { GridEvent } from './model/grid-event.ts';
import { MINUTE_MS, toMs } from './time.ts';

/** Responses below this many kW are not worth a command. */
export const MIN_COMMAND_KW = 0.01;

/**
 * Deterministic command id: a hash of event id, building id, revision and, for a cancellation, its
 * kind, so a cancellation and a dispatch of the same building and revision (a cancel racing a
 * revision) never share an id.
 */
export function commandId(
  eventId: string,
  buildingId: string,
  revision: number,
  kind: 'DISPATCH' | 'CANCEL' = 'DISPATCH',
): string {
  const key = `${eventId}\u0000${buildingId}\u0000${revision}${kind === 'CANCEL' ? '\u0000CANCEL' : ''}`;
  return `cmd-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

export interface CommandContext {
  event: Pick<GridEvent, 'eventId' | 'type' | 'start' | 'intervalMinutes'>;
  revision: number;
  /** The buildings, flexibilities and baselines in the order given to the allocator. */
  buildings: readonly Building[];
  flexibilities: readonly BuildingFlexibility[];
  baselinesKw: readonly (readonly number[])[];
  /** Previous revision's command id per building, for `supersedes`. */
  previous?: ReadonlyMap<string, string>;
  /**
   * Per building (same order), the response it gives anyway in the window for another event's sake
   * (`standingRecoveryKw`): added to its `responseKw` as `standingKw`, and enough for a command.
   */
  standingKw?: readonly (readonly number[] | undefined)[];
}

const round = (kw: number) => Math.round(kw * 1000) / 1000;

/**
 * One DISPATCH command per building with a response, asked or standing; buildings with neither get
 * no command.
 */
export function buildCommands(allocation: Allocation, ctx: CommandContext): Command[] {
  const T = allocation.intervals;
  const up = ctx.event.type === 'PEAK_SHAVING';
  const commands: Command[] = [];
  ctx.buildings.forEach((building, b) => {
    const flex = ctx.flexibilities[b] as BuildingFlexibility;
    const baseline = ctx.baselinesKw[b] as readonly number[];
    const first = allocation.resourceOffset[b] as number;
    const response = new Array<number>(T).fill(0);
    const assets: AssetInstruction[] = [];
    flex.resources.forEach((res, i) => {
      const kw = Array.from(allocation.kw.subarray((first + i) * T, (first + i + 1) * T), round);
      if (!kw.some((v) => v >= MIN_COMMAND_KW)) return;
      kw.forEach((v, t) => {
        response[t] = (response[t] as number) + v;
      });
      const instruction: AssetInstruction = { assetId: res.assetId, action: res.action, kw };
      const base = res.baselineKw;
      if (base) instruction.setpointKw = kw.map((v, t) => round((base[t] ?? 0) + raises(res.action) * v));
      if (res.kind === 'dcBus') {
        const bus = building.assets.find((a): a is DcBusAsset => a.kind === 'dcBus' && a.id === res.assetId);
        if (bus) instruction.voltage = kw.map((v) => busVoltage(bus, v, up));
      }
      assets.push(instruction);
    });
    const standing = ctx.standingKw?.[b];
    const stands = standing?.some((v) => v >= MIN_COMMAND_KW) ?? false;
    if (assets.length === 0 && !stands) return;
    const responseKw = response.map((v, t) => round(v + (stands ? (standing?.[t] ?? 0) : 0)));
    const id = commandId(ctx.event.eventId, building.buildingId, ctx.revision);
    const supersedes = ctx.previous?.get(building.buildingId);
    commands.push({
      commandId: id,
      eventId: ctx.event.eventId,
      revision: ctx.revision,
      kind: 'DISPATCH',
      buildingId: building.buildingId,
      parkId: building.parkId,
      bmsIntegrationId: building.bmsIntegrationId,
      direction: ctx.event.type,
      start: ctx.event.start,
      intervalMinutes: ctx.event.intervalMinutes,
      limitType: up ? 'MAX_IMPORT' : 'MIN_IMPORT',
      gridLimitKw: responseKw.map((r, t) => round((baseline[t] as number) + (up ? -r : r))),
      baselineKw: baseline.map(round),
      responseKw,
      ...(stands ? { standingKw: responseKw.map((_, t) => round(standing?.[t] ?? 0)) } : {}),
      assets,
      ...(supersedes ? { supersedes } : {}),
    });
  });
  return commands;
}

/**
 * The same ask lowered by `cutKw` per interval of the command (never below its `standingKw`, which
 * is not asked): every asset gives back in proportion to what it was asked in that interval, and the
 * import limit and DC-bus voltage follow. Lowering an ask is always feasible: a battery discharging or charging less, a tank heated
 * closer to its baseline, a shorter curtailment all stay within the limits the larger ask respected.
 * Identity (id, revision, supersedes) is the caller's to set.
 */
export function loweredCommand(command: Command, cutKw: readonly number[], building?: Building): Command {
  const up = command.direction === 'PEAK_SHAVING';
  const standing = (t: number) => command.standingKw?.[t] ?? 0;
  const factor = command.responseKw.map((r, t) => {
    const asked = r - standing(t);
    const cut = Math.max(0, cutKw[t] ?? 0);
    return asked > 0 && cut > 0 ? Math.max(0, asked - cut) / asked : 1;
  });
  const assets = command.assets.map((a): AssetInstruction => {
    const kw = a.kw.map((v, t) => round(v * (factor[t] ?? 1)));
    const bus = building?.assets.find((x): x is DcBusAsset => x.kind === 'dcBus' && x.id === a.assetId);
    const setpoint = a.setpointKw;
    return {
      ...a,
      kw,
      ...(a.voltage && bus ? { voltage: kw.map((v) => busVoltage(bus, v, up)) } : {}),
      // the baseline stays; only the move from it shrinks
      ...(setpoint
        ? {
            setpointKw: setpoint.map((p, t) => round(p - raises(a.action) * ((a.kw[t] ?? 0) - (kw[t] ?? 0)))),
          }
        : {}),
    };
  });
  const responseKw = command.responseKw.map((r, t) =>
    round((r - standing(t)) * (factor[t] ?? 1) + standing(t)),
  );
  return {
    ...command,
    responseKw,
    gridLimitKw: responseKw.map((r, t) => round((command.baselineKw[t] ?? 0) + (up ? -r : r))),
    assets,
  };
}

/** How many intervals after the event's start (`eventStartMs`) a command starts. */
export function intervalOffset(
  cmd: Pick<Command, 'start' | 'intervalMinutes'>,
  eventStartMs: number,
): number {
  return Math.round((toMs(cmd.start) - eventStartMs) / (cmd.intervalMinutes * MINUTE_MS));
}

/** How a command's baseline was found: its kind, and when an estimate becomes final. */
export interface CommandBaseline {
  kw: readonly number[];
  kind: NonNullable<Command['baselineKind']>;
  finalAt?: string;
}

/**
 * The same asks measured from another baseline: the import limit moves with it (the response, the
 * set points and the recovery do not), and the planning forecast the command was built on is kept
 * as `planningBaselineKw`. `baseline.kw` covers the command's intervals.
 */
export function onBaseline(command: Command, baseline: CommandBaseline): Command {
  const up = command.direction === 'PEAK_SHAVING';
  const kw = command.responseKw.map((_, t) => round(baseline.kw[t] ?? command.baselineKw[t] ?? 0));
  const { baselineFinalAt: _, ...rest } = command;
  return {
    ...rest,
    baselineKw: kw,
    baselineKind: baseline.kind,
    ...(baseline.finalAt ? { baselineFinalAt: baseline.finalAt } : {}),
    planningBaselineKw: command.planningBaselineKw ?? command.baselineKw,
    gridLimitKw: command.responseKw.map((r, t) => round((kw[t] as number) + (up ? -r : r))),
  };
}

/** +1 for an action that raises the asset's import (charging, heating), −1 for one that lowers it. */
export function raises(action: AssetInstruction['action']): 1 | -1 {
  return action === 'charge' || action === 'chargeEarly' || action === 'heatCharge' ? 1 : -1;
}

/** Voltage that makes the bus's voltage-following loads give `kw`: lower for less load, higher for more. */
function busVoltage(bus: DcBusAsset, kw: number, up: boolean): number {
  const pct = bus.flexKwPerPct > 0 ? Math.min(bus.bandPct, kw / bus.flexKwPerPct) : 0;
  return Math.round(bus.nominalVoltage * (1 + ((up ? -1 : 1) * pct) / 100) * 10) / 10;
}

/** Cancels a building's command: a command too, with its own id, superseding the one it cancels. */
export function cancellationCommand(previous: Command, revision: number): Command {
  return {
    ...previous,
    commandId: commandId(previous.eventId, previous.buildingId, revision, 'CANCEL'),
    revision,
    kind: 'CANCEL',
    gridLimitKw: [],
    baselineKw: [],
    responseKw: [],
    assets: [],
    supersedes: previous.commandId,
  };
}

/**
 * Per key, the item whose command has the latest revision (the first of equals): what stands when
 * several commands of the same building, or of the same event, are in play.
 */
export function latestRevisionBy<T extends { command: Pick<Command, 'revision'> }>(
  items: Iterable<T>,
  keyOf: (item: T) => string,
): Map<string, T> {
  const latest = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    const held = latest.get(key);
    if (!held || held.command.revision < item.command.revision) latest.set(key, item);
  }
  return latest;
}

/** Per building, the item whose command has the latest revision (the first of equals). */
export function latestByBuilding<T extends { command: Pick<Command, 'buildingId' | 'revision'> }>(
  items: Iterable<T>,
): Map<string, T> {
  return latestRevisionBy(items, (item) => item.command.buildingId);
}
