/**
 * Planning: from an event revision to stored commands and reservations. Shared by the first plan,
 * operator revisions and redispatches.
 */
import type { WorkCalendar } from '../domain/calendar.ts';
import {
  allocateCountingGaps,
  buildCommands,
  cancellationCommand,
  commandId,
  forecastGap,
  intervalOffset,
  latestByBuilding,
  loweredCommand,
  onBaseline,
  raises,
  unaskedKw,
  worthACommand,
} from '../domain/commands.ts';
import { ConflictError } from '../domain/errors.ts';
import {
  type BuildingFlexibility,
  computeFlexibility,
  type Reservation,
  toAllocationBuilding,
} from '../domain/flexibility.ts';
import { isClosed } from '../domain/lifecycle.ts';
import type { Building } from '../domain/model/building.ts';
import { weekdayOf } from '../domain/model/calendar.ts';
import type { AssetInstruction, Command } from '../domain/model/command.ts';
import { type GridEvent, intervalCount } from '../domain/model/grid-event.ts';
import type { Program } from '../domain/model/program.ts';
import { zoneTariff } from '../domain/model/tariff.ts';
import {
  addInto,
  carriedRecoveryKw,
  DEFAULT_RECOVERY_MARGIN_PCT,
  planRecovery,
  type RecoveryWindow,
  reboundAfter,
  recoveryWindow,
  standingRecoveryKw,
} from '../domain/recovery.ts';
import { windowPriceByZone } from '../domain/tariff.ts';
import { chinaDate, chinaMinuteOfDay, MINUTE_MS, toIso, toMs } from '../domain/time.ts';
import { message } from '../messages.ts';
import type { BuildingTelemetry, CommandRecord, EventRecord, PlanSummary } from '../ports.ts';
import type { Deps } from './config.ts';
import { type ContractualForecast, contractualForecasts } from './measurement.ts';

/** Commands that still count: answered yes, or sent and not (yet) refused. */
export const ACTIVE: readonly CommandRecord['status'][] = ['PENDING', 'PUBLISHED', 'ACKNOWLEDGED'];

const SLOT_MINUTES = 15;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * Forecast of a building's net import per interval for planning. Where the working calendar holds
 * the date: the building's profile for that kind of day (a holiday Wednesday is not a working
 * day). Where it does not: the building's recent profile of the same China weekday, never a
 * Monday-to-Friday guess. Where the profile has nothing for the day: its last reported load held
 * flat. Undefined when the building never reported anything that could serve. Settlement uses the
 * program's contractual baseline from readings instead; this one only has to be a good guess.
 */
export function planningBaseline(
  t: BuildingTelemetry | undefined,
  startMs: number,
  minutes: number,
  n: number,
  calendar: WorkCalendar,
): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = startMs + i * minutes * MINUTE_MS;
    const date = chinaDate(at);
    const workday = calendar.workdayOrUnknown(date);
    const slots =
      workday === undefined
        ? t?.profile?.byWeekday?.[weekdayOf(date)]
        : workday
          ? t?.profile?.workday
          : t?.profile?.other;
    const kw = slots?.[Math.floor(chinaMinuteOfDay(at) / SLOT_MINUTES)] ?? t?.state?.netLoadKw;
    if (kw === undefined) return undefined;
    out.push(kw);
  }
  return out;
}

/**
 * What a plan over `n` intervals of `minutes` from `startMs` has to say about the working calendar:
 * one line per year it does not hold, naming the dates planned from same-weekday profiles and how
 * an operator completes the calendar.
 */
export function calendarNotes(calendar: WorkCalendar, startMs: number, minutes: number, n: number): string[] {
  const byYear = new Map<number, string[]>();
  for (let i = 0; i < n; i++) {
    const date = chinaDate(startMs + i * minutes * MINUTE_MS);
    if (calendar.covers(date)) continue;
    const year = Number(date.slice(0, 4));
    const dates = byYear.get(year) ?? [];
    if (!dates.includes(date)) dates.push(date);
    byYear.set(year, dates);
  }
  return [...byYear].map(([year, dates]) => {
    const days = [...new Set(dates.map((d) => WEEKDAYS[weekdayOf(d)] as string))];
    return (
      `No working calendar for ${year}: ${listed(dates)} planned from each building's recent ` +
      `${listed(days)} profile${days.length > 1 ? 's' : ''} (enter it with PUT /calendars/${year})`
    );
  });
}

