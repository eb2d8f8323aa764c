/** What operators, park managers and BMS read: flexibility, commands, delivery and settlements. */
import {
  type DeliveryView,
  displayKw,
  type MeasuredBuilding,
  type MeasuredDelivery,
  measureDelivery,
  measuredCommands,
  overWindow,
  type UnmeasuredBuilding,
} from '../domain/delivery.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import {
  type Curve,
  computeFlexibility,
  type FlexibilityView,
  flexibilityCurve,
  sumCurves,
} from '../domain/flexibility.ts';
import type { AwaitingData, SettledWithoutData } from '../domain/lifecycle.ts';
import { MAX_INTERVALS } from '../domain/model/common.ts';
import { intervalCount, type Scope } from '../domain/model/grid-event.ts';
import type { BuildingSettlement, ParkSettlement } from '../domain/settlement.ts';
import { MINUTE_MS, toIso, toMs } from '../domain/time.ts';
import type { CommandRecord, Page, PageRequest } from '../ports.ts';
import { canSeePark, type Principal, requireBuilding, requirePark, requireRole } from './auth.ts';
import type { Deps } from './config.ts';
import { eventInView, eventSeenBy } from './events.ts';
import { measureBuilding, measurementContext, unmeasured } from './measurement.ts';
import { planningBaseline } from './planning.ts';

export interface FlexibilityQuery {
  scope: Scope;
  start: string;
  end: string;
  intervalMinutes: 5 | 15 | 30 | 60;
}

/** What a flexibility query reads: the scope's buildings, their telemetry and reservations. */
type FlexibilityPorts = Pick<
  Deps,
  'buildings' | 'telemetry' | 'reservations' | 'calendars' | 'clock' | 'config'
>;
/** What shows an event to a caller (`eventInView`, `eventSeenBy`): the events and their commands. */
type EventViewPorts = Parameters<typeof eventInView>[0];

/**
 * The flexibility of a scope over a window, per interval, in both directions and by park.
 * 1. Operators any scope; a park manager only their own parks.
 * 2. A window that has ended by the clock is refused, naming the clock's time: nothing can be
 *    offered in the past, and numbers for it would only mislead.
 * 3. Walk the scope page by page; per building: planning baseline, reservations held, flexibility.
 * 4. Sum the curves per park and in total.
 */
export async function queryFlexibility(
  deps: FlexibilityPorts,
  who: Principal,
  q: FlexibilityQuery,
): Promise<FlexibilityView> {
  requireRole(who, 'operator', 'parkManager');
  if (who.role === 'parkManager') {
    const parks = q.scope.parkIds ?? [];
    if (
      parks.length === 0 ||
      q.scope.zones?.length ||
      q.scope.feederIds?.length ||
      q.scope.buildingIds?.length
    )
      throw new ValidationError('a park manager queries by parkIds only');
    for (const p of parks) requirePark(who, p);
  }
  const startMs = toMs(q.start);
  const endMs = toMs(q.end);
  const now = deps.clock.now();
  if (endMs <= now)
    throw new ValidationError(
      `the window ended at ${q.end}, before the coordinator's clock (now ${toIso(now)}): ask for one that ends later`,
    );
  const step = q.intervalMinutes * MINUTE_MS;
  const n = (endMs - startMs) / step;
  if (!Number.isInteger(n) || n < 1 || n > MAX_INTERVALS)
    throw new ValidationError(
      `the window must be 1 to ${MAX_INTERVALS} whole intervals of ${q.intervalMinutes} minutes`,
    );

  const calendar = await deps.calendars.load();
  const perPark = new Map<string, { buildings: number; PEAK_SHAVING: Curve[]; VALLEY_FILLING: Curve[] }>();
  let withoutData = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.buildings.listByScope(q.scope, { limit: deps.config.scopePageSize, cursor });
    cursor = page.cursor;
    const ids = page.items.map((b) => b.buildingId);
    if (ids.length === 0) continue;
    const [telemetry, held] = await Promise.all([
      deps.telemetry.getTelemetry(ids),
      deps.reservations.ofBuildings(ids),
    ]);
    for (const building of page.items) {
      const t = telemetry.get(building.buildingId);
      const baselineKw = planningBaseline(t, startMs, q.intervalMinutes, n, calendar);
      if (!baselineKw) {
        withoutData++;
        continue;
      }
      const entry = perPark.get(building.parkId) ?? { buildings: 0, PEAK_SHAVING: [], VALLEY_FILLING: [] };
      entry.buildings++;
      for (const direction of ['PEAK_SHAVING', 'VALLEY_FILLING'] as const) {
        const flex = computeFlexibility({
          building,
          state: t?.state,
          direction,
          startMs,
          intervalMinutes: q.intervalMinutes,
          intervals: n,
          baselineKw,
          reservations: held.get(building.buildingId)?.reservations ?? [],
        });
        entry[direction].push(flexibilityCurve(flex, q.intervalMinutes));
      }
      perPark.set(building.parkId, entry);
    }
  } while (cursor);

  const byPark = [...perPark.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([parkId, e]) => ({
      parkId,
      buildings: e.buildings,
      PEAK_SHAVING: sumCurves(e.PEAK_SHAVING, n),
      VALLEY_FILLING: sumCurves(e.VALLEY_FILLING, n),
    }));
  return {
    intervals: n,
    total: {
      PEAK_SHAVING: sumCurves(
        byPark.map((p) => p.PEAK_SHAVING),
        n,
      ),
      VALLEY_FILLING: sumCurves(
        byPark.map((p) => p.VALLEY_FILLING),
        n,
      ),
    },
    byPark,
    withoutData,
  };
}

