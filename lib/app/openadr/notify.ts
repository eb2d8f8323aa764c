/**
 * Webhook notifications of subscriptions (Definition.md "Subscriptions", "Webhooks"). Three
 * sources feed them: changes clients make to VTN objects (`OpenadrObjectChanged`), and each
 * building's commands and cancellations, which are its VEN's events (`DispatchCommand`,
 * `CommandCancelled`): the same dispatch path that feeds EventBridge. Which subscriptions hear of
 * what, and what each may see, are the pure rules of `lib/openadr/notifications.ts`; this reads
 * the store, delivers and keeps the books.
 *
 * Delivery never throws for a webhook that fails (one bad receiver must not make the bus retry
 * everybody's notifications); store errors do throw, so the bus retries.
 */
import * as z from 'zod';
import { eachLimited } from '../../concurrency.ts';
import { ConflictError, ValidationError } from '../../domain/errors.ts';
import type { Command } from '../../domain/model/command.ts';
import { toIso } from '../../domain/time.ts';
import type { MessageDetail } from '../../messages.ts';
import {
  callbacksOf,
  notificationOf,
  type ObjectOperation,
  operationsFor,
  passesFilters,
  type Subscriber,
  subscriberOf,
  visibleObject,
  withoutSecrets,
} from '../../openadr/notifications.ts';
import type { Notification } from '../../openadr/schemas.ts';
import type { OpenadrObject, OpenadrObjectType } from '../../openadr/store.ts';
import type { WebhookTarget } from '../../ports.ts';
import type { Deps } from '../config.ts';
import { acknowledgeCommand } from '../lifecycle.ts';
import { principalOf, speaksFor, venEventId, venEventOf, venNameIn } from './objects.ts';
import { recordDeliveries, signingSecretOf, stateOf } from './subscriptions.ts';

/** Deliveries to different subscriptions in flight at once. */
export const DELIVERY_CONCURRENCY = 8;

type Operation = Notification['operation'];

/** The program a stored report keeps beside it (its link to the command it answers). */
const ReportProgram = z.object({ programID: z.string() });

/** The ports notifications use. */
type NotifyDeps = Pick<Deps, 'openadr' | 'webhooks' | 'commands' | 'events' | 'clock'>;

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

/** The program an object belongs to, where it has one. */
async function programIdOf(
  deps: NotifyDeps,
  objectType: OpenadrObjectType,
  object: Record<string, unknown>,
): Promise<string | undefined> {
  if (objectType === 'PROGRAM') return typeof object.id === 'string' ? object.id : undefined;
  if (typeof object.programID === 'string') return object.programID;
  if (objectType !== 'REPORT' || typeof object.eventID !== 'string') return undefined;
  // 3.1 reports name their event only: a VEN event (a command; the stored report keeps its
  // program beside it), or an event object.
  const report = typeof object.id === 'string' ? await deps.openadr.get('REPORT', object.id) : undefined;
  const link = ReportProgram.safeParse(report?.internal);
  if (link.success) return link.data.programID;
  const event = await deps.openadr.get('EVENT', object.eventID);
  if (event) return event.body.programID;
  const command = await deps.commands.get(object.eventID);
  return command ? (await deps.events.get(command.command.eventId))?.event.programId : undefined;
}

/** Looks up subscription owners, once each per round. */
function directory(deps: NotifyDeps): (clientId: string) => Promise<Subscriber | undefined> {
  let vens: Promise<OpenadrObject<'VEN'>[]> | undefined;
  const found = new Map<string, Promise<Subscriber | undefined>>();
  const lookUp = async (clientId: string): Promise<Subscriber | undefined> => {
    const client = await deps.openadr.getClient(clientId);
    if (!client) return undefined;
    if (client.role === 'BL') return subscriberOf(client, clientId);
    vens ??= deps.openadr.list('VEN');
    return subscriberOf(client, venNameIn(await vens, clientId));
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
  subscription: OpenadrObject<'SUBSCRIPTION'>;
  targets: WebhookTarget[];
  notification: Notification;
}

/**
 * Posts each notification to its callbacks and keeps the books: a broken subscription was left
 * out before; a failed round counts towards broken, a good one clears the count. `onDelivered` runs
 * after a subscription's callbacks all answered 2xx.
 */
async function deliverAll(
  deps: NotifyDeps,
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
      d.subscription.body.modificationDateTime,
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
async function liveSubscriptions(deps: NotifyDeps): Promise<OpenadrObject<'SUBSCRIPTION'>[]> {
  return (await deps.openadr.list('SUBSCRIPTION')).filter((s) => !stateOf(s).broken);
}

/**
 * A client created, changed or deleted an object.
 * 1. Subscriptions asking for this type and operation, not broken, whose filters pass.
 * 2. Only owners that may see the object (object privacy; bearer tokens never sent).
 * 3. Deliver, at most {@link DELIVERY_CONCURRENCY} subscriptions at once, and keep the books.
 */
export async function onObjectChanged(
  deps: NotifyDeps,
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
  const programId = candidates.some((c) => c.subscription.body.programID !== undefined)
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
      targets: callbacksOf(operations, signingSecretOf(subscription)),
      notification: notificationOf(objectType, operation, shown),
    });
  }
  return deliverAll(deps, deliveries);
}

/** The program of a FlexDR event (events are never deleted: a missing one is a store error). */
async function programOfEvent(deps: NotifyDeps, eventId: string): Promise<string> {
  const record = await deps.events.get(eventId);
  if (!record) throw new Error(`event '${eventId}' of a command is not in the store`);
  return record.event.programId;
}

/** Times of a command's VEN event: when this revision was stored, else now. */
async function timesOf(deps: NotifyDeps, commandId: string) {
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
  deps: NotifyDeps,
  command: Command,
  operation: Operation,
  prepare: () => Promise<VenEvent>,
): Promise<Delivery[]> {
  const subscriber = directory(deps);
  const wanting: {
    subscription: OpenadrObject<'SUBSCRIPTION'>;
    operations: ObjectOperation[];
    venName: string;
  }[] = [];
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
      targets: callbacksOf(operations, signingSecretOf(subscription)),
      notification: notificationOf('EVENT', operation, object),
    });
  }
  return deliveries;
}

/**
 * A command was dispatched to a building: its VENs' event.
 * 1. `EVENT CREATE` for a first command, `EVENT UPDATE` for one that supersedes another.
 * 2. Each VEN subscription of a client that speaks for the building gets its own VEN's event.
 * 3. A delivery that answers 2xx acknowledges the command as accepted, once: OpenADR is opt-out,
 *    so receipt is acceptance (an answer already given stands).
 */
export async function onCommand(
  deps: NotifyDeps & Parameters<typeof acknowledgeCommand>[0],
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
  deps: NotifyDeps,
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
