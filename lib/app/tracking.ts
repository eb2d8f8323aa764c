/**
 * The closed loop (DESIGN §3, "Commands a building can execute"; issue 18): during a dispatched
 * event, once per interval, each standing command's metered response (against the program's
 * contractual baseline, the one settlement pays on) is compared with its plan, and the rest of the
 * window is corrected as one revision that touches only the buildings it changes
 * (`lib/domain/tracking.ts` decides; planning's shortfall mode asks buildings with headroom for more,
 * and lowers the asks it releases).
 *
 * Its turns are one-time schedules (`ReplanDue` with reason `TRACKING`), one per interval boundary
 * after the first, `trackingGraceMinutes` late so that the interval just ended has its readings.
 * They are named after their instant, so a revision that schedules them again changes nothing and
 * one that moves the window finds its turns by time.
 */

import { mapLimit } from '../concurrency.ts';
import { latestByBuilding, unaskedKw } from '../domain/commands.ts';
import { type IntervalWindow, measuredResponseKw, overWindow } from '../domain/delivery.ts';
import { NotFoundError } from '../domain/errors.ts';
import { computeFlexibility } from '../domain/flexibility.ts';
import type { Command } from '../domain/model/command.ts';
import { type GridEvent, intervalCount } from '../domain/model/grid-event.ts';
import { windowPriceByZone } from '../domain/tariff.ts';
import { MINUTE_MS, toIso, toMs } from '../domain/time.ts';
import {
  MIN_CORRECTION_KW,
  overAskKw,
  releaseExcess,
  type TrackedBuilding,
  trackingDecision,
} from '../domain/tracking.ts';
import { message } from '../messages.ts';
import type { EventRecord } from '../ports.ts';
import type { Deps } from './config.ts';
import { measureBuilding, measurementContext } from './measurement.ts';
import { ACTIVE, planRevision } from './planning.ts';

/** Buildings are measured this many at once. */
const READ_CONCURRENCY = 16;

/** Each building's latest standing dispatch command of the event, in building order. */
export async function standingCommands(deps: Deps, eventId: string): Promise<Command[]> {
  const standing = latestByBuilding(
    (await deps.commands.ofEvent(eventId)).filter(
      (c) => c.command.kind === 'DISPATCH' && ACTIVE.includes(c.status),
    ),
  );
  return [...standing.values()].map((c) => c.command).sort((a, b) => (a.buildingId < b.buildingId ? -1 : 1));
}

/** What a command asks over the event's window, and the part of it no asset is asked for. */
function plannedOver(
  window: IntervalWindow,
  command: Command,
): Pick<TrackedBuilding, 'buildingId' | 'plannedKw' | 'unaskedKw'> {
  return {
    buildingId: command.buildingId,
    plannedKw: overWindow(window, command, command.responseKw),
    unaskedKw: overWindow(
      window,
      command,
      command.responseKw.map((_, t) => unaskedKw(command, t)),
    ),
  };
}

/**
 * Stores the loop's correction of interval `interval` as the event's next revision and plans it
 * (planning's shortfall mode): `correctionKw` asked on top where positive, `releasesKw` given back.
 */
async function correct(
  deps: Deps,
  record: EventRecord,
  turn: { interval: number; at: string; correctionKw: readonly number[] },
  releasesKw: ReadonlyMap<string, readonly number[]>,
  lagging: ReadonlySet<string>,
): Promise<number> {
  const next: EventRecord = {
    ...record,
    revision: record.revision + 1,
    status: 'received',
    tracking: {
      interval: turn.interval,
      revision: record.revision + 1,
      at: turn.at,
      correctionKw: turn.correctionKw.map((kw) => Math.round(kw * 1000) / 1000),
      corrections: (record.tracking?.corrections ?? 0) + 1,
    },
    version: record.version + 1,
    updatedAt: toIso(deps.clock.now()),
  };
  await deps.events.update(next);
  await planRevision(deps, next, 'shortfall', { correctionKw: turn.correctionKw, releasesKw, lagging });
  return next.revision;
}

/** The schedule of the closed loop's turn at `dueMs`. */
export function trackingScheduleName(eventId: string, dueMs: number): string {
  return `track-${eventId}-${Math.floor(dueMs / MINUTE_MS)}`;
}

/** When the loop's turns of a window run: each interval boundary after the first, plus the grace. */
export function trackingTurns(
  event: Pick<GridEvent, 'start' | 'end' | 'intervalMinutes'>,
  graceMinutes: number,
): number[] {
  const step = event.intervalMinutes * MINUTE_MS;
  const grace = Math.min(graceMinutes * MINUTE_MS, step / 2);
  const n = intervalCount(event);
  return Array.from({ length: Math.max(0, n - 1) }, (_, i) => toMs(event.start) + (i + 1) * step + grace);
}

