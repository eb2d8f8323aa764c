/**
 * Webhook notifications of subscriptions (Definition.md "Subscriptions", "Object Privacy",
 * "Webhooks"). Three sources feed them: changes clients make to VTN objects
 * (`OpenadrObjectChanged`), and each building's commands and cancellations, which are its VEN's
 * events (`DispatchCommand`, `CommandCancelled`): the same dispatch path that feeds EventBridge.
 *
 * A subscription hears of an object when one of its `objectOperations` names the object type and
 * the operation, its `programID` (if set) is the object's program, its `targets` (if any) meet the
 * object's, and its client may see the object: a BL everything; a VEN a program with no targets
 * or with targets granted to it, its own reports, vens, resources and subscriptions, and its
 * buildings' commands as events (a BL's events reach VENs only as those commands).
 *
 * Delivery never throws for a webhook that fails (one bad receiver must not make the bus retry
 * everybody's notifications); store errors do throw, so the bus retries.
 */
import { eachLimited } from '../../concurrency.ts';
import { ConflictError, ValidationError } from '../../domain/errors.ts';
import type { Command } from '../../domain/model/command.ts';
import { toIso } from '../../domain/time.ts';
import type { MessageDetail } from '../../messages.ts';
import { targetsOf } from '../../openadr/access.ts';
import type { Notification, SubscriptionRequest } from '../../openadr/schemas.ts';
import type { OpenadrObject, OpenadrObjectType, WebhookTarget } from '../../ports.ts';
import type { Deps } from '../config.ts';
import { acknowledgeCommand } from '../lifecycle.ts';
import { principalOf, speaksFor, venEventId, venEventOf, venNameIn } from './objects.ts';
import {
  recordDeliveries,
  servedSubscription,
  signingSecretOf,
  stateOf,
  withoutSecrets,
} from './subscriptions.ts';

/** Deliveries to different subscriptions in flight at once. */
export const DELIVERY_CONCURRENCY = 8;

type Operation = Notification['operation'];
type ObjectOperation = SubscriptionRequest['objectOperations'][number];

/** What one round of notifications did, for the handler to log. */
export interface NotifyOutcome {
  /** Subscriptions that matched and were not broken. */
  matched: number;
  delivered: number;
  failed: { subscriptionId: string; url: string; error: string }[];
  /** Subscriptions this round marked broken. */
  broken: { subscriptionId: string; clientId: string; lastError: string }[];
  /** Why nothing was sent, when nothing could be (a command no event can express). */
  skipped?: string;
}

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

const TARGETED: ReadonlySet<OpenadrObjectType> = new Set([
  'PROGRAM',
  'EVENT',
  'VEN',
  'RESOURCE',
  'SUBSCRIPTION',
]);

