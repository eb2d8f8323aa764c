/**
 * The day-of adjustment's update (issue 18 item 1): a command made before its program's adjustment
 * window closed states the contractual baseline with the adjustment estimated from the latest
 * readings (`CONTRACTUAL_ESTIMATE`). When the window closes before the event, one turn
 * (`ReplanDue` with reason `BASELINE`, `trackingGraceMinutes` after the close so the window's last
 * readings are in) computes each such building's final baseline and sends the commands whose import
 * limit it moves again, as one revision touching only them: the same asks, measured from the final
 * baseline, so a BMS that holds the limit delivers what settlement will measure.
 */
import { intervalOffset } from '../domain/commands.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Command } from '../domain/model/command.ts';
import { MINUTE_MS, toIso, toMs } from '../domain/time.ts';
import { MIN_CORRECTION_KW } from '../domain/tracking.ts';
import { message } from '../messages.ts';
import type { EventRecord } from '../ports.ts';
import type { Deps } from './config.ts';
import { contractualForecasts } from './measurement.ts';
import { planRevision } from './planning.ts';
import { standingCommands } from './tracking.ts';

/** The schedule of the update at `dueMs`. */
export function baselineUpdateScheduleName(eventId: string, dueMs: number): string {
  return `baseline-${eventId}-${Math.floor(dueMs / MINUTE_MS)}`;
}

/**
 * After a revision is dispatched: when any of its commands states an estimated baseline that becomes
 * final before the event starts, the update is scheduled for then (plus the grace).
 */
export async function scheduleBaselineUpdate(
  deps: Deps,
  record: EventRecord,
  commands: readonly Command[],
): Promise<void> {
  const finals = commands.flatMap((c) =>
    c.kind === 'DISPATCH' && c.baselineKind === 'CONTRACTUAL_ESTIMATE' && c.baselineFinalAt
      ? [toMs(c.baselineFinalAt)]
      : [],
  );
  if (finals.length === 0) return;
  const dueMs = Math.max(...finals) + deps.config.trackingGraceMinutes * MINUTE_MS;
  if (dueMs >= toMs(record.event.start)) return; // final only once the event runs: settlement measures it
  const { eventId } = record.event;
  await deps.scheduler.scheduleOnce(
    baselineUpdateScheduleName(eventId, dueMs),
    dueMs,
    message('ReplanDue', { version: 1, eventId, at: toIso(dueMs), reason: 'BASELINE' }),
  );
}

/** What an update found, for logs and tests. */
export interface BaselineUpdate {
  /** Commands on estimated baselines looked at. */
  estimated: number;
  /** Buildings whose final baseline moved their limit by at least MIN_CORRECTION_KW. */
  moved: string[];
  /** The revision sent, when one was. */
  revision?: number;
}

/**
 * The update's turn: only while the event is dispatched (a revision under way states final baselines
 * itself) and before it starts; buildings whose final baseline differs from the one their command
 * states by less than MIN_CORRECTION_KW in every interval are not disturbed.
 */
export async function updateBaselines(deps: Deps, eventId: string): Promise<BaselineUpdate> {
  const record = await deps.events.get(eventId);
  if (record?.status !== 'dispatched' || toMs(record.event.start) <= deps.clock.now())
    return { estimated: 0, moved: [] };
  const { event } = record;
  const program = await deps.programs.get(event.programId);
  if (!program) throw new NotFoundError(`program '${event.programId}' not found`);
  const standing = (await standingCommands(deps, eventId)).filter(
    (c) => c.baselineKind === 'CONTRACTUAL_ESTIMATE',
  );
  if (standing.length === 0) return { estimated: 0, moved: [] };
  const finals = await contractualForecasts(
    deps,
    event,
    program,
    standing.map((c) => c.buildingId),
  );
  const startMs = toMs(event.start);
  const moved = standing
    .filter((c) => {
      const final = finals.get(c.buildingId);
      if (!final || final.estimate) return false;
      const offset = intervalOffset(c, startMs);
      return c.baselineKw.some((kw, t) => Math.abs((final.kw[t + offset] ?? kw) - kw) >= MIN_CORRECTION_KW);
    })
    .map((c) => c.buildingId)
    .sort();
  if (moved.length === 0) return { estimated: standing.length, moved };
  const next: EventRecord = {
    ...record,
    revision: record.revision + 1,
    status: 'received',
    version: record.version + 1,
    updatedAt: toIso(deps.clock.now()),
  };
  await deps.events.update(next);
  await planRevision(deps, next, 'shortfall', {
    correctionKw: new Array<number>(event.targetsKw.length).fill(0),
    releasesKw: new Map(),
    lagging: new Set(),
    reissue: new Set(moved),
  });
  return { estimated: standing.length, moved, revision: next.revision };
}
