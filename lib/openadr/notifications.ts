/**
 * Which subscriptions hear of a change, and what each may see of it (Definition.md
 * "Subscriptions", "Object Privacy"): pure rules, no store and no delivery (those are
 * `lib/app/openadr/notify.ts`'s).
 *
 * A subscription hears of an object when one of its `objectOperations` names the object type and
 * the operation, its `programID` (if set) is the object's program, its `targets` (if any) meet the
 * object's, and its client may see the object: a BL everything; a VEN a program with no targets
 * or with targets granted to it, its own reports, vens, resources and subscriptions, and its
 * buildings' commands as events (a BL's events reach VENs only as those commands).
 */
import { targetsOf } from './access.ts';
import type { Notification, Subscription } from './schemas.ts';
import type { OpenadrClient, OpenadrObjectType } from './store.ts';

type Operation = Notification['operation'];
export type ObjectOperation = Subscription['objectOperations'][number];

/** A subscription's client, as notification matching sees it. */
export interface Subscriber {
  clientId: string;
  role: 'BL' | 'VEN';
  buildingIds: readonly string[];
  parkIds: readonly string[];
  /** A VEN's `venName` (its client id when it has no ven object). */
  venName: string;
  /** A VEN's targets: `building:` and `park:` of its bindings, and its venName. */
  granted: readonly string[];
}

/** The subscriber a client is: a BL sees everything; a VEN is granted its bindings and its name. */
export function subscriberOf(
  client: Pick<OpenadrClient, 'clientId' | 'role' | 'buildingIds' | 'parkIds'>,
  venName: string,
): Subscriber {
  const { clientId } = client;
  if (client.role === 'BL')
    return { clientId, role: 'BL', buildingIds: [], parkIds: [], venName: clientId, granted: [] };
  return {
    clientId,
    role: 'VEN',
    buildingIds: client.buildingIds,
    parkIds: client.parkIds,
    venName,
    granted: [...targetsOf(client), venName],
  };
}

/** Object types whose `targets` a subscription's `targets` filter applies to. */
const TARGETED: ReadonlySet<OpenadrObjectType> = new Set([
  'PROGRAM',
  'EVENT',
  'VEN',
  'RESOURCE',
  'SUBSCRIPTION',
]);

/** The strings of a value that should be a list of them (objects on the bus are not typed). */
function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The `objectOperations` of a subscription that ask for this type and operation. */
export function operationsFor(
  subscription: Pick<Subscription, 'objectOperations'>,
  objectType: OpenadrObjectType,
  operation: Operation,
): ObjectOperation[] {
  return subscription.objectOperations.filter(
    (op) => op.objects.includes(objectType) && op.operations.includes(operation),
  );
}

/**
 * Whether the subscription's own filters let the object through: `programID` against the
 * object's program (`programId`, resolved by the caller: a report's is its event's), and
 * `targets` against the object's, for the object types that carry targets.
 */
export function passesFilters(
  subscription: Pick<Subscription, 'programID' | 'targets'>,
  objectType: OpenadrObjectType,
  object: Record<string, unknown>,
  programId: string | undefined,
): boolean {
  if (subscription.programID !== undefined && subscription.programID !== programId) return false;
  const wanted = subscription.targets ?? [];
  if (wanted.length > 0 && TARGETED.has(objectType)) {
    const has = stringsOf(object.targets);
    if (!wanted.some((t) => has.includes(t))) return false;
  }
  return true;
}

/** A subscription's operation without its bearer token (`op` as it came, when not an object). */
function withoutBearerToken(op: unknown): unknown {
  if (typeof op !== 'object' || op === null) return op;
  return Object.fromEntries(Object.entries(op).filter(([key]) => key !== 'bearerToken'));
}

/** The subscription without its bearer tokens: for anyone but its owner, and for the bus. */
export function withoutSecrets(body: Record<string, unknown>): Record<string, unknown> {
  const operations: unknown[] = Array.isArray(body.objectOperations) ? body.objectOperations : [];
  return { ...body, objectOperations: operations.map(withoutBearerToken) };
}

/** The subscription as `reader` may see it. */
export function servedSubscription(
  body: Record<string, unknown>,
  readerClientId: string,
): Record<string, unknown> {
  return body.clientID === readerClientId ? body : withoutSecrets(body);
}

/**
 * Object privacy: what a subscriber may see of a changed object, or `undefined` when nothing. A
 * VEN sees a program as `GET /programs` shows it to it: one with no targets, or sharing one with
 * it (`programs.ts`'s rule).
 */
export function visibleObject(
  subscriber: Subscriber,
  objectType: OpenadrObjectType,
  object: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const shown = objectType === 'SUBSCRIPTION' ? servedSubscription(object, subscriber.clientId) : object;
  if (subscriber.role === 'BL') return shown;
  switch (objectType) {
    case 'PROGRAM': {
      const targets = stringsOf(object.targets);
      return targets.length === 0 || targets.some((t) => subscriber.granted.includes(t)) ? object : undefined;
    }
    case 'EVENT':
      return undefined;
    default:
      return object.clientID === subscriber.clientId ? shown : undefined;
  }
}

/** Where a notification is posted (a `WebhookTarget` of the ports). */
export interface Callback {
  url: string;
  bearerToken?: string | undefined;
  signingSecret?: string;
}

/** Distinct callbacks (URL and bearer token) of the matching operations, signed with `signingSecret`. */
export function callbacksOf(
  operations: readonly ObjectOperation[],
  signingSecret: string | undefined,
): Callback[] {
  const seen = new Map<string, Callback>();
  for (const op of operations) {
    const target = {
      url: op.callbackUrl,
      bearerToken: op.bearerToken ?? undefined,
      ...(signingSecret ? { signingSecret } : {}),
    };
    seen.set(JSON.stringify([target.url, target.bearerToken ?? null]), target);
  }
  return [...seen.values()];
}

/** The notification of a change: its `targets` are the object's, or null when it has none. */
export function notificationOf(
  objectType: OpenadrObjectType,
  operation: Operation,
  object: Record<string, unknown>,
): Notification {
  const targets = stringsOf(object.targets);
  return { objectType, operation, object, targets: targets.length > 0 ? targets : null };
}
