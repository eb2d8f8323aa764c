/**
 * What every OpenADR family shares: object metadata, ids, announcing changes to subscriptions,
 * and the VEN's view of its building's commands.
 */
import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError } from '../../domain/errors.ts';
import type { Command } from '../../domain/model/command.ts';
import { toIso } from '../../domain/time.ts';
import { message } from '../../messages.ts';
import type { OpenadrCaller } from '../../openadr/access.ts';
import type { Event } from '../../openadr/schemas.ts';
import type { OpenadrObject, OpenadrObjectType } from '../../openadr/store.ts';
import { commandToVenEvent } from '../../openadr/ven-events.ts';
import type { Principal } from '../auth.ts';
import type { Deps } from '../config.ts';

/**
 * A fresh `objectID`: 32 hex digits (128 random bits). Hex, not base64url, so that it is also a
 * FlexDR `Id` (which must start with a letter or a digit) for objects stored on both sides.
 */
export const newObjectId = () => randomBytes(16).toString('hex');

/** Metadata of a new object (`objectMetadata`). */
export function newMetadata<T extends OpenadrObjectType>(
  deps: Pick<Deps, 'clock'>,
  objectType: T,
  id = newObjectId(),
) {
  const now = toIso(deps.clock.now());
  return { id, createdDateTime: now, modificationDateTime: now, objectType };
}

/** Metadata of a changed object: the same id and creation time, a new modification time. */
export function changedMetadata<T extends OpenadrObjectType>(
  deps: Pick<Deps, 'clock'>,
  previous: OpenadrObject<T>,
) {
  let now = toIso(deps.clock.now());
  // Two changes in one millisecond would compare equal in the optimistic check: keep them apart.
  const modified = previous.body.modificationDateTime;
  if (now <= modified) now = toIso(Date.parse(modified) + 1);
  return {
    id: previous.id,
    createdDateTime: previous.body.createdDateTime,
    modificationDateTime: now,
    objectType: previous.objectType,
  };
}

/**
 * The stored parts of a new object with this body: its id and creation time from the metadata,
 * its owner, and its unique name when it has one (spread after the `objectType`).
 */
export function ownedBy<B extends { id: string; createdDateTime: string }>(
  body: B,
  clientId: string,
  uniqueName?: string,
) {
  return {
    id: body.id,
    body,
    clientId,
    createdAt: body.createdDateTime,
    ...(uniqueName !== undefined ? { uniqueName } : {}),
  };
}

/**
 * Stores a new object, then its FlexDR side (`counterpart`); when that fails, takes the object
 * back (the name is free again) and throws. Announces CREATE once both are stored.
 */
export async function createWithCounterpart(
  deps: Pick<Deps, 'openadr' | 'outbox'>,
  object: OpenadrObject,
  counterpart: () => Promise<unknown>,
): Promise<void> {
  await deps.openadr.create(object);
  try {
    await counterpart();
  } catch (e) {
    await deps.openadr.delete(object).catch(() => {});
    throw e;
  }
  await announce(deps, object.objectType, 'CREATE', object.body);
}

/** Loads an object or answers 404. */
export async function mustGet<T extends OpenadrObjectType>(
  deps: Pick<Deps, 'openadr'>,
  objectType: T,
  id: string,
): Promise<OpenadrObject<T>> {
  const found = await deps.openadr.get(objectType, id);
  if (!found) throw new NotFoundError(`${objectType.toLowerCase()} '${id}' not found`);
  return found;
}

/** Tells subscriptions (through the bus, so a slow webhook never slows the caller). */
export async function announce(
  deps: Pick<Deps, 'outbox'>,
  objectType: OpenadrObjectType,
  operation: 'CREATE' | 'UPDATE' | 'DELETE',
  object: Record<string, unknown>,
): Promise<void> {
  await deps.outbox.put([message('OpenadrObjectChanged', { version: 1, objectType, operation, object })]);
}

/**
 * The id of a VEN's event: one per FlexDR event and building, the same across revisions, so a
 * revision is an `UPDATE` of the event the VEN already holds and a report on it finds the current
 * command. A digest, since FlexDR ids may hold `.`, `:` or `@` and an `objectID` may not; the
 * command id itself is the event's `eventName`, so a report or opt-out can be traced either way.
 */
export function venEventId(command: Pick<Command, 'eventId' | 'buildingId'>): string {
  return `e-${createHash('sha256').update(`${command.eventId}\n${command.buildingId}`).digest('base64url').slice(0, 32)}`;
}

/**
 * The OpenADR event a VEN reads for one command, metadata included (the caller passes the times:
 * the command record's last change).
 */
export function venEventOf(
  command: Command,
  venName: string,
  programId: string,
  times: { createdAt: string; updatedAt: string },
): Event {
  return {
    id: venEventId(command),
    createdDateTime: times.createdAt,
    modificationDateTime: times.updatedAt,
    objectType: 'EVENT',
    ...commandToVenEvent(command, venName, programId),
  };
}

/** The name a VEN goes by: its `ven` object's `venName` when it has one, else its client id. */
export function venNameIn(vens: readonly OpenadrObject<'VEN'>[], clientId: string): string {
  return vens.find((v) => v.body.clientID === clientId)?.body.venName ?? clientId;
}

/** {@link venNameIn}, reading the vens. */
export async function venNameOf(deps: Pick<Deps, 'openadr'>, clientId: string): Promise<string> {
  return venNameIn(await deps.openadr.list('VEN'), clientId);
}

/**
 * The FlexDR principal an OpenADR caller acts as: a BL is a grid operator, a VEN the BMS of the
 * buildings it speaks for. The coordinator's own use-cases then check it as they check anyone.
 */
export function principalOf(caller: Pick<OpenadrCaller, 'clientId' | 'role' | 'buildingIds'>): Principal {
  const subject = `openadr:${caller.clientId}`;
  return caller.role === 'BL'
    ? { subject, role: 'operator', parkIds: [], buildingIds: [] }
    : { subject, role: 'bms', parkIds: [], buildingIds: caller.buildingIds };
}

/** Whether a VEN caller speaks for a building (directly, or through its park). */
export function speaksFor(
  caller: Pick<OpenadrCaller, 'buildingIds' | 'parkIds'>,
  c: Pick<Command, 'buildingId' | 'parkId'>,
): boolean {
  return caller.buildingIds.includes(c.buildingId) || caller.parkIds.includes(c.parkId);
}
