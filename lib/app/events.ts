/** Grid events: accepted from an operator, revised, cancelled, read. */
import { cancellationCommand, latestByBuilding } from '../domain/commands.ts';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { type AwaitingData, isClosed } from '../domain/lifecycle.ts';
import type { GridEvent } from '../domain/model/grid-event.ts';
import { toIso, toMs } from '../domain/time.ts';
import { message } from '../messages.ts';
import type {
  CommandCounts,
  CommandRecord,
  CommandStatus,
  CommandTally,
  EventRecord,
  Page,
  PageRequest,
} from '../ports.ts';
import { canSeePark, type Principal, requireRole } from './auth.ts';
import type { Deps } from './config.ts';
import { ackScheduleName, dispatchScheduleName, evaluationScheduleName } from './lifecycle.ts';
import { ACTIVE } from './planning.ts';

const sameEvent = (a: GridEvent, b: GridEvent) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Accepts an event from a grid operator.
 * 1. Only operators; the program must exist; the window must not have ended.
 * 2. Store it as `received`, once per operator event id, with `GridEventAccepted` (which plans it)
 *    in the outbox of the same transaction: a re-send returns the stored record and starts nothing
 *    again; a different event under the same id is a conflict.
 */
export async function acceptEvent(
  deps: Deps,
  who: Principal,
  event: GridEvent,
): Promise<{ record: EventRecord; created: boolean }> {
  requireRole(who, 'operator');
  if (!(await deps.programs.get(event.programId)))
    throw new NotFoundError(`program '${event.programId}' not found`);
  const now = deps.clock.now();
  if (toMs(event.end) <= now)
    throw new ValidationError(
      `the event's window ended at ${event.end} (the clock reads ${toIso(now)}); nothing can be dispatched`,
    );
  const at = toIso(now);
  const result = await deps.events.create(
    {
      event,
      revision: 1,
      status: 'received',
      version: 1,
      createdAt: at,
      updatedAt: at,
      declinesPlannedAround: 0,
    },
    [message('GridEventAccepted', { version: 1, eventId: event.eventId, revision: 1 })],
  );
  if (!result.created && !sameEvent(result.record.event, event) && result.record.revision === 1)
    throw new ConflictError(`event '${event.eventId}' exists with other content; revise it instead`);
  return result;
}

async function load(deps: Pick<Deps, 'events'>, eventId: string): Promise<EventRecord> {
  const record = await deps.events.get(eventId);
  if (!record) throw new NotFoundError(`event '${eventId}' not found`);
  return record;
}

/**
 * Revises an event: new targets or window, as a new revision that supersedes every command.
 * 1. Only operators; not after the event completed or was cancelled; same id, type and program.
 * 2. Store the revision as `received`; announce `GridEventAccepted` for it, which re-plans.
 */
export async function reviseEvent(
  deps: Deps,
  who: Principal,
  eventId: string,
  event: GridEvent,
): Promise<EventRecord> {
  requireRole(who, 'operator');
  const record = await load(deps, eventId);
  if (event.eventId !== eventId)
    throw new ValidationError(`the body's eventId '${event.eventId}' is not '${eventId}'`);
  if (isClosed(record.status))
    throw new ConflictError(`event '${eventId}' is ${record.status} and can no longer be revised`);
  if (event.type !== record.event.type) throw new ValidationError('a revision cannot change the event type');
  if (toMs(event.end) <= deps.clock.now())
    throw new ValidationError(`the revised window ended at ${event.end}`);
  const next: EventRecord = {
    ...record,
    event,
    revision: record.revision + 1,
    status: 'received',
    version: record.version + 1,
    updatedAt: toIso(deps.clock.now()),
  };
  await deps.events.update(next, [
    message('GridEventAccepted', { version: 1, eventId, revision: next.revision }),
  ]);
  return next;
}

/**
 * Cancels an event before it completes; the commands follow on the bus (the answer is `202`).
 * 1. Only operators; a cancelled event stays cancelled (a repeat announces it again, which
 *    finishes whatever is left and changes nothing else).
 * 2. Mark it cancelled as a new revision, with `EventCancelled` in the same write (the outbox).
 *    From that moment no command of an earlier revision can be stored or announced (every command
 *    write is conditional on the event's revision).
 * 3. `finish-cancellation` runs {@link finishCancellation}: it cancels exactly the commands standing
 *    then, however many there are, outside the HTTP request's 29 seconds.
 */
export async function cancelEvent(deps: Deps, who: Principal, eventId: string): Promise<EventRecord> {
  requireRole(who, 'operator');
  const record = await load(deps, eventId);
  const announcement = (r: EventRecord) =>
    message('EventCancelled', { version: 1, eventId, revision: r.revision });
  if (record.status === 'cancelled') {
    await deps.outbox.put([announcement(record)]);
    return record;
  }
  if (isClosed(record.status))
    throw new ConflictError(`event '${eventId}' is ${record.status} and can no longer be cancelled`);
  const cancelled: EventRecord = {
    ...record,
    status: 'cancelled',
    revision: record.revision + 1,
    version: record.version + 1,
    updatedAt: toIso(deps.clock.now()),
  };
  await deps.events.update(cancelled, [announcement(cancelled)]);
  return cancelled;
}

