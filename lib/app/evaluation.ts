/** After the window: delivery measured against the program's baseline, then settlement, by revision. */
import { createHash } from 'node:crypto';
import { mapLimit } from '../concurrency.ts';
import type { Baseline } from '../domain/baseline.ts';
import { CalendarMissingError } from '../domain/calendar.ts';
import { measuredCommands } from '../domain/delivery.ts';
import { ConflictError, NotFoundError } from '../domain/errors.ts';
import { forecastError } from '../domain/forecast.ts';
import { type AwaitingData, type SettledWithoutData, summarizeAwaiting } from '../domain/lifecycle.ts';
import type { CalendarVersionUsed } from '../domain/model/calendar.ts';
import { intervalCount } from '../domain/model/grid-event.ts';
import { type BaselineMethod, DEFAULT_MISSING_DATA_RULE, type Program } from '../domain/model/program.ts';
import { zoneTariff } from '../domain/model/tariff.ts';
import { recoveryEndMs } from '../domain/recovery.ts';
import {
  type BuildingSettlement,
  type ParkSettlement,
  settleBuilding,
  settlePark,
} from '../domain/settlement.ts';
import { type EventImpact, eventImpact, sumImpacts } from '../domain/tariff.ts';
import { HOUR_MS, MINUTE_MS, toIso, toMs } from '../domain/time.ts';
import { message } from '../messages.ts';
import type { CommandRecord, EventRecord } from '../ports.ts';
import { type Principal, requireRole } from './auth.ts';
import type { Deps } from './config.ts';
import { measureBuilding, measurementContext } from './measurement.ts';
import { ACTIVE } from './planning.ts';

export interface EvaluationOptions {
  /** An operator's re-run: evaluates a settled event again and always writes a new revision. */
  force?: boolean;
}

export interface Evaluation {
  record: EventRecord;
  /** Whether this call wrote a settlement revision that leaves the event settled. */
  settled: boolean;
  /** The settlement revision this call wrote, if it wrote one. */
  revision?: number | undefined;
  /** Delivered over declared, summed over the settled buildings. */
  deliveryRatio?: number | undefined;
}

/** What evaluating each building gave: settlements, and the buildings still waiting for data. */
/** A building's settlement, with its impact when the program prices the building's zone. */
type Settled = BuildingSettlement & { impact?: EventImpact; baseline?: BaselineAudit };

/** How a settlement's baseline was drawn: the method, the days averaged and the calendar consulted. */
export interface BaselineAudit {
  method: BaselineMethod['method'];
  /** Local dates of the days averaged, newest first. */
  days: string[];
  requestedDays: number;
  /** The day eligible days were counted back from. */
  anchorDate?: string | undefined;
  /** The calendar years consulted, with the version of each (0: seeded from chinese-days). */
  calendar: CalendarVersionUsed[];
}

function baselineAudit(method: BaselineMethod, b: Baseline): BaselineAudit {
  return {
    method: method.method,
    days: b.days,
    requestedDays: b.requestedDays,
    ...(b.anchorDate ? { anchorDate: b.anchorDate } : {}),
    calendar: b.calendar,
  };
}

interface Outcome {
  settled: Settled[];
  awaiting: AwaitingData[];
  withoutData: SettledWithoutData[];
}

/**
 * Evaluates and settles an event once its window is over (`EvaluationDue`, from the schedule after
 * the window, from a calendar year being entered, from the retry of an event awaiting data; or an
 * operator's re-run with `force`).
 * 1. Skip when too early, cancelled or failed, or already settled (unless forced).
 * 2. The first time: mark it completed, announce `EventCompleted`, release its reservations.
 * 3. For every building that accepted its final command: the program's baseline from stored
 *    readings (event days excluded, the stored calendar), delivery per interval, payment by the rule
 *    table. A building whose calendar year or readings are missing *awaits data* (never ¥0) until
 *    the program's deadline, then is settled as the program's missing-data rule says.
 * 4. Unless nothing changed since the last revision (an automatic re-run), store the settlements as
 *    a new revision, mark the event `settled` or `awaiting-data`, announce `SettlementReady`.
 * 5. While buildings await readings, schedule a re-run (hourly by default) and one at the deadline.
 */
