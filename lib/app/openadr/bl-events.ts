/**
 * Events from a BL: each OpenADR `event` object is a FlexDR grid event under the same id, accepted,
 * revised and cancelled through the native use-cases, so it is planned and dispatched exactly as
 * an operator's event. Only events created through OpenADR are listed here; natively posted ones
 * stay on the native API (listing them would promise a PUT and DELETE that have no object behind
 * them).
 */
import * as z from 'zod';
import { ConflictError, ValidationError } from '../../domain/errors.ts';
import { type EventStatus, isClosed } from '../../domain/lifecycle.ts';
import { GridEvent } from '../../domain/model/grid-event.ts';
import { MINUTE_MS, toMs } from '../../domain/time.ts';
import { parseOrThrow } from '../../domain/validate.ts';
import { matchesTargets, type OpenadrCaller } from '../../openadr/access.ts';
import { eventToGridEvent } from '../../openadr/events.ts';
import { eventWindow } from '../../openadr/intervals.ts';
import type { Event, EventRequest } from '../../openadr/schemas.ts';
import type { OpenadrObject } from '../../openadr/store.ts';
import type { EventRecord } from '../../ports.ts';
import type { Deps } from '../config.ts';
import { acceptEvent, cancelEvent, reviseEvent } from '../events.ts';
import {
  announce,
  changedMetadata,
  createWithCounterpart,
  mustGet,
  newMetadata,
  newObjectId,
  ownedBy,
  principalOf,
} from './objects.ts';
import { definedFields, requireBl } from './programs.ts';

/** Accepting, revising and cancelling go through the native event use-cases: their ports. */
type BlEventDeps = Parameters<typeof acceptEvent>[0] &
  Parameters<typeof reviseEvent>[0] &
  Parameters<typeof cancelEvent>[0];
/** Reading events needs the store and the clock only. */
type BlEventReadDeps = Pick<Deps, 'openadr' | 'clock'>;

/** Nothing left to call off; a cancelled event is cancelled again, which is idempotent. */
const ended = (status: EventStatus) => isClosed(status) && status !== 'cancelled';
/** Attempts at a write that lost an optimistic check to a concurrent one (planning, another BL call). */
const ATTEMPTS = 3;

/** The FlexDR revision an event object holds (its bookkeeping); 0 when it has none yet. */
const Revision = z.object({ revision: z.number() });
const revisionOf = (event: OpenadrObject<'EVENT'>) => Revision.safeParse(event.internal).data?.revision ?? 0;

/**
 * The grid event of an event body. The program must be an OpenADR program object: createEvent has
 * no 404 in the document, so a missing one is a 400 naming `programID`.
 */
async function gridEventOf(deps: BlEventDeps, event: Event, noticeAt: string): Promise<GridEvent> {
  const program = await deps.openadr.get('PROGRAM', event.programID);
  if (!program || !(await deps.programs.get(event.programID)))
    throw new ValidationError(`programID: program '${event.programID}' not found`, [
      { path: 'programID', message: `program '${event.programID}' not found` },
    ]);
  const gridEvent = parseOrThrow(
    GridEvent,
    eventToGridEvent(event, { programId: event.programID }, noticeAt),
    'event (as a FlexDR grid event)',
  );
  if (toMs(gridEvent.end) <= deps.clock.now())
    throw new ValidationError(
      `intervals: the event's window ended at ${gridEvent.end}; nothing can be dispatched`,
    );
  return gridEvent;
}

/**
 * Creates an event.
 * 1. Map it to a grid event and check it as `acceptEvent` would (400 before anything is stored).
 * 2. Store the OpenADR object, then accept the grid event under the same id; if accepting fails,
 *    take the object back.
 * 3. Announce CREATE.
 *
 * Why the object first: OpenADR's POST has no idempotency key, so a client retries a failed call
 * with a new id. Were the grid event accepted first, a crash before the object is stored would
 * leave a planned, dispatched event the BL cannot see, and the retry would dispatch it twice.
 * This way the worst case is an object whose grid event never started: inert, visible to the BL,
 * and removed by its DELETE.
 */
export async function createBlEvent(deps: BlEventDeps, caller: OpenadrCaller, request: EventRequest) {
  requireBl(caller);
  const id = newObjectId();
  const body = { ...newMetadata(deps, 'EVENT', id), ...definedFields(request) };
  const gridEvent = await gridEventOf(deps, body, body.createdDateTime);
  const object: OpenadrObject<'EVENT'> = {
    objectType: 'EVENT',
    ...ownedBy(body, caller.clientId),
    internal: { flexdrEventId: id, revision: 1 },
  };
  await createWithCounterpart(deps, object, () => acceptEvent(deps, principalOf(caller), gridEvent));
  return body;
}

/**
 * Replaces an event as a FlexDR revision (new targets or window; every command is superseded).
 * 1. Same program (a revision keeps its program); the notice time stays the first one, so a
 *    revision during the event is accepted as a native one is.
 * 2. `reviseEvent`: 409 once the event completed or was cancelled, 400 for a changed direction.
 * 3. Replace the object with this revision's content, unless a later revision is already stored
 *    (the FlexDR revision number orders concurrent updates).
 * 4. Announce UPDATE.
 */