/** `a`, `a and b`, `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** What a command commits on each asset, as reservations. */
export function reservationsOf(command: Command): Reservation[] {
  const hours = command.intervalMinutes / 60;
  const held = (a: AssetInstruction, direction: Command['direction'], start: string): Reservation => ({
    eventId: command.eventId,
    assetId: a.assetId,
    direction,
    startMs: toMs(start),
    intervalMinutes: command.intervalMinutes,
    kw: a.kw,
    kwh: a.kw.reduce((s, v) => s + v, 0) * hours,
  });
  // A recovery charges: it holds the asset (and the building's headroom) like valley filling would.
  const recovery = command.recovery;
  return [
    ...command.assets.map((a) => held(a, command.direction, command.start)),
    ...(recovery?.assets.map((a) => ({ ...held(a, 'VALLEY_FILLING', recovery.start), recovery: true })) ??
      []),
  ];
}

/**
 * The asks a correction lowers: each building named gets its command of this revision (its merged
 * one when it is also asked for more elsewhere in the window, else its standing one under this
 * revision's id) lowered by the kW given, interval by interval (`loweredCommand`).
 */
function lowered(
  commands: readonly Command[],
  correction: Correction,
  active: ReadonlyMap<string, CommandRecord>,
  revision: number,
  candidates: readonly Candidate[],
  eventStartMs: number,
): Command[] {
  const out = new Map(commands.map((c) => [c.buildingId, c]));
  const buildingOf = new Map(candidates.map((c) => [c.building.buildingId, c.building]));
  const again = (buildingId: string): Command | undefined => {
    const standing = active.get(buildingId)?.command;
    return (
      out.get(buildingId) ??
      (standing && {
        ...standing,
        commandId: commandId(standing.eventId, buildingId, revision),
        revision,
        supersedes: standing.commandId,
      })
    );
  };
  for (const buildingId of correction.reissue ?? []) {
    const cmd = again(buildingId);
    if (cmd) out.set(buildingId, cmd);
  }
  for (const [buildingId, cutKw] of correction.releasesKw) {
    const base = again(buildingId);
    if (!base) continue;
    // the cut is over the event's window; a command starting later is offset into it
    const offset = intervalOffset(base, eventStartMs);
    const own = base.responseKw.map((_, i) => cutKw[i + offset] ?? 0);
    out.set(buildingId, loweredCommand(base, own, buildingOf.get(buildingId)));
  }
  return [...out.values()];
}

/** Adds two commands' asset breakdowns (a redispatch asking more of a building already asked). */
export function mergeAssets(
  a: readonly AssetInstruction[],
  b: readonly AssetInstruction[],
): AssetInstruction[] {
  const out = new Map<string, AssetInstruction>(a.map((x) => [x.assetId, { ...x, kw: [...x.kw] }]));
  for (const x of b) {
    const prev = out.get(x.assetId);
    if (!prev) out.set(x.assetId, { ...x, kw: [...x.kw] });
    else {
      // the set point moves from the earlier one by the added ask (both from the same baseline)
      const before = prev.setpointKw;
      if (before)
        prev.setpointKw = before.map(
          (p, i) => Math.round((p + raises(x.action) * (x.kw[i] ?? 0)) * 1000) / 1000,
        );
      prev.kw = prev.kw.map((v, i) => Math.round((v + (x.kw[i] ?? 0)) * 1000) / 1000);
      if (x.voltage) prev.voltage = x.voltage;
    }
  }
  return [...out.values()];
}

/**
 * A building asked again on top of its standing ask (a shortfall plan): both asks added, under
 * `more`'s identity; the import limit and the set points move with them. What it gives anyway
 * (`standingKw`) and its forecast's gap (`forecastGapKw`) are the earlier command's: a shortfall
 * plan does not count them twice.
 */
