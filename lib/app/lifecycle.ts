/**
 * The event lifecycle after acceptance, driven by bus messages and schedules:
 * `received → planned → dispatched → completed → settled`. Every step reads what is stored and
 * does nothing when its work is already done, so duplicate and late deliveries change nothing.
 */
import { ConflictError, ForbiddenError, NotFoundError } from '../domain/errors.ts';
import { isClosed } from '../domain/lifecycle.ts';
import type { Acknowledgement } from '../domain/model/command.ts';
import { toIso, toMs } from '../domain/time.ts';
import { message } from '../messages.ts';
import type { CommandRecord, EventRecord } from '../ports.ts';
import { type Principal, requireBmsOf } from './auth.ts';
import { scheduleBaselineUpdate } from './baseline-update.ts';
import type { Deps } from './config.ts';
import { ACTIVE, declinedBuildings, planRevision } from './planning.ts';
import { scheduleTracking } from './tracking.ts';

/**
 * The evaluation's schedule is named after the window's end, so a revision that moves the end
 * schedules a new evaluation instead of finding the old one already there.
 */
export function evaluationScheduleName(event: { eventId: string; end: string }): string {
  return `eval-${event.eventId}-${Math.floor(toMs(event.end) / 60_000)}`;
}

/**
 * Plans a revision that was accepted or revised (`GridEventAccepted`).
 * 1. Skip if the revision is stale or the event is over; if it is planned but not dispatched, announce
 *    `DispatchPlanned` again through the outbox (a reconciler's re-announcement).
 * 2. Plan the whole target. A scope where no building can respond fails the event, visibly.
 * Answers the event as it stands after this step.
 */
export async function planAccepted(
  deps: Deps,
  ref: { eventId: string; revision: number },
): Promise<EventRecord | undefined> {
  const record = await deps.events.get(ref.eventId);
  if (!record || record.revision !== ref.revision) return record;
  if (record.plan?.revision === ref.revision) {
    // Planned already; dispatching is idempotent, so a second announcement costs nothing.
    if (record.status === 'planned')
      await deps.outbox.put([
        message('DispatchPlanned', {
          version: 1,
          eventId: ref.eventId,
          revision: ref.revision,
          at: toIso(deps.clock.now()),
        }),
      ]);
    return record;
  }
  if (isClosed(record.status)) return record;
  const planned = await planRevision(deps, record, 'full');
  if (planned.plan && planned.plan.buildingsCommanded === 0 && planned.status === 'planned') {
    const failed: EventRecord = {
      ...planned,
      status: 'failed',
      failure: `no building in the scope could respond (${planned.plan.buildingsInScope} in scope)`,
      version: planned.version + 1,
      updatedAt: toIso(deps.clock.now()),
    };
    await deps.events.update(failed);
    return failed;
  }
  return planned;
}

/**
 * Dispatches a planned revision's commands (`DispatchPlanned`).
 * 1. Skip if the revision is stale or the event is over. Before the event's notice time, schedule
 *    this step for then instead: commands go out at `noticeAt`, or at once if it has passed.
 * 2. Mark every PENDING command of the event PUBLISHED with its message in the outbox, each write
 *    conditional on the event still being this planned revision: a cancellation or a newer
 *    revision that commits first stops the rest, and nothing contradicting it is announced.
 * 3. Schedule the acknowledgement deadline (the event's start, or the timeout for a revision made
 *    during the event), the evaluation after the window and the closed loop's turns (`tracking.ts`).
 * 4. Mark the event dispatched.
 */