export async function updateBlEvent(
  deps: BlEventDeps,
  caller: OpenadrCaller,
  eventId: string,
  request: EventRequest,
) {
  requireBl(caller);
  const previous = await mustGet(deps, 'EVENT', eventId);
  if (request.programID !== previous.body.programID)
    throw new ValidationError(
      `programID: an event cannot move to another program; delete it and create one`,
      [{ path: 'programID', message: `must stay '${previous.body.programID}'` }],
    );
  const record = await deps.events.get(eventId);
  if (!record)
    throw new ConflictError(`event '${eventId}' was never accepted; delete it and create it again`);
  const fields = definedFields(request);
  const candidate = { ...changedMetadata(deps, previous), ...fields };
  const gridEvent = await gridEventOf(deps, candidate, record.event.noticeAt);
  const revised = await reviseEvent(deps, principalOf(caller), eventId, gridEvent);
  const body = await storeRevision(deps, eventId, fields, revised.revision);
  await announce(deps, 'EVENT', 'UPDATE', body);
  return body;
}

async function storeRevision(
  deps: BlEventDeps,
  eventId: string,
  fields: EventRequest,
  revision: number,
): Promise<Event> {
  for (let attempt = 1; ; attempt++) {
    const current = await mustGet(deps, 'EVENT', eventId);
    if (revisionOf(current) >= revision) return current.body;
    const body = { ...changedMetadata(deps, current), ...fields };
    try {
      await deps.openadr.replace({ ...current, body, internal: { ...current.internal, revision } }, current);
      return body;
    } catch (e) {
      if (!(e instanceof ConflictError) || attempt >= ATTEMPTS) throw e;
    }
  }
}

/**
 * Deletes an event and answers it.
 * 1. Cancel the grid event (its commands are called off), unless its window is over or it already
 *    ended: what was delivered is still evaluated and settled. A cancelled event stays cancelled,
 *    so a retry is harmless.
 * 2. Delete the object; announce DELETE.
 */
export async function deleteBlEvent(deps: BlEventDeps, caller: OpenadrCaller, eventId: string) {
  requireBl(caller);
  const found = await mustGet(deps, 'EVENT', eventId);
  for (let attempt = 1; ; attempt++) {
    const record = await deps.events.get(eventId);
    if (!record || ended(record.status) || toMs(record.event.end) <= deps.clock.now()) break;
    try {
      await cancelEvent(deps, principalOf(caller), eventId);
      break;
    } catch (e) {
      // Planning moved the record meanwhile: read it again.
      if (!(e instanceof ConflictError) || attempt >= ATTEMPTS) throw e;
    }
  }
  await deps.openadr.delete(found);
  await announce(deps, 'EVENT', 'DELETE', found.body);
  return found.body;
}

/** End of an event body's window (start + n × duration), or undefined when it has none. */
function eventEndMs(body: Event): number | undefined {
  const intervals = body.intervals ?? [];
  if (intervals.length === 0) return undefined;
  try {
    const { start, intervalMinutes } = eventWindow(body.intervalPeriod, intervals);
    return toMs(start) + intervals.length * intervalMinutes * MINUTE_MS;
  } catch {
    return undefined;
  }
}

/**
 * Lists a BL's events, oldest first, before pagination: `programID`, `targets` (sharing one) and
 * `active` (the window has not ended yet) as the document gives them.
 */
export async function listBlEvents(
  deps: BlEventReadDeps,
  caller: OpenadrCaller,
  query: { programID?: string | undefined; targets?: string[] | undefined; active?: boolean | undefined },
): Promise<Record<string, unknown>[]> {
  requireBl(caller);
  const now = deps.clock.now();
  return (await deps.openadr.list('EVENT'))
    .map((o) => o.body)
    .filter(
      (e) =>
        (query.programID === undefined || e.programID === query.programID) &&
        matchesTargets(e.targets, query.targets ?? []) &&
        (query.active !== true || (eventEndMs(e) ?? Number.POSITIVE_INFINITY) > now),
    );
}

export async function getBlEvent(deps: BlEventReadDeps, caller: OpenadrCaller, eventId: string) {
  requireBl(caller);
  return (await mustGet(deps, 'EVENT', eventId)).body;
}

/**
 * The private payload type that tells a BL what became of its event when FlexDR could not run it.
 * A 3.1 `event` has no `attributes`; payload types may be privately defined, and VENs ignore
 * types they do not know (no VEN receives a failed event anyway: no building was asked).
 */
export const FLEXDR_STATUS = 'FLEXDR_STATUS';

/**
 * A grid event failed (no building in its scope could respond): if a BL created it, its event
 * object says so (a `FLEXDR_STATUS` payload, `FAILED` and the reason, in its first interval), and
 * its subscriptions hear an `UPDATE`. Natively created events have no object: nothing to do. A
 * repeat finds the payload there and changes nothing.
 */
export async function announceEventFailure(
  deps: Pick<Deps, 'openadr' | 'outbox' | 'clock'>,
  record: Pick<EventRecord, 'event' | 'status' | 'failure'>,
): Promise<void> {
  if (record.status !== 'failed') return;
  const current = await deps.openadr.get('EVENT', record.event.eventId);
  if (!current) return;
  const stated = { type: FLEXDR_STATUS, values: ['FAILED', record.failure ?? 'failed'] };
  const [first, ...rest] = current.body.intervals ?? [];
  if (!first) return;
  const others = first.payloads.filter((p) => p.type !== FLEXDR_STATUS);
  if (JSON.stringify(first.payloads) === JSON.stringify([...others, stated])) return;
  const body = {
    ...current.body,
    ...changedMetadata(deps, current),
    intervals: [{ ...first, payloads: [...others, stated] }, ...rest],
  };
  await deps.openadr.replace({ ...current, body }, current);
  await announce(deps, 'EVENT', 'UPDATE', body);
}