export function addedAsk(prev: Command, more: Command): Command {
  const responseKw = more.responseKw.map(
    (v, t) => Math.round((v - unaskedKw(more, t) + (prev.responseKw[t] ?? 0)) * 1000) / 1000,
  );
  const up = more.direction === 'PEAK_SHAVING';
  const { standingKw: _, forecastGapKw: __, planningBaselineKw: ___, ...rest } = more;
  return {
    ...rest,
    ...(prev.standingKw ? { standingKw: prev.standingKw } : {}),
    ...(prev.forecastGapKw ? { forecastGapKw: prev.forecastGapKw } : {}),
    ...((prev.planningBaselineKw ?? more.planningBaselineKw)
      ? { planningBaselineKw: prev.planningBaselineKw ?? more.planningBaselineKw }
      : {}),
    responseKw,
    gridLimitKw: responseKw.map(
      (r, t) => Math.round(((more.baselineKw[t] ?? 0) + (up ? -r : r)) * 1000) / 1000,
    ),
    assets: mergeAssets(prev.assets, more.assets),
  };
}

/**
 * Recovery after a peak-shaving window (lib/domain/recovery.ts): attaches to each command what its
 * batteries and tanks take back, in its zone's recovery window, and sums what follows the window for
 * the plan. One window per zone.
 */
function afterWindow(peak: boolean, windowOf: (zone: string) => RecoveryWindow) {
  const windows = new Map<string, RecoveryWindow>();
  const zoneWindow = (zone: string) => {
    const known = windows.get(zone);
    if (known) return known;
    const w = windowOf(zone);
    windows.set(zone, w);
    return w;
  };
  const recoveryOut = new Map<
    string,
    { recoveryKw: number[]; reboundKw: number[]; unrecoveredKwh: number }
  >();
  return {
    recover(
      cmd: Command,
      c: Candidate,
      calendar: WorkCalendar,
      marginPct = DEFAULT_RECOVERY_MARGIN_PCT,
    ): Command {
      if (!peak || cmd.kind !== 'DISPATCH') return cmd;
      const window = zoneWindow(c.building.zone);
      const length = window.offset + window.intervals;
      const endMs = toMs(cmd.start) + cmd.responseKw.length * cmd.intervalMinutes * MINUTE_MS;
      const forecast = cmd.planningBaselineKw ?? cmd.baselineKw;
      const last = forecast.at(-1) ?? 0;
      const plan = planRecovery({
        building: c.building,
        state: c.telemetry?.state,
        assets: cmd.assets,
        intervalMinutes: cmd.intervalMinutes,
        window,
        baselineAfterKw:
          planningBaseline(c.telemetry, endMs, cmd.intervalMinutes, length, calendar) ??
          new Array<number>(length).fill(last),
        preEventKw: forecast[0] ?? last,
        marginPct,
      });
      recoveryOut.set(cmd.buildingId, plan);
      const { recovery: _, ...rest } = cmd;
      return plan.assets.length > 0
        ? { ...rest, recovery: { start: toIso(window.startMs), assets: plan.assets } }
        : rest;
    },
    /** The plan's view after the window, over every standing command (those kept from earlier revisions too). */
    summary(
      commands: readonly Command[],
      candidates: ReadonlyMap<string, Candidate>,
    ): NonNullable<PlanSummary['after']> {
      let length = 0;
      for (const cmd of commands) {
        const c = candidates.get(cmd.buildingId);
        if (c) {
          const w = zoneWindow(c.building.zone);
          length = Math.max(length, w.offset + w.intervals);
        }
      }
      const recoveryKw = new Array<number>(length).fill(0);
      const reboundKw = new Array<number>(length).fill(0);
      let unrecoveredKwh = 0;
      for (const cmd of commands) {
        const c = candidates.get(cmd.buildingId);
        if (!c || cmd.kind !== 'DISPATCH') continue;
        const planned = recoveryOut.get(cmd.buildingId);
        const w = zoneWindow(c.building.zone);
        const length = w.offset + w.intervals;
        // a command kept from an earlier revision: its recovery as it carries it
        const recovery = planned?.recoveryKw ?? carriedRecoveryKw(cmd.recovery?.assets ?? [], w);
        const rebound = planned?.reboundKw ?? reboundAfter(c.building, cmd.assets, length);
        addInto(recoveryKw, recovery);
        addInto(reboundKw, rebound);
        unrecoveredKwh += planned?.unrecoveredKwh ?? 0;
      }
      const r3 = (v: number) => Math.round(v * 1000) / 1000;
      return {
        recoveryKw: recoveryKw.map(r3),
        reboundKw: reboundKw.map(r3),
        unrecoveredKwh: r3(unrecoveredKwh),
      };
    },
  };
}

