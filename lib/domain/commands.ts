/**
 * Commands: one per building and event revision, built from an allocation. The core is the
 * building's grid-power limit per interval; the per-asset breakdown serves BMS that drive assets
 * one by one. Ids are deterministic so that every retry produces the same command.
 */
import { createHash } from 'node:crypto';
import { type Allocation, type AllocationProblem, allocate } from './allocation.ts';
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
  /**
   * Per building (same order), contractual baseline less FlexDR's forecast of its natural load, in the
   * event's direction (`Command.forecastGapKw`): added to the response of a building commanded, never
   * a reason for a command by itself.
   */
  gapKw?: readonly (readonly number[] | undefined)[];
}

/** Whether a series holds any response worth a command. */
export function worthACommand(kw: readonly number[] | undefined): boolean {
  return kw?.some((v) => v >= MIN_COMMAND_KW) ?? false;
}

/**
 * The contractual baseline less FlexDR's forecast of the load, in the event's direction: the response
 * settlement measures with no asset moving (`Command.forecastGapKw`).
 */
export function forecastGap(
  direction: Command['direction'],
  contractualKw: readonly number[],
  forecastKw: readonly number[],
): number[] {
  const sign = direction === 'PEAK_SHAVING' ? 1 : -1;
  return contractualKw.map((kw, t) => sign * (kw - (forecastKw[t] ?? kw)));
}

/** The part of a command's response in interval `t` no asset is asked for: what it gives anyway, and the forecast's gap. */
export function unaskedKw(command: Pick<Command, 'standingKw' | 'forecastGapKw'>, t: number): number {
  return (command.standingKw?.[t] ?? 0) + (command.forecastGapKw?.[t] ?? 0);
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
    const stands = worthACommand(standing);
    if (assets.length === 0 && !stands) return;
    const gap = ctx.gapKw?.[b];
    const standingAt = (t: number) => (stands ? (standing?.[t] ?? 0) : 0);
    // never a negative response: where the forecast lies above the baseline by more than the ask, the
    // interval asks for the baseline itself, and the gap stated is what is left of it
    const responseKw = response.map((v, t) => round(Math.max(0, v + standingAt(t) + (gap?.[t] ?? 0))));
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
      ...(gap
        ? {
            forecastGapKw: responseKw.map((r, t) => round(r - (response[t] as number) - standingAt(t))),
            // what the assets' asks stand on: the forecast, the baseline less the gap
            planningBaselineKw: baseline.map((kw, t) => round(kw - (up ? 1 : -1) * (gap[t] ?? 0))),
          }
        : {}),
      assets,
      ...(supersedes ? { supersedes } : {}),
    });
  });
  return commands;
}

/**
 * The same ask lowered by `cutKw` per interval of the command (never below its unasked part,
 * `standingKw` and `forecastGapKw`): every asset gives back in proportion to what it was asked in that interval, and the
 * import limit and DC-bus voltage follow. Lowering an ask is always feasible: a battery discharging or charging less, a tank heated
 * closer to its baseline, a shorter curtailment all stay within the limits the larger ask respected.
 * Identity (id, revision, supersedes) is the caller's to set.
 */