/** `EventCancelled`: finish the cancellation of that revision, if it is still the event's. */
export async function cancellationAnnounced(
  deps: Deps,
  ref: { eventId: string; revision: number },
): Promise<void> {
  const record = await deps.events.get(ref.eventId);
  if (record?.status !== 'cancelled' || record.revision !== ref.revision) return;
  await finishCancellation(deps, record);
}

/**
 * The rest of a cancellation, after the cancelled revision is stored; safe to repeat (the
 * reconciler repeats it for a cancellation a crash interrupted).
 * 1. Read the commands: the set cannot grow any more, so those standing are exactly those to cancel.
 * 2. Store one CANCEL per building that holds a DISPATCH, superseding every DISPATCH it holds.
 * 3. Delete every revision's acknowledgement deadline and the evaluation; release reservations.
 * 4. Announce the pending cancellations through the outbox, conditional on the cancelled revision.
 */
export async function finishCancellation(deps: Deps, record: EventRecord): Promise<void> {
  const eventId = record.event.eventId;
  const guard = { eventId, revision: record.revision, statuses: ['cancelled' as const] };
  const now = toIso(deps.clock.now());
  const standing = (await deps.commands.ofEvent(eventId)).filter(
    (c) => ACTIVE.includes(c.status) && c.command.kind === 'DISPATCH',
  );
  const cancellations = [...latestByBuilding(standing).values()].map((c) =>
    cancellationCommand(c.command, record.revision),
  );
  await deps.commands.putMany(
    cancellations.map((command) => ({ command, status: 'PENDING', updatedAt: now })),
    guard,
  );
  await deps.commands.transitionMany(standing, ACTIVE, 'SUPERSEDED', now, 'event cancelled');
  const names = [
    ...Array.from({ length: record.revision - 1 }, (_, i) => [
      ackScheduleName(eventId, i + 1),
      dispatchScheduleName(eventId, i + 1),
    ]).flat(),
    evaluationScheduleName(record.event),
  ];
  await Promise.all(names.map((n) => deps.scheduler.cancel(n)));
  const commands = await deps.commands.ofEvent(eventId);
  await deps.reservations.release(eventId, [...new Set(commands.map((c) => c.command.buildingId))]);
  const pending = commands.filter((c) => c.status === 'PENDING' && c.command.kind === 'CANCEL');
  if (pending.length > 0)
    await deps.commands.publish(
      pending.map((c) => c.command),
      now,
      guard,
    );
}

/** The counts an event's status shows, from a tally of its commands by kind and status. */
export function countCommands(tally: CommandTally): CommandCounts {
  const d = tally.DISPATCH;
  const sent = Object.values(d).reduce((sum, n) => sum + n, 0);
  return {
    sent,
    published: sent - d.PENDING - d.FAILED,
    failed: d.FAILED,
    acknowledged: d.ACKNOWLEDGED,
    declined: d.DECLINED,
    cancelled: Object.values(tally.CANCEL).reduce((sum, n) => sum + n, 0),
  };
}

/** The tally of commands at hand (what the repository's counters keep for all of an event's). */
export function tallyOf(records: Iterable<CommandRecord>): CommandTally {
  const tally = noTally();
  for (const r of records) tally[r.command.kind][r.status]++;
  return tally;
}

/** The tallies of several parks as one. */
function sumTallies(tallies: Iterable<CommandTally>): CommandTally {
  const total = noTally();
  for (const t of tallies)
    for (const kind of ['DISPATCH', 'CANCEL'] as const)
      for (const [status, n] of Object.entries(t[kind])) total[kind][status as CommandStatus] += n;
  return total;
}

const noTally = (): CommandTally => ({ DISPATCH: noneOf(), CANCEL: noneOf() });
const noneOf = (): Record<CommandStatus, number> => ({
  PENDING: 0,
  PUBLISHED: 0,
  FAILED: 0,
  ACKNOWLEDGED: 0,
  DECLINED: 0,
  SUPERSEDED: 0,
});

/**
 * An event as its reader may see it: whole for an operator; for a park manager without the
 * event's targets (the whole event's, as `/delivery` hides them) and with the scope narrowed to
 * the parks of theirs that its commands reached, so no other park is named.
 */
export type EventInView = Omit<GridEvent, 'targetsKw'> & { targetsKw?: number[] | undefined };

export function eventAsSeenBy(who: Principal, event: GridEvent, reached: Iterable<string>): EventInView {
  if (who.role === 'operator') return event;
  const { targetsKw: _hidden, ...rest } = event;
  const parkIds = [...new Set(reached)].filter((p) => canSeePark(who, p)).sort();
  return { ...rest, scope: { parkIds } };
}