/** Events whose every reserved interval ended by `nowMs`. */
function overBy(held: readonly Reservation[], nowMs: number): string[] {
  const lastEnd = new Map<string, number>();
  for (const r of held) {
    const end = r.startMs + r.kw.length * r.intervalMinutes * MINUTE_MS;
    lastEnd.set(r.eventId, Math.max(lastEnd.get(r.eventId) ?? end, end));
  }
  return [...lastEnd].filter(([, end]) => end <= nowMs).map(([id]) => id);
}

/** A building's contractual baseline over the event's window, as far as it is known at planning. */
interface WindowBaseline {
  /** kW per interval of the window; before `from`, the planning forecast. */
  kw: number[];
  kind: 'CONTRACTUAL' | 'CONTRACTUAL_ESTIMATE';
  finalAt?: string;
  /** The first interval the contractual baseline covers. */
  from: number;
  /** FlexDR's own forecast of the building's load (`naturalLoadForecast`), where it has one; same span as `kw`. */
  naturalKw?: number[];
}

function fromBaseline(baseline: ContractualForecast): WindowBaseline {
  return {
    kw: baseline.kw,
    kind: baseline.estimate ? 'CONTRACTUAL_ESTIMATE' : 'CONTRACTUAL',
    ...(baseline.estimate ? { finalAt: toIso(baseline.estimate.finalAtMs) } : {}),
    from: 0,
    ...(baseline.naturalKw ? { naturalKw: baseline.naturalKw } : {}),
  };
}

/**
 * Whether planning reads the history of every candidate before allocating: in a full plan of a scope
 * of at most `contractualPlanningMaxBuildings`. A shortfall plan (declines, the closed loop) comes
 * again and again; it reads only the buildings it commands that hold no final baseline yet.
 */
function readBefore(candidates: number, mode: 'full' | 'shortfall', deps: Pick<Deps, 'config'>): boolean {
  return mode === 'full' && candidates <= deps.config.contractualPlanningMaxBuildings;
}

/**
 * The contractual baseline of each candidate, as planning can know it: the final one its standing
 * command already states (read from no readings); else, when `readAll` ({@link readBefore}), the
 * program's method over its readings so far (the day-of
 * adjustment estimated while its window is open). Buildings without enough history keep their
 * profile forecast.
 */
async function contractualBaselines(
  deps: Deps,
  event: GridEvent,
  program: Program,
  candidates: readonly Candidate[],
  active: ReadonlyMap<string, CommandRecord>,
  startMs: number,
  readAll: boolean,
): Promise<Map<string, WindowBaseline>> {
  const out = new Map<string, WindowBaseline>();
  for (const c of candidates) {
    const prev = active.get(c.building.buildingId)?.command;
    if (prev?.baselineKind !== 'CONTRACTUAL') continue;
    const from = intervalOffset(prev, startMs);
    if (from < 0 || from + prev.baselineKw.length !== c.baselineKw.length) continue;
    const natural = prev.forecastGapKw && prev.planningBaselineKw;
    out.set(c.building.buildingId, {
      kw: [...c.baselineKw.slice(0, from), ...prev.baselineKw],
      kind: 'CONTRACTUAL',
      from,
      ...(natural ? { naturalKw: [...c.baselineKw.slice(0, from), ...natural] } : {}),
    });
  }
  if (!readAll) return out;
  const unknown = candidates.map((c) => c.building.buildingId).filter((b) => !out.has(b));
  if (unknown.length === 0) return out;
  for (const [b, baseline] of await contractualForecasts(deps, event, program, unknown))
    out.set(b, fromBaseline(baseline));
  return out;
}

