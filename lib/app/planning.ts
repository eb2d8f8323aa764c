/**
 * Planning: from an event revision to stored commands and reservations. Shared by the first plan,
 * operator revisions and redispatches.
 */
import { allocate } from '../domain/allocation.ts';
import type { WorkCalendar } from '../domain/calendar.ts';
import { buildCommands, cancellationCommand, latestByBuilding } from '../domain/commands.ts';
import { ConflictError } from '../domain/errors.ts';
import {
  type BuildingFlexibility,
  computeFlexibility,
  type Reservation,
  toAllocationBuilding,
} from '../domain/flexibility.ts';
import type { Building } from '../domain/model/building.ts';
import type { AssetInstruction, Command } from '../domain/model/command.ts';
import { intervalCount } from '../domain/model/grid-event.ts';
import { chinaDate, chinaMinuteOfDay, MINUTE_MS, toIso, toMs } from '../domain/time.ts';
import { message } from '../messages.ts';
import type { BuildingTelemetry, CommandRecord, EventRecord, PlanSummary } from '../ports.ts';
import type { Deps } from './config.ts';

/** Commands that still count: answered yes, or sent and not (yet) refused. */
export const ACTIVE: readonly CommandRecord['status'][] = ['PENDING', 'PUBLISHED', 'ACKNOWLEDGED'];

/**
 * Forecast of a building's net import per interval for planning: its typical profile for that
 * kind of day, else its last reported load held flat. Settlement uses the program's contractual
 * baseline from readings instead; this one only has to be a good guess.
 */
export function planningBaseline(
  t: BuildingTelemetry | undefined,
  startMs: number,
  minutes: number,
  n: number,
  calendar: WorkCalendar,
): number[] | undefined {
  if (t?.profile) {
    const profile = t.profile;
    return Array.from({ length: n }, (_, i) => {
      const at = startMs + i * minutes * MINUTE_MS;
      const date = chinaDate(at);
      const workday =
        calendar.workdayOrUnknown(date) ??
        [1, 2, 3, 4, 5].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
      const slots = workday ? profile.workday : profile.other;
      return slots[Math.floor(chinaMinuteOfDay(at) / 15)] ?? 0;
    });
  }
  if (t?.state) return new Array<number>(n).fill(t.state.netLoadKw);
  return undefined;
}

/** What a command commits on each asset, as reservations. */
export function reservationsOf(command: Command): Reservation[] {
  const hours = command.intervalMinutes / 60;
  return command.assets.map((a) => ({
    eventId: command.eventId,
    assetId: a.assetId,
    direction: command.direction,
    startMs: toMs(command.start),
    intervalMinutes: command.intervalMinutes,
    kw: a.kw,
    kwh: a.kw.reduce((s, v) => s + v, 0) * hours,
  }));
}

/** Adds two commands' asset breakdowns (a redispatch asking more of a building already asked). */
function mergeAssets(a: readonly AssetInstruction[], b: readonly AssetInstruction[]): AssetInstruction[] {
  const out = new Map<string, AssetInstruction>(a.map((x) => [x.assetId, { ...x, kw: [...x.kw] }]));
  for (const x of b) {
    const prev = out.get(x.assetId);
    if (!prev) out.set(x.assetId, { ...x, kw: [...x.kw] });
    else {
      prev.kw = prev.kw.map((v, i) => Math.round((v + (x.kw[i] ?? 0)) * 1000) / 1000);
      if (x.voltage) prev.voltage = x.voltage;
    }
  }
  return [...out.values()];
}

interface Candidate {
  building: Building;
  baselineKw: number[];
  flex: BuildingFlexibility;
  version: number;
  ownReservations: Reservation[];
}

/**
 * Plans the record's current revision.
 * `full`: the whole target, every command of earlier revisions superseded or cancelled.
 * `shortfall`: only what active commands no longer cover, added on top of them (redispatch).
 * 1. Walk the scope page by page; read states, profiles and reservations of other events.
 * 2. Compute each building's flexibility and run the allocator.
 * 3. Commit reservations per building under its version (a concurrent plan on the same buildings
 *    makes this fail; then start again from 1, up to `maxPlanAttempts`).
 * 4. Store the new commands as PENDING, mark the ones they replace SUPERSEDED, store the plan and
 *    announce `DispatchPlanned`.
 */