export function loweredCommand(command: Command, cutKw: readonly number[], building?: Building): Command {
  const up = command.direction === 'PEAK_SHAVING';
  const standing = (t: number) => unaskedKw(command, t);
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
    round(Math.max(0, (r - standing(t)) * (factor[t] ?? 1) + standing(t))),
  );
  const gap = command.forecastGapKw;
  return {
    ...command,
    responseKw,
    // what is left unasked after the cut, less what it gives anyway (a response is never negative)
    ...(gap
      ? {
          forecastGapKw: responseKw.map((r, t) =>
            round(
              r -
                ((command.responseKw[t] ?? 0) - standing(t)) * (factor[t] ?? 1) -
                (command.standingKw?.[t] ?? 0),
            ),
          ),
        }
      : {}),
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
 * The same asks measured from another baseline, and the planning forecast the command was built on
 * kept as `planningBaselineKw`. Without a forecast of its own (`forecastGapKw`) the import limit
 * moves with the baseline (the response, the set points and the recovery do not). With one, the limit
 * stays where the forecast and the asks put it, and the response settlement will measure, with the
 * gap, moves with the baseline instead. `baseline.kw` covers the command's intervals.
 */
export function onBaseline(command: Command, baseline: CommandBaseline): Command {
  const up = command.direction === 'PEAK_SHAVING';
  const kw = command.responseKw.map((_, t) => round(baseline.kw[t] ?? command.baselineKw[t] ?? 0));
  const gap = command.forecastGapKw;
  const shift = (t: number) => (gap ? (up ? 1 : -1) * ((kw[t] as number) - (command.baselineKw[t] ?? 0)) : 0);
  const responseKw = command.responseKw.map((r, t) => round(Math.max(0, r + shift(t))));
  const { baselineFinalAt: _, ...rest } = command;
  return {
    ...rest,
    baselineKw: kw,
    baselineKind: baseline.kind,
    ...(baseline.finalAt ? { baselineFinalAt: baseline.finalAt } : {}),
    planningBaselineKw: command.planningBaselineKw ?? command.baselineKw,
    responseKw,
    ...(gap
      ? {
          forecastGapKw: gap.map((g, t) =>
            round(g + (responseKw[t] as number) - (command.responseKw[t] ?? 0)),
          ),
        }
      : {}),
    gridLimitKw: responseKw.map((r, t) => round((kw[t] as number) + (up ? -r : r))),
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

/** Whether building `b` of an allocation is asked for anything worth a command. */
export function asksAnything(allocation: Allocation, b: number): boolean {
  const T = allocation.intervals;
  const from = (allocation.resourceOffset[b] as number) * T;
  const to = (allocation.resourceOffset[b + 1] as number) * T;
  for (let i = from; i < to; i++) if ((allocation.kw[i] as number) >= MIN_COMMAND_KW) return true;
  return false;
}

/**
 * The allocation of `problem` when a building commanded also delivers its gap (`CommandContext.gapKw`:
 * the contractual baseline less FlexDR's forecast of its load) as settlement measures it: the targets
 * are lowered by the gaps of the buildings the last pass commanded (raised where the gaps are
 * negative), and allocated again, until the buildings commanded stop changing or `passes` allocations
 * were made. `commanded[b]` marks the buildings that get a command whatever they are asked (a
 * standing recovery). Answers the last allocation and the gaps it counts per interval. The allocator
 * is exact for given targets; which buildings it commands depends on them, which is what the passes
 * settle (the last one's set is used, so a gap never counts for a building not commanded).
 */
export function allocateCountingGaps(
  problem: AllocationProblem,
  gapKw: readonly (readonly number[] | undefined)[],
  commanded: readonly boolean[] = [],
  passes = 3,
): { allocation: Allocation; gapCountedKw: number[] } {
  const T = problem.targetsKw.length;
  const counted = (allocation: Allocation) => {
    const sum = new Array<number>(T).fill(0);
    const set: number[] = [];
    gapKw.forEach((gap, b) => {
      if (!gap || !(commanded[b] || asksAnything(allocation, b))) return;
      set.push(b);
      for (let t = 0; t < T; t++) sum[t] = (sum[t] as number) + (gap[t] ?? 0);
    });
    return { sum, key: set.join(',') };
  };
  let allocation = allocate(problem);
  let seen = counted(allocation);
  for (let pass = 1; pass < passes && gapKw.some((g) => g !== undefined); pass++) {
    const targetsKw = Array.from(problem.targetsKw, (kw, t) => Math.max(0, kw - (seen.sum[t] as number)));
    const next = allocate({ ...problem, targetsKw });
    const after = counted(next);
    allocation = next;
    const same = after.key === seen.key;
    seen = after;
    if (same) break;
  }
  return { allocation, gapCountedKw: seen.sum };
}

/**
 * A command's actions in a word, for logs and reports: its assets' actions joined by `+`, or
 * `recovery` for a command that asks nothing and counts what the building gives anyway.
 */
export function actionsOf(command: {
  assets: readonly { action: string }[];
  standingKw?: readonly number[] | undefined;
}): string {
  const actions = [...new Set(command.assets.map((a) => a.action))].join('+');
  return actions || (command.standingKw ? 'recovery' : '');
}