interface Candidate {
  building: Building;
  telemetry: BuildingTelemetry | undefined;
  /** Every reservation the building holds, this event's included. */
  held: Reservation[];
  /** The reservations its flexibility is computed around. */
  others: Reservation[];
  /** What commands are stated from: its contractual baseline where known, else its profile forecast. */
  baselineKw: number[];
  /** FlexDR's own forecast of its load, where it has one: what its flexibility stands on then. */
  naturalKw?: number[];
  flex: BuildingFlexibility;
  version: number;
  ownReservations: Reservation[];
}

/**
 * Plans the record's current revision.
 * `full`: the whole target, every command of earlier revisions superseded or cancelled.
 * `shortfall`: only what active commands no longer cover, added on top of them (redispatch).
 * 1. Walk the scope page by page; read states, profiles and reservations of other events.
 * 2. Compute each building's flexibility (valley filling: with its zone's mean tariff price over
 *    the window added to every resource's cost, when the program has tariffs) and run the allocator.
 * 3. Commit reservations per building under its version (a concurrent plan on the same buildings
 *    makes this fail; then start again from 1, up to `maxPlanAttempts`).
 * 4. Store the new commands as PENDING, mark the ones they replace SUPERSEDED, store the plan and
 *    announce `DispatchPlanned`.
 */
export async function planRevision(
  deps: Deps,
  stored: EventRecord,
  mode: 'full' | 'shortfall',
  correction?: Correction,
): Promise<EventRecord> {
  let record = stored;
  for (let attempt = 1; ; attempt++) {
    try {
      return await planOnce(deps, record, mode, correction);
    } catch (e) {
      if (!(e instanceof ConflictError) || attempt >= deps.config.maxPlanAttempts) throw e;
      // Someone else moved first: plan again from what is stored now, if it still needs this plan.
      const fresh = await deps.events.get(record.event.eventId);
      if (!fresh || fresh.revision !== record.revision || fresh.plan?.revision === fresh.revision)
        return fresh ?? record;
      record = fresh;
    }
  }
}

/**
 * The closed loop's correction of a shortfall plan (`lib/app/tracking.ts`): instead of what the
 * active commands no longer cover, the allocator is asked for the positive part of `correctionKw`,
 * and `releasesKw` lowers the asks of the buildings named (kW off each interval of the window).
 * Buildings in `lagging` deliver less than asked already: they are not asked for more.
 */
export interface Correction {
  correctionKw: readonly number[];
  releasesKw: ReadonlyMap<string, readonly number[]>;
  lagging: ReadonlySet<string>;
  /** Buildings whose standing commands are sent again as they are, on their final contractual baseline. */
  reissue?: ReadonlySet<string>;
}

/** The buildings of an event that declined a command or let its deadline pass. */
export function declinedBuildings(commands: readonly CommandRecord[]): Set<string> {
  return new Set(
    commands
      .filter((c) => c.command.kind === 'DISPATCH' && c.status === 'DECLINED')
      .map((c) => c.command.buildingId),
  );
}

