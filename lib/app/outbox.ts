/**
 * The outbox's two readers (issue 15): the relay, which puts stored messages on the bus and then
 * removes them, and the reconciler, which finds what a crash or a lost delivery left behind and
 * announces it again. Every consumer is idempotent, so a message relayed twice costs nothing; a
 * message never relayed is what these two exist to prevent.
 */

import { mapLimit } from '../concurrency.ts';
import { toIso, toMs } from '../domain/time.ts';
import { message } from '../messages.ts';
import type { BusMessage, EventRecord, OutboxEntry } from '../ports.ts';
import type { Deps } from './config.ts';
import { finishCancellation } from './events.ts';
import { ACTIVE } from './planning.ts';

/** PutEvents takes 10 entries a call. */
const PER_CALL = 10;

/**
 * Puts outbox entries on the bus, 10 a call, and removes each call's entries once the bus has
 * accepted them. Throws when a call fails (the stream or the reconciler tries again): entries that
 * were accepted are removed first, so only the rest come back.
 */
export async function relayOutbox(
  deps: Pick<Deps, 'eventPublisher' | 'outbox'>,
  entries: readonly OutboxEntry[],
): Promise<void> {
  const parts: OutboxEntry[][] = [];
  for (let i = 0; i < entries.length; i += PER_CALL) parts.push(entries.slice(i, i + PER_CALL));
  const failures: unknown[] = [];
  await mapLimit(parts, 4, async (part) => {
    try {
      await deps.eventPublisher.publish(part.map((e) => e.message));
    } catch (e) {
      failures.push(e);
      return;
    }
    await deps.outbox.remove(part);
  });
  if (failures.length > 0) throw failures[0];
}

export interface ReconcileOptions {
  /** Outbox entries older than this were missed by the stream's relay. Default 2 minutes. */
  outboxAfterMinutes?: number;
  /** An event whose status has not moved for this long after it should have. Default 10 minutes. */
  stuckAfterMinutes?: number;
  /** How far back events are looked at (by creation). Default 14 days. */
  lookbackDays?: number;
}

export interface Reconciliation {
  relayed: number;
  /** Events announced again, by the status they were stuck in. */
  reannounced: { eventId: string; status: EventRecord['status']; message: string }[];
  /** Cancellations a crash interrupted, finished. */
  cancellationsFinished: string[];
}

/**
 * Finds what did not move and moves it (run every few minutes by a schedule):
 * 1. Relays outbox entries older than `outboxAfterMinutes` (the stream's relay failed or lagged).
 * 2. Re-announces events stuck past their expected time: `received` → `GridEventAccepted`,
 *    `planned` → `DispatchPlanned` (counted from its notice time when that is later),
 *    `dispatched` or `completed` after the window and the settlement delay → `EvaluationDue`.
 *    Through the outbox, so they reach the bus like any other.
 * 3. Finishes cancellations that still leave a building a standing DISPATCH.
 */
export async function reconcile(deps: Deps, options: ReconcileOptions = {}): Promise<Reconciliation> {
  const now = deps.clock.now();
  const outboxAfter = (options.outboxAfterMinutes ?? 2) * 60_000;
  const stuckAfter = (options.stuckAfterMinutes ?? 10) * 60_000;
  const since = toIso(now - (options.lookbackDays ?? 14) * 86_400_000);

  let relayed = 0;
  for (;;) {
    const due = await deps.outbox.due(toIso(now - outboxAfter), 500);
    if (due.length === 0) break;
    await relayOutbox(deps, due);
    relayed += due.length;
    if (due.length < 500) break;
  }

  const result: Reconciliation = { relayed, reannounced: [], cancellationsFinished: [] };
  const announce: BusMessage[] = [];
  let cursor: string | undefined;
  scan: do {
    const page = await deps.events.list({ limit: 100, cursor });
    cursor = page.cursor;
    for (const record of page.items) {
      if (record.createdAt < since) break scan;
      const stuck = toMs(record.updatedAt) + stuckAfter <= now;
      const { eventId } = record.event;
      const again = (m: BusMessage) => {
        announce.push(m);
        result.reannounced.push({ eventId, status: record.status, message: m.detailType });
      };
      const settleAt = toMs(record.event.end) + deps.config.settleDelayMinutes * 60_000;
      if (record.status === 'received' && stuck)
        again(message('GridEventAccepted', { version: 1, eventId, revision: record.revision }));
      else if (
        record.status === 'planned' &&
        Math.max(toMs(record.updatedAt), toMs(record.event.noticeAt)) + stuckAfter <= now
      )
        // Planned waits for its notice time; stuck only once that has passed too.
        again(message('DispatchPlanned', { version: 1, eventId, revision: record.revision, at: toIso(now) }));
      else if (
        (record.status === 'dispatched' || record.status === 'completed') &&
        settleAt + stuckAfter <= now
      )
        again(message('EvaluationDue', { version: 1, eventId }));
      else if (record.status === 'cancelled' && stuck && (await leavesDispatchStanding(deps, eventId))) {
        await finishCancellation(deps, record);
        result.cancellationsFinished.push(eventId);
      }
    }
  } while (cursor);
  if (announce.length > 0) await deps.outbox.put(announce);
  return result;
}

/** Whether a cancellation left a DISPATCH standing or a CANCEL unannounced. */
async function leavesDispatchStanding(deps: Deps, eventId: string): Promise<boolean> {
  return (await deps.commands.ofEvent(eventId)).some(
    (c) =>
      (c.command.kind === 'DISPATCH' && ACTIVE.includes(c.status)) ||
      (c.command.kind === 'CANCEL' && c.status === 'PENDING'),
  );
}