export async function planRevision(
  deps: Deps,
  stored: EventRecord,
  mode: 'full' | 'shortfall',
): Promise<EventRecord> {
  let record = stored;
  for (let attempt = 1; ; attempt++) {
    try {
      return await planOnce(deps, record, mode);
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

async function planOnce(deps: Deps, record: EventRecord, mode: 'full' | 'shortfall'): Promise<EventRecord> {
  const event = record.event;
  const startMs = toMs(event.start);
  const endMs = toMs(event.end);
  const n = intervalCount(event);
  const dt = event.intervalMinutes / 60;
  const excluded = new Set(record.excludedBuildingIds);

  const [existing, calendar] = await Promise.all([
    deps.commands.ofEvent(event.eventId),
    deps.calendars.load(),
  ]);
  // Every earlier command still standing; a building can hold more than one when plans raced, and
  // all of them are superseded when the building is asked again. Commands of this very revision
  // come from an attempt that stopped half-way: they are rebuilt with the same ids, not treated as
  // earlier asks.
  const standing = existing.filter(
    (c) => ACTIVE.includes(c.status) && c.command.kind === 'DISPATCH' && c.command.revision < record.revision,
  );
  const active = latestByBuilding(standing);

  // 1. the scope, page by page; each page's telemetry and reservations are fetched while the
  //    next page is listed.
  const candidates: Candidate[] = [];
  const pages: Promise<void>[] = [];
  let inScope = 0;
  let cursor: string | undefined;
  const assess = async (buildings: Building[]) => {
    const ids = buildings.map((b) => b.buildingId);
    const [telemetry, reservations] = await Promise.all([
      deps.telemetry.getTelemetry(ids),
      deps.reservations.ofBuildings(ids, startMs, endMs),
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
      const flex = computeFlexibility({
        building,
        state: t?.state,
        direction: event.type,
        startMs,
        intervalMinutes: event.intervalMinutes,
        intervals: n,
        baselineKw,
        reservations: others,
      });
      candidates.push({ building, baselineKw, flex, version: held?.version ?? 0, ownReservations: own });
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
  const targetsKw = procuredKw.map((kw, t) => Math.max(0, kw - (covered[t] as number)));
  const allocation = allocate({
    intervalHours: dt,
    targetsKw,
    shortfallPenaltyYuanPerKwh: event.shortfallPenaltyYuanPerKwh,
    buildings: candidates.map((c) => toAllocationBuilding(c.flex, reliability(c.building))),
  });
  const fresh = buildCommands(allocation, {
    event,
    revision: record.revision,
    buildings: candidates.map((c) => c.building),
    flexibilities: candidates.map((c) => c.flex),
    baselinesKw: candidates.map((c) => c.baselineKw),
    previous: new Map([...active].map(([b, c]) => [b, c.command.commandId])),
  });

  // In a shortfall plan a building asked again gets the sum of both asks.
  const commands: Command[] = fresh.map((cmd) => {
    const prev = mode === 'shortfall' ? active.get(cmd.buildingId)?.command : undefined;
    if (!prev) return cmd;
    const responseKw = cmd.responseKw.map(
      (v, t) => Math.round((v + (prev.responseKw[t] ?? 0)) * 1000) / 1000,
    );
    const up = cmd.direction === 'PEAK_SHAVING';
    return {
      ...cmd,
      responseKw,
      gridLimitKw: responseKw.map(
        (r, t) => Math.round(((cmd.baselineKw[t] ?? 0) + (up ? -r : r)) * 1000) / 1000,
      ),
      assets: mergeAssets(prev.assets, cmd.assets),
    };
  });
  const commandedIds = new Set(commands.map((c) => c.buildingId));
  const cancellations =
    mode === 'full'
      ? [...active.values()]
          .filter((c) => !commandedIds.has(c.command.buildingId))
          .map((c) => cancellationCommand(c.command, record.revision))
      : [];

  // 3. reservations, per building under its version
  const versionOf = new Map(candidates.map((c) => [c.building.buildingId, c.version]));
  await deps.reservations.commit(
    event.eventId,
    endMs,
    commands.map((cmd) => ({
      buildingId: cmd.buildingId,
      expectedVersion: versionOf.get(cmd.buildingId) ?? 0,
      reservations: reservationsOf(cmd),
    })),
  );
  const released = cancellations.map((c) => c.buildingId);
  if (released.length > 0) await deps.reservations.release(event.eventId, released);

  // 4. commands, plan, announcement
  const now = toIso(deps.clock.now());
  await deps.commands.putMany(
    [...commands, ...cancellations].map((command) => ({ command, status: 'PENDING', updatedAt: now })),
  );
  const replaced = standing.filter(
    (c) =>
      commandedIds.has(c.command.buildingId) || mode === 'full' || active.get(c.command.buildingId) !== c,
  );
  await deps.commands.transitionMany(
    event.eventId,
    replaced.map((c) => c.command.commandId),
    ACTIVE,
    'SUPERSEDED',
    now,
    `revision ${record.revision}`,
  );
  const expectedKw = Array.from(allocation.expectedKw, (kw, t) => kw + (covered[t] as number));
  const plan: PlanSummary = {
    revision: record.revision,
    targetsKw: event.targetsKw,
    procuredKw,
    expectedKw: expectedKw.map((v) => Math.round(v * 1000) / 1000),
    shortfallKw: Array.from(allocation.shortfallKw, (v) => Math.round(v * 1000) / 1000),
    costYuan: Math.round(allocation.costYuan * 100) / 100,
    buildingsInScope: inScope,
    buildingsCommanded:
      commandedIds.size +
      (mode === 'shortfall' ? [...active.keys()].filter((b) => !commandedIds.has(b)).length : 0),
    plannedAt: now,
  };
  const next: EventRecord = {
    ...record,
    status: 'planned',
    plan,
    version: record.version + 1,
    updatedAt: now,
  };
  await deps.events.update(next);
  await deps.eventPublisher.publish([
    message('DispatchPlanned', { version: 1, eventId: event.eventId, revision: record.revision }),
  ]);
  return next;
}