/** The schedule of the turn before the start (`refreshBeforeStart`) at `dueMs`. */
export function refreshScheduleName(eventId: string, dueMs: number): string {
  return `refresh-${eventId}-${Math.floor(dueMs / MINUTE_MS)}`;
}

/**
 * Schedules the loop's turns still ahead for a dispatched revision (nothing when the loop is off):
 * the turn before the start, `preStartRefreshMinutes` ahead of it, and one per interval boundary.
 */
export async function scheduleTracking(deps: Deps, record: EventRecord): Promise<void> {
  if (!deps.config.closedLoop) return;
  const now = deps.clock.now();
  const { eventId } = record.event;
  const lead = deps.config.preStartRefreshMinutes;
  const refreshMs = toMs(record.event.start) - lead * MINUTE_MS;
  if (lead > 0 && refreshMs > now)
    await deps.scheduler.scheduleOnce(
      refreshScheduleName(eventId, refreshMs),
      refreshMs,
      message('ReplanDue', { version: 1, eventId, at: toIso(refreshMs), reason: 'REFRESH' }),
    );
  for (const dueMs of trackingTurns(record.event, deps.config.trackingGraceMinutes)) {
    if (dueMs <= now) continue;
    await deps.scheduler.scheduleOnce(
      trackingScheduleName(eventId, dueMs),
      dueMs,
      message('ReplanDue', { version: 1, eventId, at: toIso(dueMs), reason: 'TRACKING' }),
    );
  }
}

/** What a turn of the loop found, for logs and tests. */
export interface TrackingTurn {
  /** The interval under way; `undefined` when the turn did nothing (stale, over, not dispatched). */
  interval?: number;
  /** The revision the correction was planned as, when one was due. */
  revision?: number;
  expectedKw?: number[];
  correctionKw?: number[];
}

/**
 * The loop's turn at `at` (`ReplanDue`, reason `TRACKING`).
 * 1. Skip unless the event is dispatched and running, the turn falls inside the window after its
 *    first interval, and no correction was made in this interval yet (at most one per interval).
 * 2. Measure every building with a standing command: its response against the contractual baseline
 *    in each interval that ended.
 * 3. Decide (`trackingDecision`); within the hysteresis band, stop.
 * 4. Store a new revision that records the correction, and plan it: the shortfall asked of buildings
 *    with headroom, the excess given back by the buildings asked the most (`releaseExcess`).
 */
export async function trackDelivery(deps: Deps, eventId: string, at: string): Promise<TrackingTurn> {
  const record = await deps.events.get(eventId);
  // dispatched: not over, and no other revision under way (its own dispatch schedules the turns again)
  if (!deps.config.closedLoop || record?.status !== 'dispatched') return {};
  const { event } = record;
  if (toMs(event.end) <= deps.clock.now()) return {};
  const n = intervalCount(event);
  const step = event.intervalMinutes * MINUTE_MS;
  const k = Math.floor((toMs(at) - toMs(event.start)) / step);
  if (k < 1 || k >= n || (record.tracking?.interval ?? -1) >= k) return {};
  const program = await deps.programs.get(event.programId);
  if (!program) throw new NotFoundError(`program '${event.programId}' not found`);
  const standing = await standingCommands(deps, eventId);
  const ctx = await measurementContext(deps, event, program);
  const window = { ...event, intervals: n };
  const buildings: TrackedBuilding[] = await mapLimit(standing, READ_CONCURRENCY, async (command) => {
    const m = await measureBuilding(deps, ctx, command.buildingId);
    return {
      ...plannedOver(window, command),
      deliveredKw:
        'unavailable' in m
          ? new Array<null>(n).fill(null)
          : measuredResponseKw(event.type, m.baseline.kw, m.meteredKw),
    };
  });
  const decision = trackingDecision({
    targetsKw: event.targetsKw,
    fromInterval: k,
    buildings,
    hysteresis: deps.config.trackingHysteresisPct / 100,
    unmeteredRatio: event.procurement.expectedDeliveryRatio,
    ...(record.plan ? { planShortfallKw: record.plan.shortfallKw } : {}),
  });
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  const turn = {
    interval: k,
    expectedKw: decision.expectedKw.map(r3),
    correctionKw: decision.correctionKw.map(r3),
  };
  if (!decision.act) return turn;
  const releasesKw = releaseExcess(buildings, decision.correctionKw, decision.deviationKw);
  // An excess nobody's ask can give back (delivery above plan with nothing asked) is no revision.
  if (releasesKw.size === 0 && !decision.correctionKw.some((kw) => kw > 0)) return turn;
  const revision = await correct(
    deps,
    record,
    { interval: k, at, correctionKw: decision.correctionKw },
    releasesKw,
    decision.lagging,
  );
  return { ...turn, revision };
}

/** What the turn before the start found, for logs and tests. */
export interface RefreshTurn {
  /** Buildings under command whose ask no longer fits their latest state, and the kW off each interval. */
  releasesKw: ReadonlyMap<string, readonly number[]>;
  /** The revision sent, when one was. */
  revision?: number;
}