/** Commands of a building, newest first: how a BMS without a webhook pulls its orders. */
export async function commandsOfBuilding(
  deps: Pick<Deps, 'buildings' | 'commands'>,
  who: Principal,
  buildingId: string,
  page: PageRequest,
): Promise<Page<CommandRecord>> {
  const building = await deps.buildings.get(buildingId);
  if (!building) throw new NotFoundError(`building '${buildingId}' not found`);
  requireBuilding(who, building);
  return deps.commands.ofBuilding(buildingId, page);
}

/** An event's settlement as a park manager or operator sees it. */
export interface PerformanceView {
  status: string;
  /** The revision shown (the latest unless one was asked for); absent before the first evaluation. */
  revision?: number | undefined;
  /** The latest revision. */
  latestRevision?: number | undefined;
  /**
   * The event's delivery per interval over the buildings settled, by the one definition the live
   * view uses (`measureDelivery`: response against the contractual baseline), rounded for display.
   * With every building settled from complete readings it equals `GET /events/{id}/delivery`.
   */
  delivery: MeasuredDelivery;
  /** Each building's settlement as computed, kW unrounded (for audit; money is rounded to 0.01 ¥). */
  buildings: BuildingSettlement[];
  /** Each park's sums, kW and kWh rounded for display (0.1). */
  parks: ParkSettlement[];
  /** Buildings whose settlement waits for data, why, and what would complete it. */
  awaitingData: AwaitingData[];
  /** Buildings settled at the deadline without their data, and how. */
  settledWithoutData: SettledWithoutData[];
  /** When what is still missing gets settled by the program's missing-data rule. */
  dataDeadline?: string | undefined;
  /** `awaitingData` as it was named before settlement waited for data: building and reason. */
  unsettled: { buildingId: string; reason: string }[];
}

/**
 * Delivery and settlement of an event, per building and per park, filtered to the caller's parks:
 * the latest revision, or an earlier one for audit.
 */
export async function eventPerformance(
  deps: EventViewPorts & Pick<Deps, 'settlements'>,
  who: Principal,
  eventId: string,
  revision?: number,
): Promise<PerformanceView> {
  const { record } = await eventSeenBy(deps, who, eventId);
  const latest = record.settlementRevision;
  if (revision !== undefined && (latest === undefined || revision > latest))
    throw new NotFoundError(
      `event '${eventId}' has no settlement revision ${revision} (latest: ${latest ?? 'none'})`,
    );
  const { buildings, parks, awaiting, withoutData } = await deps.settlements.ofEvent(eventId, revision);
  const visible = <T extends { parkId: string }>(items: readonly T[] | undefined) =>
    (items ?? []).filter((i) => canSeePark(who, i.parkId));
  const awaitingData = visible(awaiting);
  const settled = visible(buildings);
  const { event } = record;
  const delivery = measureDelivery(
    {
      ...event,
      intervals: intervalCount(event),
      targetsKw: who.role === 'operator' ? event.targetsKw : undefined,
    },
    settled.map((b) => ({
      buildingId: b.buildingId,
      plannedKw: b.intervals.map((i) => i.declaredKw),
      baselineKw: b.intervals.map((i) => i.baselineKw),
      meteredKw: b.intervals.map((i) => i.actualKw),
      // A settled building's missing reading counted as 0 (the program's missing-data rule).
      missingAsZero: true,
    })),
    awaitingData.map(({ buildingId, parkId, needs, reason }) => ({ buildingId, parkId, needs, reason })),
  );
  return {
    status: record.status,
    revision: revision ?? latest,
    latestRevision: latest,
    delivery,
    buildings: settled,
    parks: visible(parks).map((p) => ({
      ...p,
      declaredKw: displayKw(p.declaredKw),
      deliveredKw: displayKw(p.deliveredKw),
      deliveredKwh: displayKw(p.deliveredKwh),
    })),
    awaitingData,
    settledWithoutData: visible(withoutData),
    dataDeadline: record.dataDeadline,
    unsettled: awaitingData.map(({ buildingId, reason }) => ({ buildingId, reason })),
  };
}