async function planOnce(
  deps: Deps,
  record: EventRecord,
  mode: 'full' | 'shortfall',
  correction: Correction | undefined,
): Promise<EventRecord> {
  const event = record.event;
  const startMs = toMs(event.start);
  const endMs = toMs(event.end);
  const n = intervalCount(event);
  const dt = event.intervalMinutes / 60;
  const [existing, calendar] = await Promise.all([
    deps.commands.ofEvent(event.eventId),
    deps.calendars.load(),
  ]);
  // A building that declined (or stayed silent) is never asked again in this event.
  const excluded = declinedBuildings(existing);
  // Every earlier command still standing; a building can hold more than one when plans raced, and
  // all of them are superseded when the building is asked again. Commands of this very revision
  // come from an attempt that stopped half-way: they are rebuilt with the same ids, not treated as
  // earlier asks.
  const standing = existing.filter(
    (c) => ACTIVE.includes(c.status) && c.command.kind === 'DISPATCH' && c.command.revision < record.revision,
  );
  const active = latestByBuilding(standing);
  // Valley filling buys energy: the allocator sees each zone's mean tariff price over the window.
  // Peak shaving plans recovery in the program's window or the zone's valley.
  const program = await deps.programs.get(event.programId);
  const energyPrice =
    event.type === 'VALLEY_FILLING' ? windowPriceByZone(program?.tariffs, startMs, endMs) : () => undefined;

  // 1. the scope, page by page; each page's telemetry and reservations are fetched while the
  //    next page is listed.
  const candidates: Candidate[] = [];
  const flexOf = (
    building: Building,
    t: BuildingTelemetry | undefined,
    baselineKw: number[],
    others: Reservation[],
  ): BuildingFlexibility =>
    computeFlexibility({
      building,
      state: t?.state,
      direction: event.type,
      startMs,
      intervalMinutes: event.intervalMinutes,
      intervals: n,
      baselineKw,
      reservations: others,
      energyPriceYuanPerKwh: energyPrice(building.zone),
    });
  const pages: Promise<void>[] = [];
  let inScope = 0;
  let cursor: string | undefined;
  const assess = async (buildings: Building[]) => {
    const ids = buildings.map((b) => b.buildingId);
    const [telemetry, reservations] = await Promise.all([
      deps.telemetry.getTelemetry(ids),
      deps.reservations.ofBuildings(ids),
    ]);
    for (const building of buildings) {
      const t = telemetry.get(building.buildingId);
      const baselineKw = planningBaseline(t, startMs, event.intervalMinutes, n, calendar);
      if (!baselineKw) continue; // never reported: nothing known to plan with
      const held = reservations.get(building.buildingId);
      const own = held?.reservations.filter((r) => r.eventId === event.eventId) ?? [];
      // In a full plan this event's own reservations are replaced; in a shortfall plan they stay.
      const others =
        held?.reservations.filter((r) => r.eventId !== event.eventId || mode === 'shortfall') ?? [];
      candidates.push({
        building,
        telemetry: t,
        held: held?.reservations ?? [],
        others,
        baselineKw,
        flex: flexOf(building, t, baselineKw, others),
        version: held?.version ?? 0,
        ownReservations: own,
      });
    }
  };
  do {
    const page = await deps.buildings.listByScope(event.scope, { limit: deps.config.scopePageSize, cursor });
    cursor = page.cursor;
    const buildings = page.items.filter((b) => !excluded.has(b.buildingId));
    inScope += page.items.length;
    if (buildings.length > 0) pages.push(assess(buildings));
  } while (cursor);
  await Promise.all(pages);
  // Pages finish in any order; the allocator breaks ties by input order, so fix it.
  candidates.sort((a, b) =>
    a.building.buildingId < b.building.buildingId
      ? -1
      : a.building.buildingId > b.building.buildingId
        ? 1
        : 0,
  );
  // Planning stands on each building's contractual baseline where it is known (issue 18 item 2).
  const readAll = readBefore(candidates.length, mode, deps);
  const contractual = program
    ? await contractualBaselines(deps, event, program, candidates, active, startMs, readAll)
    : new Map<string, WindowBaseline>();
  for (const c of candidates) {
    const known = contractual.get(c.building.buildingId);
    if (!known) continue;
    c.baselineKw = known.kw;
    if (known.naturalKw) c.naturalKw = known.naturalKw;
    c.flex = flexOf(c.building, c.telemetry, known.naturalKw ?? known.kw, c.others);
  }

  // 2. targets and allocation
  const rho = event.procurement.expectedDeliveryRatio;
  const reliability = (b: Building) => (event.procurement.useBuildingReliability ? b.reliability : 1);
  const procuredKw = event.targetsKw.map((kw) => kw / rho);
  const covered = new Array<number>(n).fill(0);
  if (mode === 'shortfall') {
    const byId = new Map(candidates.map((c) => [c.building.buildingId, c.building]));
    for (const c of active.values()) {
      const r = byId.get(c.command.buildingId);
      const share = r ? reliability(r) : 1;
      c.command.responseKw.forEach((kw, t) => {
        covered[t] = (covered[t] as number) + kw * share;
      });
    }
  }
  // A correction asks for its shortfall only, and what it releases is no longer covered.
  if (correction)
    for (const cut of correction.releasesKw.values())
      cut.forEach((kw, t) => {
        covered[t] = (covered[t] as number) - kw;
      });
  // A correction asks nothing more of the buildings already delivering less than asked.
  const askable = correction
    ? candidates.filter((c) => !correction.lagging.has(c.building.buildingId))
    : candidates;
  // What a building commanded here gives without being asked is counted below; in a shortfall plan a
  // building under command carries it in its command already.
  const uncounted = (c: Candidate) => mode === 'full' || !active.has(c.building.buildingId);
  // Valley filling: what other events' recoveries draw in the window is response already coming.
  const standingKw = askable.map((c) =>
    event.type === 'VALLEY_FILLING' && uncounted(c)
      ? standingRecoveryKw(c.others, {
          eventId: event.eventId,
          startMs,
          intervalMinutes: event.intervalMinutes,
          intervals: n,
        })
      : undefined,
  );
  const standingCover = new Array<number>(n).fill(0);
  for (const kw of standingKw) if (kw) addInto(standingCover, kw);
  addInto(covered, standingCover);
  const targetsKw = correction
    ? Array.from({ length: n }, (_, t) =>
        Math.max(0, (correction.correctionKw[t] ?? 0) - (standingCover[t] as number)),
      )
    : procuredKw.map((kw, t) => Math.max(0, kw - (covered[t] as number)));
  // Where FlexDR forecasts a building's load itself, what settlement will measure of it is its asks
  // plus the gap between the contractual baseline and that forecast.
  const gapKw = askable.map((c) =>
    c.naturalKw && uncounted(c) ? forecastGap(event.type, c.baselineKw, c.naturalKw) : undefined,
  );
  const { allocation, gapCountedKw } = allocateCountingGaps(
    {
      intervalHours: dt,
      targetsKw,
      shortfallPenaltyYuanPerKwh: event.shortfallPenaltyYuanPerKwh,
      buildings: askable.map((c) => toAllocationBuilding(c.flex, reliability(c.building))),
    },
    gapKw,
    standingKw.map(worthACommand),
  );
  const fresh = buildCommands(allocation, {
    event,
    revision: record.revision,
    buildings: askable.map((c) => c.building),
    flexibilities: askable.map((c) => c.flex),
    baselinesKw: askable.map((c) => c.baselineKw),
    previous: new Map([...active].map(([b, c]) => [b, c.command.commandId])),
    standingKw,
    gapKw,
  });

  // In a shortfall plan a building asked again gets the sum of both asks.
  const merged: Command[] = fresh.map((cmd) => {
    const prev = mode === 'shortfall' ? active.get(cmd.buildingId)?.command : undefined;
    return prev ? addedAsk(prev, cmd) : cmd;
  });
  const commands = correction
    ? lowered(merged, correction, active, record.revision, candidates, startMs)
    : merged;
  const candidateOf = new Map(candidates.map((c) => [c.building.buildingId, c]));
  const after = afterWindow(event.type === 'PEAK_SHAVING', (zone) =>
    recoveryWindow(program?.recovery, zoneTariff(program?.tariffs, zone), endMs, event.intervalMinutes),
  );
  for (let i = 0; i < commands.length; i++) {
    const cmd = commands[i] as Command;
    const c = candidateOf.get(cmd.buildingId);
    if (c) commands[i] = after.recover(cmd, c, calendar, program?.recovery?.marginPct);
  }
  // Every command states the program's contractual baseline where it can be computed, and its limit
  // from it: the one planning stood on, or, in a scope too large to read every building's history
  // before allocating, read now for the buildings commanded.
  if (program) {
    const unread = commands.map((c) => c.buildingId).filter((b) => !readAll && !contractual.has(b));
    if (unread.length > 0)
      for (const [b, baseline] of await contractualForecasts(deps, event, program, unread))
        contractual.set(b, fromBaseline(baseline));
    for (let i = 0; i < commands.length; i++) {
      const cmd = commands[i] as Command;
      const known = contractual.get(cmd.buildingId);
      const offset = intervalOffset(cmd, startMs);
      commands[i] =
        known && offset >= known.from
          ? onBaseline(cmd, {
              kw: known.kw.slice(offset),
              kind: known.kind,
              ...(known.finalAt ? { finalAt: known.finalAt } : {}),
            })
          : (cmd.baselineKind ?? 'FORECAST') === 'FORECAST'
            ? { ...cmd, baselineKind: 'FORECAST' }
            : cmd;
    }
  }
  const commandedIds = new Set(commands.map((c) => c.buildingId));
  const cancellations =
    mode === 'full'
      ? [...active.values()]
          .filter((c) => !commandedIds.has(c.command.buildingId))
          .map((c) => cancellationCommand(c.command, record.revision))
      : [];

  // 3. reservations, per building under its version; other events' that are all over go with it
  const versionOf = new Map(candidates.map((c) => [c.building.buildingId, c.version]));
  const nowMs = deps.clock.now();
  await deps.reservations.commit(
    event.eventId,
    endMs,
    commands.map((cmd) => ({
      buildingId: cmd.buildingId,
      expectedVersion: versionOf.get(cmd.buildingId) ?? 0,
      reservations: reservationsOf(cmd),
      stale: overBy(candidateOf.get(cmd.buildingId)?.held ?? [], nowMs),
    })),
  );
  const released = cancellations.map((c) => c.buildingId);
  if (released.length > 0) await deps.reservations.release(event.eventId, released);

  // 4. commands (each write conditional on this revision still being the one to plan), plan,
  //    announcement in the same transaction as the plan
  const now = toIso(deps.clock.now());
  try {
    await deps.commands.putMany(
      [...commands, ...cancellations].map((command) => ({ command, status: 'PENDING', updatedAt: now })),
      { eventId: event.eventId, revision: record.revision, statuses: ['received'] },
    );
  } catch (e) {
    // Cancelled meanwhile: what this attempt reserved goes back (a newer revision replaces this
    // event's reservations itself; a retry of this one plans it again).
    if (e instanceof ConflictError) {
      const current = await deps.events.get(event.eventId);
      if (current && isClosed(current.status) && commands.length > 0)
        await deps.reservations.release(
          event.eventId,
          commands.map((c) => c.buildingId),
        );
    }
    throw e;
  }
  const replaced = standing.filter(
    (c) =>
      commandedIds.has(c.command.buildingId) || mode === 'full' || active.get(c.command.buildingId) !== c,
  );
  await deps.commands.transitionMany(replaced, ACTIVE, 'SUPERSEDED', now, `revision ${record.revision}`);
  const expectedKw = Array.from(
    allocation.expectedKw,
    (kw, t) => kw + (covered[t] as number) + (gapCountedKw[t] as number),
  );
  const plan: PlanSummary = {
    revision: record.revision,
    targetsKw: event.targetsKw,
    procuredKw,
    expectedKw: expectedKw.map((v) => Math.round(v * 1000) / 1000),
    // A revision that asks nothing new (commands sent again on their final baseline) keeps the
    // shortfall its predecessor could not fill.
    shortfallKw:
      correction && !correction.correctionKw.some((kw) => kw > 0) && record.plan
        ? record.plan.shortfallKw
        : Array.from(allocation.shortfallKw, (v) => Math.round(v * 1000) / 1000),
    costYuan: Math.round(allocation.costYuan * 100) / 100,
    buildingsInScope: inScope,
    buildingsCommanded:
      commandedIds.size +
      (mode === 'shortfall' ? [...active.keys()].filter((b) => !commandedIds.has(b)).length : 0),
    plannedAt: now,
  };
  const notes = calendarNotes(calendar, startMs, event.intervalMinutes, n);
  if (notes.length > 0) plan.notes = notes;
  if (event.type === 'PEAK_SHAVING') {
    const kept =
      mode === 'shortfall' ? [...active.values()].filter((c) => !commandedIds.has(c.command.buildingId)) : [];
    plan.after = after.summary([...commands, ...kept.map((c) => c.command)], candidateOf);
  }
  const next: EventRecord = {
    ...record,
    status: 'planned',
    plan,
    // A full plan (first, or an operator's revision) already excludes every building declined so far.
    declinesPlannedAround:
      mode === 'full' ? Math.max(record.declinesPlannedAround, excluded.size) : record.declinesPlannedAround,
    version: record.version + 1,
    updatedAt: now,
  };
  await deps.events.update(next, [
    message('DispatchPlanned', { version: 1, eventId: event.eventId, revision: record.revision }),
  ]);
  return next;
}
