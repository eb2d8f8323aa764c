/**
 * The events a VEN reads: one per FlexDR event that commands one of its buildings, built from the
 * building's current command (`venEventOf`). There is no stored OpenADR object behind them: the
 * commands are the truth, so a redispatch or a cancellation shows at the next read.
 */
import { latestRevisionBy } from '../../domain/commands.ts';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import { toMs } from '../../domain/time.ts';
import { matchesTargets, type OpenadrCaller } from '../../openadr/access.ts';
import type { Event } from '../../openadr/schemas.ts';
import type { CommandRecord, EventRecord } from '../../ports.ts';
import type { Deps } from '../config.ts';
import { acknowledgeCommand } from '../lifecycle.ts';
import { principalOf, venEventId, venEventOf, venNameOf } from './objects.ts';

/** A VEN's read is its acceptance (see {@link receive}): the native acknowledgement's ports. */
type VenEventDeps = Parameters<typeof acknowledgeCommand>[0];

/**
 * Commands read per building: the newest page. A VEN's events are the current ones, and one
 * event holds a handful of commands per building (one per revision), so 50 reach back over many
 * events; older ones are history, read natively (`GET /buildings/{id}/commands`).
 */
const COMMANDS_PER_BUILDING = 50;
const HIDDEN_STATUSES: readonly CommandRecord['status'][] = ['SUPERSEDED', 'FAILED'];

export interface VenEventsQuery {
  programID?: string | undefined;
  targets?: string[] | undefined;
  active?: boolean | undefined;
  skip: number;
  limit: number;
}

interface VenCommand {
  record: CommandRecord;
  event: EventRecord;
}

/**
 * The caller's current commands, one per building and FlexDR event, ordered by window start then
 * command id (a stable order for `skip`).
 * 1. Per building: the newest commands; per FlexDR event the one with the latest revision.
 * 2. Left out: cancellations (the event is off for the building), superseded and failed commands,
 *    and events that were cancelled.
 */
async function venCommands(
  deps: Pick<Deps, 'events' | 'commands'>,
  caller: OpenadrCaller,
): Promise<VenCommand[]> {
  const events = new Map<string, Promise<EventRecord | undefined>>();
  const eventOf = (eventId: string) => {
    let found = events.get(eventId);
    if (!found) {
      found = deps.events.get(eventId);
      events.set(eventId, found);
    }
    return found;
  };
  const perBuilding = await Promise.all(
    caller.buildingIds.map(async (buildingId) => {
      const { items } = await deps.commands.ofBuilding(buildingId, { limit: COMMANDS_PER_BUILDING });
      const latest = latestRevisionBy(items, (r) => r.command.eventId);
      const current = [...latest.values()].filter(
        (r) => r.command.kind !== 'CANCEL' && !HIDDEN_STATUSES.includes(r.status),
      );
      const withEvents = await Promise.all(
        current.map(async (record) => ({ record, event: await eventOf(record.command.eventId) })),
      );
      return withEvents.filter(
        (c): c is VenCommand => c.event !== undefined && c.event.status !== 'cancelled',
      );
    }),
  );
  return perBuilding
    .flat()
    .sort(
      (a, b) =>
        toMs(a.record.command.start) - toMs(b.record.command.start) ||
        a.record.command.commandId.localeCompare(b.record.command.commandId),
    );
}

/**
 * Receipt is acceptance. OpenADR 3 is an opt-out model: it has no opt-in object, and a VEN that
 * does not want an event says so with an opted-out `OPERATING_STATE` report. So the first time a
 * VEN reads the event of a PENDING or PUBLISHED command, the command is acknowledged ACCEPTED on
 * its behalf (as a webhook delivery does). An answer already given stands; a command that moved
 * meanwhile (the deadline declined it, a revision superseded it) is served as it was read.
 */
async function receive(deps: VenEventDeps, caller: OpenadrCaller, c: VenCommand): Promise<VenCommand> {
  if (c.record.status !== 'PENDING' && c.record.status !== 'PUBLISHED') return c;
  try {
    const record = await acknowledgeCommand(deps, principalOf(caller), c.record.command.commandId, {
      status: 'ACCEPTED',
    });
    return { ...c, record };
  } catch (e) {
    if (e instanceof ConflictError) return c;
    throw e;
  }
}

function toVenEvent(c: VenCommand, venName: string): Event {
  const at = c.record.updatedAt;
  return venEventOf(c.record.command, venName, c.event.event.programId, { createdAt: at, updatedAt: at });
}

/**
 * Lists a VEN's events, paged.
 * 1. The current commands of its buildings (see {@link venCommands}).
 * 2. The spec's filters: `programID`, `targets` (sharing one), `active` (the event's window has
 *    not ended); then `skip` and `limit`.
 * 3. Acknowledge what is served (receipt is acceptance) and answer the events.
 */
export async function listVenEvents(
  deps: VenEventDeps,
  caller: OpenadrCaller,
  query: VenEventsQuery,
): Promise<Record<string, unknown>[]> {
  const venName = await venNameOf(deps, caller.clientId);
  const now = deps.clock.now();
  const matching = (await venCommands(deps, caller)).filter(
    (c) =>
      (query.programID === undefined || c.event.event.programId === query.programID) &&
      (query.active !== true || toMs(c.event.event.end) > now) &&
      matchesTargets(toVenEvent(c, venName).targets, query.targets ?? []),
  );
  const page = matching.slice(query.skip, query.skip + query.limit);
  const received = await Promise.all(page.map((c) => receive(deps, caller, c)));
  return received.map((c) => toVenEvent(c, venName));
}

/** The current command behind one of the caller's VEN events; 404 for any other id. */
async function venCommandOf(deps: VenEventDeps, caller: OpenadrCaller, eventID: string): Promise<VenCommand> {
  const found = (await venCommands(deps, caller)).find((c) => venEventId(c.record.command) === eventID);
  if (!found) throw new NotFoundError(`event '${eventID}' not found`);
  return found;
}

/** One of the caller's VEN events (acknowledged on receipt); 404 when unknown or not its own. */
export async function getVenEvent(
  deps: VenEventDeps,
  caller: OpenadrCaller,
  eventID: string,
): Promise<Record<string, unknown>> {
  const found = await receive(deps, caller, await venCommandOf(deps, caller, eventID));
  return toVenEvent(found, await venNameOf(deps, caller.clientId));
}

/**
 * The command record behind one of the caller's VEN events (reports use it), without
 * acknowledging it; 404 when the id is not one of its current events.
 */
export async function commandOfVenEvent(
  deps: VenEventDeps,
  caller: OpenadrCaller,
  eventID: string,
): Promise<CommandRecord & { programId: string }> {
  const { record, event } = await venCommandOf(deps, caller, eventID);
  return { ...record, programId: event.event.programId };
}