/** What a park earned, event by event. */
export async function parkSettlements(
  deps: Pick<Deps, 'settlements'>,
  who: Principal,
  parkId: string,
  page: PageRequest,
) {
  requirePark(who, parkId);
  return deps.settlements.ofPark(parkId, page);
}

/** Commands that still stand: dispatches not declined, failed or superseded, of a live event. */
const STANDING = new Set(['PENDING', 'PUBLISHED', 'ACKNOWLEDGED']);

/**
 * An event's delivery so far, per interval, over the buildings measured (their latest command
 * acknowledged) in the caller's parks: target (operators only), planned response, delivered against
 * the program's contractual baseline (the one settlement uses), metered load, and the planning
 * baseline beside them, named as such.
 * 1. The event in view and its commands; the buildings measured (`measuredCommands`).
 * 2. Per building, the contractual baseline and metered load (`measureBuilding`); a building whose
 *    baseline cannot be computed yet is listed with the reason, never counted silently.
 * 3. The sums per interval (`measureDelivery`).
 */
export async function eventDelivery(
  deps: EventViewPorts & Pick<Deps, 'telemetry' | 'programs' | 'calendars'>,
  who: Principal,
  eventId: string,
): Promise<DeliveryView> {
  const { record, commands: visible } = await eventInView(deps, who, eventId);
  const { event } = record;
  const program = await deps.programs.get(event.programId);
  if (!program) throw new NotFoundError(`program '${event.programId}' not found`);
  const live = record.status === 'cancelled' ? [] : visible;
  const measured = measuredCommands(live);
  const answered = new Set(measured.map((c) => c.command.buildingId));
  const awaitingAnswer = new Set(
    live
      .filter((c) => c.command.kind === 'DISPATCH' && STANDING.has(c.status))
      .map((c) => c.command.buildingId)
      .filter((b) => !answered.has(b)),
  ).size;
  const window = { ...event, intervals: intervalCount(event) };
  const ctx = await measurementContext(deps, event, program);
  const buildings: MeasuredBuilding[] = [];
  const without: UnmeasuredBuilding[] = [];
  for (let i = 0; i < measured.length; i += READ_CONCURRENCY)
    await Promise.all(
      measured.slice(i, i + READ_CONCURRENCY).map(async ({ command }) => {
        const m = await measureBuilding(deps, ctx, command.buildingId);
        if ('unavailable' in m) {
          without.push(unmeasured(command.buildingId, command.parkId, m.unavailable));
          return;
        }
        buildings.push({
          buildingId: command.buildingId,
          plannedKw: overWindow(window, command, command.responseKw),
          planningBaselineKw: overWindow(window, command, command.planningBaselineKw ?? command.baselineKw),
          baselineKw: m.baseline.kw,
          meteredKw: m.meteredKw,
        });
      }),
    );
  // In building order, so that the answer does not depend on which read finished first.
  buildings.sort((a, b) => a.buildingId.localeCompare(b.buildingId));
  without.sort((a, b) => a.buildingId.localeCompare(b.buildingId));
  return {
    eventId,
    type: event.type,
    status: record.status,
    start: event.start,
    end: event.end,
    intervalMinutes: event.intervalMinutes,
    measuredAgainst: { programId: program.programId, baseline: program.baseline.method },
    awaitingAnswer,
    ...measureDelivery(
      { ...window, targetsKw: who.role === 'operator' ? event.targetsKw : undefined },
      buildings,
      without,
    ),
  };
}

/** Buildings are measured this many at once. */
const READ_CONCURRENCY = 16;