export async function evaluateEvent(
  deps: Deps,
  eventId: string,
  options: EvaluationOptions = {},
): Promise<Evaluation | undefined> {
  let record = await deps.events.get(eventId);
  if (!record) return undefined;
  if (record.status === 'cancelled' || record.status === 'failed') return { record, settled: false };
  if (record.status === 'settled' && !options.force) return { record, settled: false };
  const event = record.event;
  const endMs = toMs(event.end);
  const now = deps.clock.now();
  if (now < endMs) return { record, settled: false };
  const program = await deps.programs.get(event.programId);
  if (!program) throw new NotFoundError(`program '${event.programId}' not found`);

  // One command per building is settled: its latest acknowledged one (an earlier one left standing
  // by racing plans is not paid twice).
  const all = await deps.commands.ofEvent(eventId);
  const commands = measuredCommands(all);
  if (record.status !== 'awaiting-data' && record.status !== 'settled') {
    if (record.status !== 'completed') {
      record = { ...record, status: 'completed', version: record.version + 1, updatedAt: toIso(now) };
      await deps.events.update(record, [message('EventCompleted', { version: 1, eventId })]);
    }
    // Every building the event ever held, not only those that delivered (planning counts every
    // standing reservation on an asset wherever it lies in time), except those whose recovery is
    // still to come: a later plan must see it; it is removed once over (planning's `stale`).
    const recovering = new Set(
      all
        .filter((c) => ACTIVE.includes(c.status) && recoveryEndMs(c.command) > now)
        .map((c) => c.command.buildingId),
    );
    await deps.reservations.release(eventId, [
      ...new Set(all.map((c) => c.command.buildingId).filter((b) => !recovering.has(b))),
    ]);
  }

  const rule = program.missingData ?? DEFAULT_MISSING_DATA_RULE;
  const deadlineMs = endMs + rule.deadlineHours * HOUR_MS;
  const outcome = await evaluateBuildings(deps, record, program, commands, now >= deadlineMs);
  const { settled, awaiting, withoutData } = outcome;
  const status = awaiting.length > 0 ? 'awaiting-data' : 'settled';
  const digest = digestOf(outcome);
  if (!options.force && record.settlementDigest === digest && record.status === status) {
    await scheduleRetries(deps, record, awaiting, deadlineMs);
    return { record, settled: false };
  }

  const parkIds = [...new Set(settled.map((s) => s.parkId))].sort();
  const parks = parkIds.map((p) =>
    parkSettlement(
      p,
      settled.filter((s) => s.parkId === p),
    ),
  );
  const revision = (record.settlementRevision ?? 0) + 1;
  await deps.settlements.put(eventId, revision, settled, parks, { awaiting, withoutData });
  // Planning's forecast against the contractual baseline, over the buildings settled against one.
  const planned = new Map(
    commands.map((c) => [c.command.buildingId, c.command.planningBaselineKw ?? c.command.baselineKw]),
  );
  const forecast = forecastError(
    settled.flatMap((s) =>
      s.baseline && planned.has(s.buildingId)
        ? [
            {
              planningKw: planned.get(s.buildingId) ?? [],
              contractualKw: s.intervals.map((i) => i.baselineKw),
            },
          ]
        : [],
    ),
  );
  const done: EventRecord = {
    ...record,
    ...(record.plan ? { plan: { ...record.plan, forecastError: forecast } } : {}),
    status,
    awaiting: summarizeAwaiting(awaiting, withoutData),
    settlementRevision: revision,
    settlementDigest: digest,
    dataDeadline: toIso(deadlineMs),
    version: record.version + 1,
    updatedAt: toIso(now),
  };
  const netYuan = Math.round(parks.reduce((s, p) => s + p.netYuan, 0) * 100) / 100;
  await deps.events.update(done, [
    message('SettlementReady', {
      version: 1,
      eventId,
      parks: parks.length,
      netYuan,
      revision,
      awaitingData: awaiting.length,
    }),
  ]);
  await scheduleRetries(deps, done, awaiting, deadlineMs);
  const declared = settled.reduce((s, b) => s + b.declaredKw, 0);
  const delivered = settled.reduce((s, b) => s + b.deliveredKw, 0);
  return {
    record: done,
    settled: status === 'settled',
    revision,
    deliveryRatio: declared > 0 ? delivered / declared : undefined,
  };
}