function operationsOf(body: Record<string, unknown>): ObjectOperation[] {
  return Array.isArray(body.objectOperations) ? (body.objectOperations as ObjectOperation[]) : [];
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The `objectOperations` of a subscription that ask for this type and operation. */
export function operationsFor(
  subscription: Record<string, unknown>,
  objectType: OpenadrObjectType,
  operation: Operation,
): ObjectOperation[] {
  return operationsOf(subscription).filter(
    (op) => op.objects.includes(objectType) && op.operations.includes(operation),
  );
}

/**
 * Whether the subscription's own filters let the object through: `programID` against the
 * object's program (`programId`, resolved by the caller: a report's is its event's), and
 * `targets` against the object's, for the object types that carry targets.
 */
export function passesFilters(
  subscription: Record<string, unknown>,
  objectType: OpenadrObjectType,
  object: Record<string, unknown>,
  programId: string | undefined,
): boolean {
  if (typeof subscription.programID === 'string' && subscription.programID !== programId) return false;
  const wanted = stringsOf(subscription.targets);
  if (wanted.length > 0 && TARGETED.has(objectType)) {
    const has = stringsOf(object.targets);
    if (!wanted.some((t) => has.includes(t))) return false;
  }
  return true;
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

/** The program an object belongs to, where it has one. */
async function programIdOf(
  deps: Deps,
  objectType: OpenadrObjectType,
  object: Record<string, unknown>,
): Promise<string | undefined> {
  if (objectType === 'PROGRAM') return typeof object.id === 'string' ? object.id : undefined;
  if (typeof object.programID === 'string') return object.programID;
  if (objectType !== 'REPORT' || typeof object.eventID !== 'string') return undefined;
  // 3.1 reports name their event only: a VEN event (a command; the stored report keeps its
  // program beside it), or an event object.
  const report = typeof object.id === 'string' ? await deps.openadr.get('REPORT', object.id) : undefined;
  if (typeof report?.internal?.programID === 'string') return report.internal.programID;
  const event = await deps.openadr.get('EVENT', object.eventID);
  if (typeof event?.body.programID === 'string') return event.body.programID;
  const command = await deps.commands.get(object.eventID);
  return command ? (await deps.events.get(command.command.eventId))?.event.programId : undefined;
}

/** Looks up subscription owners, once each per round. */
function directory(deps: Deps): (clientId: string) => Promise<Subscriber | undefined> {
  let vens: Promise<OpenadrObject[]> | undefined;
  const found = new Map<string, Promise<Subscriber | undefined>>();
  const lookUp = async (clientId: string): Promise<Subscriber | undefined> => {
    const client = await deps.openadr.getClient(clientId);
    if (!client) return undefined;
    if (client.role === 'BL')
      return { clientId, role: 'BL', buildingIds: [], parkIds: [], venName: clientId, granted: [] };
    vens ??= deps.openadr.list('VEN');
    const venName = venNameIn(await vens, clientId);
    return {
      clientId,
      role: 'VEN',
      buildingIds: client.buildingIds,
      parkIds: client.parkIds,
      venName,
      granted: [...targetsOf(client), venName],
    };
  };
  return (clientId) => {
    const known = found.get(clientId);
    if (known) return known;
    const subscriber = lookUp(clientId);
    found.set(clientId, subscriber);
    return subscriber;
  };
}

/** One subscription's share of a round: where to post, and what. */
interface Delivery {
  subscription: OpenadrObject;
  targets: WebhookTarget[];
  notification: Notification;
}

/** Distinct callbacks (URL and bearer token) of the matching operations, signed with the subscription's key. */
function callbacksOf(subscription: OpenadrObject, operations: readonly ObjectOperation[]): WebhookTarget[] {
  const seen = new Map<string, WebhookTarget>();
  const signingSecret = signingSecretOf(subscription);
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

/**
 * Posts each notification to its callbacks and keeps the books: a broken subscription was left
 * out before; a failed round counts towards broken, a good one clears the count. `onDelivered` runs
 * after a subscription's callbacks all answered 2xx.
 */
async function deliverAll(
  deps: Deps,
  deliveries: readonly Delivery[],
  onDelivered?: (d: Delivery) => Promise<void>,
): Promise<NotifyOutcome> {
  const outcome: NotifyOutcome = { matched: deliveries.length, delivered: 0, failed: [], broken: [] };
  await eachLimited(deliveries, DELIVERY_CONCURRENCY, async (d) => {
    const body = JSON.stringify(d.notification);
    const errors: string[] = [];
    for (const target of d.targets) {
      const result = await deps.webhooks.deliver(target, body);
      if (result.ok) outcome.delivered++;
      else {
        const error = `${target.url}: ${result.error ?? `status ${result.status ?? 'unknown'}`} after ${result.attempts} attempt(s)`;
        errors.push(error);
        outcome.failed.push({ subscriptionId: d.subscription.id, url: target.url, error });
      }
    }
    const state = await recordDeliveries(
      deps,
      d.subscription.id,
      errors.length === 0 ? { ok: true } : { ok: false, error: errors.join('; ').slice(0, 1000) },
      String(d.subscription.body.modificationDateTime),
    );
    if (state?.broken && !stateOf(d.subscription).broken)
      outcome.broken.push({
        subscriptionId: d.subscription.id,
        clientId: d.subscription.clientId,
        lastError: state.lastError ?? '',
      });
    if (errors.length === 0 && onDelivered) await onDelivered(d);
  });
  return outcome;
}

/** The subscriptions that are not broken. */
async function liveSubscriptions(deps: Deps): Promise<OpenadrObject[]> {
  return (await deps.openadr.list('SUBSCRIPTION')).filter((s) => !stateOf(s).broken);
}

const notificationOf = (
  objectType: OpenadrObjectType,
  operation: Operation,
  object: Record<string, unknown>,
) => {
  const targets = stringsOf(object.targets);
  return {
    objectType,
    operation,
    object,
    targets: targets.length > 0 ? targets : null,
  } satisfies Notification;
};

/**
 * A client created, changed or deleted an object.
 * 1. Subscriptions asking for this type and operation, not broken, whose filters pass.
 * 2. Only owners that may see the object (object privacy; bearer tokens never sent).
 * 3. Deliver, at most {@link DELIVERY_CONCURRENCY} subscriptions at once, and keep the books.
 */
export async function onObjectChanged(
  deps: Deps,
  detail: Pick<MessageDetail<'OpenadrObjectChanged'>, 'objectType' | 'operation' | 'object'>,
): Promise<NotifyOutcome> {
  const { objectType, operation } = detail;
  const object = objectType === 'SUBSCRIPTION' ? withoutSecrets(detail.object) : detail.object;
  const candidates = (await liveSubscriptions(deps))
    .map((subscription) => ({
      subscription,
      operations: operationsFor(subscription.body, objectType, operation),
    }))
    .filter((c) => c.operations.length > 0);
  if (candidates.length === 0) return { matched: 0, delivered: 0, failed: [], broken: [] };
  // Resolving a report's program costs reads: only when some subscription filters on one.
  const programId = candidates.some((c) => typeof c.subscription.body.programID === 'string')
    ? await programIdOf(deps, objectType, object)
    : undefined;
  const subscriber = directory(deps);
  const deliveries: Delivery[] = [];
  for (const { subscription, operations } of candidates) {
    if (!passesFilters(subscription.body, objectType, object, programId)) continue;
    const who = await subscriber(subscription.clientId);
    const shown = who && visibleObject(who, objectType, object);
    if (!shown) continue;
    deliveries.push({
      subscription,
      targets: callbacksOf(subscription, operations),
      notification: notificationOf(objectType, operation, shown),
    });
  }
  return deliverAll(deps, deliveries);
}

/** The program of a FlexDR event (events are never deleted: a missing one is a store error). */
async function programOfEvent(deps: Deps, eventId: string): Promise<string> {
  const record = await deps.events.get(eventId);
  if (!record) throw new Error(`event '${eventId}' of a command is not in the store`);
  return record.event.programId;
}

/** Times of a command's VEN event: when this revision was stored, else now. */
async function timesOf(deps: Deps, commandId: string) {
  const at = (await deps.commands.get(commandId))?.updatedAt ?? toIso(deps.clock.now());
  return { createdAt: at, updatedAt: at };
}

/** A VEN event, as each VEN would see it (its name is one of the event's targets). */
interface VenEvent {
  programId: string;
  build(venName: string): Record<string, unknown>;
}

/**
 * VEN subscriptions to `EVENT` `operation` whose client speaks for the command's building, each
 * with its VEN's event. The event is only prepared when some subscription wants it.
 */
async function venDeliveries(
  deps: Deps,
  command: Command,
  operation: Operation,
  prepare: () => Promise<VenEvent>,
): Promise<Delivery[]> {
  const subscriber = directory(deps);
  const wanting: { subscription: OpenadrObject; operations: ObjectOperation[]; venName: string }[] = [];
  for (const subscription of await liveSubscriptions(deps)) {
    const operations = operationsFor(subscription.body, 'EVENT', operation);
    if (operations.length === 0) continue;
    const who = await subscriber(subscription.clientId);
    if (who?.role === 'VEN' && speaksFor(who, command))
      wanting.push({ subscription, operations, venName: who.venName });
  }
  if (wanting.length === 0) return [];
  const event = await prepare();
  const deliveries: Delivery[] = [];
  for (const { subscription, operations, venName } of wanting) {
    const object = event.build(venName);
    if (!passesFilters(subscription.body, 'EVENT', object, event.programId)) continue;
    deliveries.push({
      subscription,
      targets: callbacksOf(subscription, operations),
      notification: notificationOf('EVENT', operation, object),
    });
  }
  return deliveries;
}

/** The principal a VEN acts as towards FlexDR: the BMS of the building it answers for. */
/**
 * A command was dispatched to a building: its VENs' event.
 * 1. `EVENT CREATE` for a first command, `EVENT UPDATE` for one that supersedes another.
 * 2. Each VEN subscription of a client that speaks for the building gets its own VEN's event.
 * 3. A delivery that answers 2xx acknowledges the command as accepted, once: OpenADR is opt-out,
 *    so receipt is acceptance (an answer already given stands).
 */
export async function onCommand(
  deps: Deps,
  detail: Pick<MessageDetail<'DispatchCommand'>, 'command'>,
): Promise<NotifyOutcome> {
  const { command } = detail;
  if (command.kind !== 'DISPATCH')
    return { matched: 0, delivered: 0, failed: [], broken: [], skipped: 'not a dispatch' };
  const operation = command.supersedes ? 'UPDATE' : 'CREATE';
  let deliveries: Delivery[];
  try {
    deliveries = await venDeliveries(deps, command, operation, async () => {
      const programId = await programOfEvent(deps, command.eventId);
      const times = await timesOf(deps, command.commandId);
      return { programId, build: (venName) => venEventOf(command, venName, programId, times) };
    });
  } catch (e) {
    // A command no OpenADR event can express (a forced export) is for other channels.
    if (e instanceof ValidationError)
      return { matched: 0, delivered: 0, failed: [], broken: [], skipped: e.message };
    throw e;
  }
  let acknowledged = false;
  return deliverAll(deps, deliveries, async (d) => {
    if (acknowledged) return;
    acknowledged = true;
    const who = principalOf({
      clientId: d.subscription.clientId,
      role: 'VEN',
      buildingIds: [command.buildingId],
    });
    try {
      await acknowledgeCommand(deps, who, command.commandId, { status: 'ACCEPTED' });
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
    }
  });
}

/**
 * A command was cancelled or superseded by a cancellation: `EVENT DELETE` of the VEN event it
 * ends (the cancellation's `supersedes`), rebuilt from that command; when it cannot be, a minimal
 * event that still carries its id, program and name.
 */
export async function onCommandCancelled(
  deps: Deps,
  detail: Pick<MessageDetail<'CommandCancelled'>, 'command'>,
): Promise<NotifyOutcome> {
  const { command } = detail;
  const endedId = command.supersedes ?? command.commandId;
  const prepare = async (): Promise<VenEvent> => {
    const programId = await programOfEvent(deps, command.eventId);
    const ended = await deps.commands.get(endedId);
    const at = ended?.updatedAt ?? toIso(deps.clock.now());
    const minimal = (venName: string) => ({
      id: venEventId(command),
      createdDateTime: at,
      modificationDateTime: at,
      objectType: 'EVENT',
      programID: programId,
      eventName: endedId,
      targets: [venName, `building:${command.buildingId}`],
      intervals: [],
    });
    const build = (venName: string) => {
      if (ended?.command.kind !== 'DISPATCH') return minimal(venName);
      try {
        return venEventOf(ended.command, venName, programId, { createdAt: at, updatedAt: at });
      } catch (e) {
        if (e instanceof ValidationError) return minimal(venName);
        throw e;
      }
    };
    return { programId, build };
  };
  return deliverAll(deps, await venDeliveries(deps, command, 'DELETE', prepare));
}