export interface EventStatusView {
  event: EventInView;
  revision: number;
  status: EventRecord['status'];
  failure?: string | undefined;
  plan?: EventRecord['plan'];
  /** The closed loop's latest correction (operators only), when it made one. */
  tracking?: EventRecord['tracking'];
  commands: CommandCounts;
  updatedAt: string;
  /** After the window: the latest settlement revision and what it still waits for (the caller's parks). */
  settlement?:
    | {
        revision?: number | undefined;
        /** How many buildings (of the caller's parks) the settlement waits for data for. */
        awaitingCount: number;
        /** The first 100 of them, by building id, and what each needs. */
        awaitingData: AwaitingData[];
        dataDeadline?: string | undefined;
      }
    | undefined;
}

/**
 * An event if the caller may see it, with the counts of the commands they may see: all of them,
 * exact, for an operator (the shards' counters); for a park manager those of their parks, counted
 * from the event's index by park, and the event is not found when none went there (ids cannot be
 * probed). Reads a few items for an operator at any scale, a park manager's parks' commands for them.
 */
export async function eventSeenBy(
  deps: Pick<Deps, 'events' | 'commands'>,
  who: Principal,
  eventId: string,
): Promise<{ record: EventRecord; tally: CommandTally; parkIds: string[] | undefined }> {
  requireRole(who, 'operator', 'parkManager');
  const record = await load(deps, eventId);
  if (who.role === 'operator')
    return { record, tally: await deps.commands.tally(eventId), parkIds: undefined };
  const byPark = await deps.commands.tallyOfParks(eventId, who.parkIds);
  if (byPark.size === 0) throw new NotFoundError(`event '${eventId}' not found`);
  return { record, tally: sumTallies(byPark.values()), parkIds: [...byPark.keys()] };
}

/**
 * An event and the commands the caller may see: all of them for an operator; for a park manager
 * those of their parks (read through the index by park, so in proportion to their parks), and the
 * event is not found when none went there.
 */
export async function eventInView(
  deps: Pick<Deps, 'events' | 'commands'>,
  who: Principal,
  eventId: string,
): Promise<{ record: EventRecord; commands: CommandRecord[] }> {
  requireRole(who, 'operator', 'parkManager');
  const record = await load(deps, eventId);
  if (who.role === 'operator') return { record, commands: await deps.commands.ofEvent(eventId) };
  const commands: CommandRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.commands.pageOfEvent(eventId, { limit: 500, cursor }, who.parkIds);
    commands.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  if (commands.length === 0) throw new NotFoundError(`event '${eventId}' not found`);
  return { record, commands };
}

/**
 * An event's status. Operators see all of it; a park manager sees an event only if one of its
 * commands went to their parks, with counts of those commands alone, and the event without its
 * targets and with its scope narrowed to those parks ({@link eventAsSeenBy}).
 */
export async function getEventStatus(deps: Deps, who: Principal, eventId: string): Promise<EventStatusView> {
  const { record, tally, parkIds } = await eventSeenBy(deps, who, eventId);
  return {
    event: eventAsSeenBy(who, record.event, parkIds ?? []),
    revision: record.revision,
    status: record.status,
    failure: record.failure,
    plan: who.role === 'operator' ? record.plan : undefined,
    tracking: who.role === 'operator' ? record.tracking : undefined,
    commands: countCommands(tally),
    updatedAt: record.updatedAt,
    settlement:
      record.settlementRevision === undefined && record.awaiting === undefined
        ? undefined
        : await settlementOpen(deps, who, record),
  };
}

/** The entries of `open` listed in an event's status at most; `awaitingCount` says how many there are. */
const AWAITING_LISTED = 100;

/** What an event's settlement still waits for, as its caller may see it: counts and the first entries. */
async function settlementOpen(
  deps: Pick<Deps, 'settlements'>,
  who: Principal,
  record: EventRecord,
): Promise<NonNullable<EventStatusView['settlement']>> {
  const waiting =
    (record.awaiting?.buildings ?? 0) > 0
      ? (await deps.settlements.open(record.event.eventId)).awaiting.filter((a) => canSeePark(who, a.parkId))
      : [];
  return {
    revision: record.settlementRevision,
    awaitingCount: waiting.length,
    awaitingData: waiting.slice(0, AWAITING_LISTED),
    dataDeadline: record.dataDeadline,
  };
}

/**
 * A page of an event's commands (100 by default, at most 500: well under Lambda's 6 MB answer at any
 * scope), filtered to the caller's parks for a park manager, so a page may hold fewer than asked
 * while `cursor` says there are more.
 */
export async function getEventCommands(
  deps: Deps,
  who: Principal,
  eventId: string,
  page: PageRequest = {},
): Promise<Page<CommandRecord>> {
  requireRole(who, 'operator', 'parkManager');
  await load(deps, eventId);
  return deps.commands.pageOfEvent(eventId, page, who.role === 'operator' ? undefined : who.parkIds);
}

export async function listEvents(deps: Deps, who: Principal, page: PageRequest): Promise<Page<EventRecord>> {
  requireRole(who, 'operator');
  return deps.events.list(page);
}