/**
 * An operator's re-run of an event's evaluation (late readings corrected, a calendar year
 * amended): always writes a new settlement revision; earlier ones stay readable.
 */
export async function reevaluateEvent(deps: Deps, who: Principal, eventId: string): Promise<Evaluation> {
  requireRole(who, 'operator');
  const record = await deps.events.get(eventId);
  if (!record) throw new NotFoundError(`event '${eventId}' not found`);
  if (record.status === 'cancelled' || record.status === 'failed')
    throw new ConflictError(`event '${eventId}' is ${record.status}: there is nothing to settle`);
  if (deps.clock.now() < toMs(record.event.end))
    throw new ConflictError(
      `event '${eventId}' runs until ${record.event.end}: it can be evaluated after that`,
    );
  return (await evaluateEvent(deps, eventId, { force: true })) as Evaluation;
}

/** Buildings whose readings are read at the same time while evaluating. */
const MEASURED_AT_ONCE = 16;

/** Baselines and settlements of the buildings that accepted their final command. */
async function evaluateBuildings(
  deps: Deps,
  record: EventRecord,
  program: Program,
  commands: readonly CommandRecord[],
  pastDeadline: boolean,
): Promise<Outcome> {
  const event = record.event;
  const startMs = toMs(event.start);
  const rules = event.price ?? program.settlement;
  const rule = program.missingData ?? DEFAULT_MISSING_DATA_RULE;
  const n = intervalCount(event);
  const step = event.intervalMinutes * MINUTE_MS;
  const ctx = await measurementContext(deps, event, program);
  const outcome: Outcome = { settled: [], awaiting: [], withoutData: [] };
  // Each building's readings are read independently: several at a time (one at a time, 10,000
  // buildings' 45–60-day baselines were the evaluation's whole duration).
  const measurements = await mapLimit([...commands], MEASURED_AT_ONCE, ({ command }) =>
    measureBuilding(deps, ctx, command.buildingId),
  );
  for (const [i, { command }] of commands.entries()) {
    const { buildingId, parkId } = command;
    const measured = measurements[i] as Awaited<ReturnType<typeof measureBuilding>>;
    const actualKw = measured.meteredKw;
    const missing = actualKw.flatMap((kw, t) => (kw === null ? [t] : []));
    const settle = (baselineKw: number[], withRules = rules) =>
      settleBuilding({
        buildingId,
        parkId,
        direction: event.type,
        rules: withRules,
        intervalMinutes: event.intervalMinutes,
        startMs,
        declaredKw: command.responseKw,
        baselineKw,
        actualKw,
      });

    if ('unavailable' in measured) {
      const e = measured.unavailable;
      const entry: AwaitingData =
        e instanceof CalendarMissingError
          ? { buildingId, parkId, needs: 'calendar', calendarYear: e.year, reason: e.message }
          : { buildingId, parkId, needs: 'readings', missingIntervals: missing.length, reason: e.message };
      if (!pastDeadline) {
        outcome.awaiting.push(entry);
        continue;
      }
      // No baseline by the deadline: no delivery can be shown. The baseline is set to the metered
      // load (0 where missing) so that delivery is 0; UNPAID also waives the penalty.
      outcome.withoutData.push({ ...entry, settledAs: rule.settleAs });
      const noPenalty = { ...rules, penalty: undefined };
      outcome.settled.push(
        settle(
          actualKw.map((kw) => kw ?? 0),
          rule.settleAs === 'UNPAID' ? noPenalty : rules,
        ),
      );
      continue;
    }
    const { baseline } = measured;
    if (missing.length > 0) {
      const entry: AwaitingData = {
        buildingId,
        parkId,
        needs: 'readings',
        missingIntervals: missing.length,
        reason:
          `${missing.length} of the window's ${n} readings are missing, the first for the interval ` +
          `starting ${toIso(startMs + (missing[0] as number) * step)}`,
      };
      if (!pastDeadline) {
        outcome.awaiting.push(entry);
        continue;
      }
      // By the deadline, the intervals still missing count as nothing delivered.
      outcome.withoutData.push({ ...entry, settledAs: 'MISSING_AS_ZERO' });
    }
    outcome.settled.push({ ...settle(baseline.kw), baseline: baselineAudit(program.baseline, baseline) });
  }
  const zones = new Map(
    (await deps.buildings.getMany(commands.map((c) => c.command.buildingId))).map((b) => [
      b.buildingId,
      b.zone,
    ]),
  );
  outcome.settled = outcome.settled.map((s) =>
    withImpact(deps, program, s, zones.get(s.buildingId), startMs),
  );
  return outcome;
}

