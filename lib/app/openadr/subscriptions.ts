/**
 * Subscriptions (Definition.md "Subscriptions" and "Webhooks"): a client names the objects and
 * operations it wants to hear of and a callback for each. Callbacks must be https and pass the
 * `echo` check before anything is stored. Visibility follows "Object Privacy": a VEN reads and
 * writes only its own subscriptions (others are 404 to it); a BL reads every subscription but
 * writes only its own (403), since re-pointing a VEN's callback would divert the events meant
 * for that VEN. A callback's `bearerToken` is also the key that signs its notifications, so it is
 * served to the subscription's owner only and never put on the bus.
 */
import { z } from 'zod';
import { ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import type { OpenadrCaller } from '../../openadr/access.ts';
import type { SubscriptionRequest } from '../../openadr/schemas.ts';
import type { OpenadrObject, WebhookTarget } from '../../ports.ts';
import type { Deps } from '../config.ts';
import { announce, changedMetadata, mustGet, newMetadata } from './objects.ts';

/** Delivery bookkeeping of a subscription, kept beside it and never served. */
export const SubscriptionState = z.object({
  /** Consecutive failed deliveries (each after the sender's own retries). */
  failures: z.number().int().min(0).default(0),
  /** Set after {@link BROKEN_AFTER} consecutive failures: nothing is sent until the owner updates it. */
  broken: z.boolean().default(false),
  lastError: z.string().optional(),
});
export type SubscriptionState = z.infer<typeof SubscriptionState>;

export const FRESH_STATE: SubscriptionState = { failures: 0, broken: false };

/** Consecutive failures that mark a subscription broken. */
export const BROKEN_AFTER = 5;

/** The bookkeeping of a stored subscription; unreadable bookkeeping counts as fresh. */
export function stateOf(subscription: OpenadrObject): SubscriptionState {
  const parsed = SubscriptionState.safeParse(subscription.internal ?? {});
  return parsed.success ? parsed.data : { ...FRESH_STATE };
}

/** The spec's query filters (pagination is the handler's). */
export interface SubscriptionFilter {
  programID?: string | undefined;
  clientName?: string | undefined;
  objects?: readonly string[] | undefined;
}

type Operation = SubscriptionRequest['objectOperations'][number];

function operationsOf(body: Record<string, unknown>): Operation[] {
  return Array.isArray(body.objectOperations) ? (body.objectOperations as Operation[]) : [];
}

/** The subscription without its bearer tokens: for anyone but its owner, and for the bus. */
export function withoutSecrets(body: Record<string, unknown>): Record<string, unknown> {
  return {
    ...body,
    objectOperations: operationsOf(body).map(({ bearerToken: _secret, ...operation }) => operation),
  };
}

/** The subscription as `reader` may see it. */
export function servedSubscription(
  body: Record<string, unknown>,
  readerClientId: string,
): Record<string, unknown> {
  return body.clientID === readerClientId ? body : withoutSecrets(body);
}

const isOwner = (caller: OpenadrCaller, o: OpenadrObject) => o.clientId === caller.clientId;

/** A VEN may not learn that another client's subscription exists. */
async function readable(deps: Deps, caller: OpenadrCaller, id: string): Promise<OpenadrObject> {
  const found = await mustGet(deps, 'SUBSCRIPTION', id);
  if (caller.role === 'VEN' && !isOwner(caller, found))
    throw new NotFoundError(`subscription '${id}' not found`);
  return found;
}

async function writable(deps: Deps, caller: OpenadrCaller, id: string): Promise<OpenadrObject> {
  const found = await readable(deps, caller, id);
  if (!isOwner(caller, found))
    throw new ForbiddenError(
      `subscription '${id}' belongs to client '${found.clientId}'; only it may change it`,
    );
  return found;
}

/**
 * Refuses callbacks that are not https, then runs the echo check on each distinct callback (with
 * its bearer token, as notifications will be sent); any failure refuses the whole request.
 */
async function checkCallbacks(deps: Deps, request: SubscriptionRequest): Promise<void> {
  const operations = request.objectOperations;
  const insecure = operations.flatMap((op, i) =>
    new URL(op.callbackUrl).protocol === 'https:'
      ? []
      : [{ path: `objectOperations.${i}.callbackUrl`, message: `${op.callbackUrl} must use https` }],
  );
  if (insecure.length > 0)
    throw new ValidationError(
      `callbackUrl must use https: ${insecure.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      insecure,
    );
  const distinct = new Map<string, { target: WebhookTarget; index: number }>();
  operations.forEach((op, index) => {
    const target = { url: op.callbackUrl, bearerToken: op.bearerToken ?? undefined };
    const key = JSON.stringify([target.url, target.bearerToken ?? null]);
    if (!distinct.has(key)) distinct.set(key, { target, index });
  });
  const checked = await Promise.all(
    [...distinct.values()].map(async ({ target, index }) => ({
      target,
      index,
      result: await deps.webhooks.verify(target),
    })),
  );
  const failed = checked
    .filter((c) => !c.result.ok)
    .map((c) => ({
      path: `objectOperations.${c.index}.callbackUrl`,
      message: `${c.target.url} failed the echo check: ${c.result.error ?? `status ${c.result.status ?? 'unknown'}`}`,
    }));
  if (failed.length > 0)
    throw new ValidationError(`callback not verified: ${failed.map((f) => f.message).join('; ')}`, failed);
}

/**
 * Lists the subscriptions the caller may read, oldest first.
 * 1. A VEN's own; every one for a BL (with other clients' bearer tokens left out).
 * 2. Filtered by `programID`, `clientName`, and `objects` (any operation naming one of them).
 */
export async function searchSubscriptions(
  deps: Deps,
  caller: OpenadrCaller,
  filter: SubscriptionFilter,
): Promise<Record<string, unknown>[]> {
  const all = await deps.openadr.list('SUBSCRIPTION');
  return all
    .filter((o) => caller.role === 'BL' || isOwner(caller, o))
    .filter((o) => filter.programID === undefined || o.body.programID === filter.programID)
    .filter((o) => filter.clientName === undefined || o.body.clientName === filter.clientName)
    .filter(
      (o) =>
        !filter.objects?.length ||
        operationsOf(o.body).some((op) => op.objects.some((t) => filter.objects?.includes(t))),
    )
    .map((o) => servedSubscription(o.body, caller.clientId));
}

/**
 * Creates a subscription for the caller.
 * 1. Every callback https and echo-verified (400 naming the URL and the reason; nothing stored).
 * 2. Store it with the caller as `clientID` and fresh delivery bookkeeping.
 * 3. Announce it (without bearer tokens).
 */
export async function createSubscription(
  deps: Deps,
  caller: OpenadrCaller,
  request: SubscriptionRequest,
): Promise<Record<string, unknown>> {
  await checkCallbacks(deps, request);
  const body: Record<string, unknown> = {
    ...newMetadata(deps, 'SUBSCRIPTION'),
    ...request,
    clientID: caller.clientId,
  };
  await deps.openadr.create({
    objectType: 'SUBSCRIPTION',
    id: body.id as string,
    body,
    clientId: caller.clientId,
    createdAt: body.createdDateTime as string,
    internal: { ...FRESH_STATE },
  });
  await announce(deps, 'SUBSCRIPTION', 'CREATE', withoutSecrets(body));
  return body;
}

/** One subscription the caller may read (404 otherwise, so a VEN cannot probe ids). */
export async function getSubscription(
  deps: Deps,
  caller: OpenadrCaller,
  id: string,
): Promise<Record<string, unknown>> {
  return servedSubscription((await readable(deps, caller, id)).body, caller.clientId);
}

/**
 * Replaces the caller's own subscription.
 * 1. Found and owned (VEN: 404 for others'; BL: 403 for others').
 * 2. Callbacks checked again, as on create.
 * 3. Stored with new metadata and fresh bookkeeping (an update is how a broken one is repaired).
 * 4. Announced.
 */
export async function updateSubscription(
  deps: Deps,
  caller: OpenadrCaller,
  id: string,
  request: SubscriptionRequest,
): Promise<Record<string, unknown>> {
  const previous = await writable(deps, caller, id);
  await checkCallbacks(deps, request);
  const body: Record<string, unknown> = {
    ...changedMetadata(deps, previous),
    ...request,
    clientID: previous.clientId,
  };
  await deps.openadr.replace({ ...previous, body, internal: { ...FRESH_STATE } }, previous);
  await announce(deps, 'SUBSCRIPTION', 'UPDATE', withoutSecrets(body));
  return body;
}

/** Deletes the caller's own subscription and answers it as it was. */
export async function deleteSubscription(
  deps: Deps,
  caller: OpenadrCaller,
  id: string,
): Promise<Record<string, unknown>> {
  const previous = await writable(deps, caller, id);
  await deps.openadr.delete(previous);
  await announce(deps, 'SUBSCRIPTION', 'DELETE', withoutSecrets(previous.body));
  return previous.body;
}

/**
 * Records the outcome of one round of deliveries to a subscription: a success clears the count,
 * a failure adds one and marks it broken at {@link BROKEN_AFTER}. Written by compare-and-set, so
 * concurrent rounds each count; when the subscription was changed or deleted meanwhile
 * the outcome concerns a callback that no longer applies, and is dropped. Returns the new state
 * when it was written.
 */
export async function recordDeliveries(
  deps: Deps,
  id: string,
  outcome: { ok: true } | { ok: false; error: string },
  deliveredVersion: string,
): Promise<SubscriptionState | undefined> {
  // Compare-and-set, read again on a race: two notifiers finishing together both count.
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.openadr.get('SUBSCRIPTION', id);
    if (!current || current.body.modificationDateTime !== deliveredVersion) return undefined;
    const state = stateOf(current);
    if (outcome.ok && state.failures === 0 && !state.broken) return undefined;
    const next: SubscriptionState = outcome.ok
      ? { failures: 0, broken: false }
      : {
          failures: state.failures + 1,
          broken: state.broken || state.failures + 1 >= BROKEN_AFTER,
          lastError: outcome.error,
        };
    if (await deps.openadr.setInternal(current, { ...next })) return next;
  }
  return undefined;
}