export async function dispatchPlanned(
  deps: Deps,
  ref: { eventId: string; revision: number },
): Promise<{ published: number; failed: number; waitsUntil?: string }> {
  const record = await deps.events.get(ref.eventId);
  if (!record || record.revision !== ref.revision || record.status !== 'planned')
    return { published: 0, failed: 0 };
  const { noticeAt } = record.event;
  const noticeMs = toMs(noticeAt);
  if (noticeMs > deps.clock.now()) {
    await deps.scheduler.scheduleOnce(
      dispatchScheduleName(ref.eventId, record.revision),
      noticeMs,
      message('DispatchPlanned', {
        version: 1,
        eventId: ref.eventId,
        revision: record.revision,
        at: noticeAt,
      }),
    );
    return { published: 0, failed: 0, waitsUntil: noticeAt };
  }
  const pending = (await deps.commands.ofEvent(ref.eventId)).filter((c) => c.status === 'PENDING');
  const now = toIso(deps.clock.now());
  let published: string[];
  try {
    published = await deps.commands.publish(
      pending.map((c) => c.command),
      now,
      { eventId: ref.eventId, revision: record.revision, statuses: ['planned'] },
    );
  } catch (e) {
    if (e instanceof ConflictError) return { published: 0, failed: 0 }; // moved on: its own step follows
    throw e;
  }
  const event = record.event;
  // Answers are due by the event's start, or within the timeout of a revision made once it began.
  const nowMs = deps.clock.now();
  const timeout = nowMs + deps.config.ackTimeoutMinutes * 60_000;
  const startMs = toMs(event.start);
  await deps.scheduler.scheduleOnce(
    ackScheduleName(event.eventId, record.revision),
    startMs > nowMs ? Math.min(timeout, startMs) : timeout,
    message('AckDeadlineReached', { version: 1, eventId: event.eventId, revision: record.revision }),
  );
  await deps.scheduler.scheduleOnce(
    evaluationScheduleName(event),
    toMs(event.end) + deps.config.settleDelayMinutes * 60_000,
    message('EvaluationDue', { version: 1, eventId: event.eventId }),
  );
  await scheduleTracking(deps, record);
  await scheduleBaselineUpdate(
    deps,
    record,
    pending.map((c) => c.command),
  );
  try {
    await deps.events.update({
      ...record,
      status: 'dispatched',
      version: record.version + 1,
      updatedAt: now,
    });
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
  }
  return { published: published.length, failed: 0 };
}

/** The schedule that dispatches one revision at the event's notice time. */
export function dispatchScheduleName(eventId: string, revision: number): string {
  return `dispatch-${eventId}-r${revision}`;
}

/** The acknowledgement deadline's schedule of one revision. */
export function ackScheduleName(eventId: string, revision: number): string {
  return `ack-${eventId}-r${revision}`;
}

/**
 * A BMS accepts or declines a command.
 * 1. Only the BMS of the command's building; the command must be current (not superseded).
 * 2. Record the answer once: the same answer again changes nothing; a different one is a conflict.
 * 3. Announce `CommandAcknowledged` or `CommandDeclined` (a decline triggers a redispatch).
 *
 * `optOut` lets a decline follow an acceptance: OpenADR is opt-out, so a VEN that received (and
 * thereby accepted) an event may still opt out of it; the redispatch then covers its share.
 */
export async function acknowledgeCommand(
  deps: Deps,
  who: Principal,
  commandId: string,
  ack: Pick<Acknowledgement, 'status' | 'reason'>,
  options: { optOut?: boolean } = {},
): Promise<CommandRecord> {
  const record = await deps.commands.get(commandId);
  if (!record) throw new NotFoundError(`command '${commandId}' not found`);
  try {
    requireBmsOf(who, record.command.buildingId);
  } catch (e) {
    // Do not confirm to a stranger that the command exists.
    if (e instanceof ForbiddenError && who.role === 'bms')
      throw new NotFoundError(`command '${commandId}' not found`);
    throw e;
  }
  const to = ack.status === 'ACCEPTED' ? 'ACKNOWLEDGED' : 'DECLINED';
  if (record.status === to) return record;
  if (record.command.kind === 'CANCEL') throw new ConflictError('a cancellation needs no answer');
  const now = toIso(deps.clock.now());
  const from: CommandRecord['status'][] =
    to === 'DECLINED' && options.optOut ? ['PENDING', 'PUBLISHED', 'ACKNOWLEDGED'] : ['PENDING', 'PUBLISHED'];
  const { eventId, buildingId, revision } = record.command;
  const detail = { version: 1 as const, eventId, commandId, buildingId, revision, at: now };
  // The answer and its announcement are stored together (the outbox), or neither is.
  const moved = await deps.commands.transition(commandId, from, to, now, ack.reason, [
    to === 'ACKNOWLEDGED'
      ? message('CommandAcknowledged', detail)
      : message('CommandDeclined', { ...detail, ...(ack.reason ? { reason: ack.reason } : {}) }),
  ]);
  if (!moved) {
    const current = await deps.commands.get(commandId);
    if (current?.status === to) return current;
    throw new ConflictError(
      `command '${commandId}' is ${current?.status ?? 'gone'} and cannot be ${to.toLowerCase()}`,
    );
  }
  return { ...record, status: to, updatedAt: now, reason: ack.reason };
}