/**
 * A settlement with what it did beyond the payment (energy cost at the tariff, valley energy
 * absorbed, CO₂), when the program has a tariff for the building's zone; unchanged otherwise.
 */
function withImpact(
  deps: Deps,
  program: Program,
  settlement: BuildingSettlement,
  zone: string | undefined,
  startMs: number,
): Settled {
  const tariff = zone === undefined ? undefined : zoneTariff(program.tariffs, zone);
  if (!tariff) return settlement;
  const step = settlement.intervalMinutes * MINUTE_MS;
  const impact = eventImpact({
    direction: settlement.direction,
    intervalStartsMs: settlement.intervals.map((_, t) => startMs + t * step),
    intervalMinutes: settlement.intervalMinutes,
    deliveredKw: settlement.intervals.map((i) => i.deliveredKw),
    tariff,
    emissionFactorTco2PerMwh: deps.config.emissionFactorTco2PerMwh,
  });
  return { ...settlement, impact };
}

/** A park's settlement, with its buildings' impacts summed when every one of them has one. */
function parkSettlement(
  parkId: string,
  buildings: readonly Settled[],
): ParkSettlement & { impact?: EventImpact } {
  const park = settlePark(parkId, buildings);
  const impacts = buildings.flatMap((b) => (b.impact ? [b.impact] : []));
  return impacts.length === buildings.length && impacts.length > 0
    ? { ...park, impact: sumImpacts(impacts) }
    : park;
}

/** A digest of what an evaluation found, so an automatic re-run that finds nothing new writes nothing. */
function digestOf({ settled, awaiting, withoutData }: Outcome): string {
  const figures = {
    settled: settled.map((s) => [s.buildingId, s.exact.netYuan, s.deliveredKw, s.missingIntervals.length]),
    awaiting: awaiting.map((a) => [a.buildingId, a.needs, a.calendarYear, a.missingIntervals]),
    withoutData: withoutData.map((w) => [w.buildingId, w.settledAs]),
  };
  return createHash('sha256').update(JSON.stringify(figures)).digest('base64url');
}

/**
 * While buildings await data: a re-run at the next multiple of `awaitingRetryMinutes` when
 * readings are missing (late readings settle by themselves), and one at the deadline, which
 * settles what is still missing. A calendar year entered later re-runs the evaluation at once (`putCalendarYear`).
 * Schedules are named after their time, so each is created once.
 */
async function scheduleRetries(
  deps: Deps,
  record: EventRecord,
  awaiting: readonly AwaitingData[],
  deadlineMs: number,
): Promise<void> {
  if (awaiting.length === 0) return;
  const eventId = record.event.eventId;
  const due = message('EvaluationDue', { version: 1, eventId });
  const now = deps.clock.now();
  const at = [deadlineMs];
  // Re-runs fall on a fixed grid, so however many evaluations ran meanwhile (a calendar entry, an
  // operator's re-run) they ask for the same next re-run, which its name makes one.
  const period = deps.config.awaitingRetryMinutes * MINUTE_MS;
  if (awaiting.some((a) => a.needs === 'readings'))
    at.push(Math.min((Math.floor(now / period) + 1) * period, deadlineMs));
  for (const ms of new Set(at)) {
    if (ms < now) continue;
    await deps.scheduler.scheduleOnce(`reeval-${eventId}-${Math.floor(ms / MINUTE_MS)}`, ms, due);
  }
}