/**
 * The turn before the start (`ReplanDue` with reason `REFRESH`): a plan made hours ahead stood on the
 * states reported then (a heater's morning draw, a battery's charge), and the loop's first turn
 * comes only after the first interval. So, `preStartRefreshMinutes` before the start, each building
 * under command is assessed again on its latest state and every reservation it holds for other
 * events (`computeFlexibility`); a command that asks more than that by more than the hysteresis
 * (`overAskKw`) is lowered to what fits. Then the commands, so lowered, are held against the target
 * as the loop's turns hold deliveries (`trackingDecision` with nothing metered yet): final contractual
 * baselines move what commands with a forecast gap add up to. A shortfall is asked of buildings with
 * headroom (never of one just lowered), an excess given back by those asked the most, as one revision
 * touching only the buildings it changes (planning's shortfall mode, as the loop's corrections are).
 * It counts as the loop's correction of interval 0. Asks that still fit, in a plan on target, stand.
 */
export async function refreshBeforeStart(deps: Deps, eventId: string): Promise<RefreshTurn> {
  const none: RefreshTurn = { releasesKw: new Map() };
  const record = await deps.events.get(eventId);
  if (!deps.config.closedLoop || record?.status !== 'dispatched' || record.tracking) return none;
  const { event } = record;
  const startMs = toMs(event.start);
  if (startMs <= deps.clock.now()) return none;
  const commands = await standingCommands(deps, eventId);
  if (commands.length === 0) return none;
  const ids = commands.map((c) => c.buildingId);
  const [buildings, telemetry, reservations, program] = await Promise.all([
    deps.buildings.getMany(ids),
    deps.telemetry.getTelemetry(ids),
    deps.reservations.ofBuildings(ids),
    deps.programs.get(event.programId),
  ]);
  const buildingOf = new Map(buildings.map((b) => [b.buildingId, b]));
  const energyPrice =
    event.type === 'VALLEY_FILLING'
      ? windowPriceByZone(program?.tariffs, startMs, toMs(event.end))
      : () => undefined;
  const n = intervalCount(event);
  const window = { ...event, intervals: n };
  const hysteresis = deps.config.trackingHysteresisPct / 100;
  const releasesKw = new Map<string, number[]>();
  const plans: TrackedBuilding[] = [];
  const overAsked = new Set<string>();
  for (const command of commands) {
    const building = buildingOf.get(command.buildingId);
    const state = telemetry.get(command.buildingId)?.state;
    const plan: TrackedBuilding = {
      ...plannedOver(window, command),
      deliveredKw: new Array<null>(n).fill(null),
    };
    plans.push(plan);
    if (!building || !state) continue; // nothing newer known than what the plan stood on
    const flex = computeFlexibility({
      building,
      state,
      direction: event.type,
      startMs: toMs(command.start),
      intervalMinutes: command.intervalMinutes,
      intervals: command.responseKw.length,
      baselineKw: command.planningBaselineKw ?? command.baselineKw,
      reservations: (reservations.get(command.buildingId)?.reservations ?? []).filter(
        (r) => r.eventId !== eventId,
      ),
      energyPriceYuanPerKwh: energyPrice(building.zone),
    });
    const cut = overAskKw(command, flex);
    const material = cut.some(
      (kw, t) =>
        kw > Math.max(MIN_CORRECTION_KW, hysteresis * ((command.responseKw[t] ?? 0) - unaskedKw(command, t))),
    );
    if (!material) continue;
    const onWindow = overWindow(window, command, cut);
    releasesKw.set(command.buildingId, onWindow);
    overAsked.add(command.buildingId);
    plan.plannedKw = plan.plannedKw.map((kw, t) => kw - (onWindow[t] as number));
  }
  // Then the whole against the target, as the loop's turns do once readings are in: the final
  // contractual baselines, and the asks lowered above, may have moved what the commands add up to.
  const decision = trackingDecision({
    targetsKw: event.targetsKw,
    fromInterval: 0,
    buildings: plans,
    hysteresis,
    unmeteredRatio: event.procurement.expectedDeliveryRatio,
    ...(record.plan ? { planShortfallKw: record.plan.shortfallKw } : {}),
  });
  for (const [id, cut] of releaseExcess(plans, decision.correctionKw)) {
    const before = releasesKw.get(id);
    releasesKw.set(id, before ? before.map((kw, t) => kw + (cut[t] as number)) : cut);
  }
  if (releasesKw.size === 0 && !decision.correctionKw.some((kw) => kw > 0)) return none;
  // a building whose ask was lowered because it cannot give it is not asked for more
  const revision = await correct(
    deps,
    record,
    { interval: 0, at: toIso(deps.clock.now()), correctionKw: decision.correctionKw },
    releasesKw,
    overAsked,
  );
  return { releasesKw, revision };
}