/** Whether the event can still change: it exists, is not over, and its window has not ended. */
function running(deps: Deps, record: EventRecord | undefined): record is EventRecord {
  return record !== undefined && !isClosed(record.status) && toMs(record.event.end) > deps.clock.now();
}

/** The schedule of the re-plan that answers an event's requests up to `dueMs`. */
export function replanScheduleName(eventId: string, dueMs: number): string {
  return `replan-${eventId}-${Math.floor(dueMs / 1000)}`;
}

/**
 * Asks for a re-plan of the event, unless it is over (a decline, `CommandDeclined`, or a
 * deadline). Requests are debounced (`replanDebounceSeconds`): each names the end of its period, so
 * every request of one period lands on the same one-time schedule (a second `scheduleOnce` of a
 * name changes nothing) and one re-plan answers them all. With no debounce, `ReplanDue` goes out at
 * once through the outbox. The declines themselves are stored with the commands, which is what the
 * re-plan reads.
 */
export async function requestReplan(deps: Deps, eventId: string): Promise<void> {
  if (!running(deps, await deps.events.get(eventId))) return;
  const now = deps.clock.now();
  const period = deps.config.replanDebounceSeconds * 1000;
  if (period <= 0) {
    await deps.outbox.put([message('ReplanDue', { version: 1, eventId, at: toIso(now) })]);
    return;
  }
  const dueMs = (Math.floor(now / period) + 1) * period;
  await deps.scheduler.scheduleOnce(
    replanScheduleName(eventId, dueMs),
    dueMs,
    message('ReplanDue', { version: 1, eventId, at: toIso(dueMs) }),
  );
}

/**
 * A re-plan is due (`ReplanDue`): one revision around every building that declined since the last
 * plan, however many declines asked for it.
 * 1. Skip when the event is over or its window has ended, or when no building declined since the
 *    latest revision was planned (a late, repeated or coalesced request finds the same answer).
 * 2. Release the declined buildings' reservations; store a new revision that counts them.
 * 3. Plan only the shortfall on top of the active commands; planning excludes every declined building.
 */
export async function replanDeclined(deps: Deps, eventId: string): Promise<void> {
  const record = await deps.events.get(eventId);
  if (!running(deps, record)) return;
  const declined = declinedBuildings(await deps.commands.ofEvent(eventId));
  if (declined.size <= record.declinesPlannedAround) return;
  await deps.reservations.release(eventId, [...declined]);
  const next: EventRecord = {
    ...record,
    revision: record.revision + 1,
    status: 'received',
    declinesPlannedAround: declined.size,
    version: record.version + 1,
    updatedAt: toIso(deps.clock.now()),
  };
  await deps.events.update(next);
  await planRevision(deps, next, 'shortfall');
}

/**
 * The acknowledgement deadline of a revision passed: commands still unanswered count as declined,
 * and a re-plan around them is requested (never planned here: the deadline's work stays small).
 * A deadline whose revision was answered in full asks too; the re-plan then finds nobody new.
 */
export async function ackDeadlineReached(
  deps: Deps,
  ref: { eventId: string; revision: number },
): Promise<void> {
  const now = toIso(deps.clock.now());
  const silent = (await deps.commands.ofEvent(ref.eventId)).filter(
    (c) => c.command.kind === 'DISPATCH' && c.command.revision === ref.revision && c.status === 'PUBLISHED',
  );
  await deps.commands.transitionMany(silent, ['PUBLISHED'], 'DECLINED', now, 'no answer by the deadline');
  // Asked even when nothing moved now: a retry after a crash between the two steps still asks,
  // and a re-plan with nobody new to plan around changes nothing.
  await requestReplan(deps, ref.eventId);
}

export { ACTIVE };
