/** After the window: delivery measured against the program's baseline, then settlement. */
import { computeBaseline } from '../domain/baseline.ts';
import { latestByBuilding } from '../domain/commands.ts';
import { InsufficientDataError, NotFoundError } from '../domain/errors.ts';
import { intervalCount } from '../domain/model/grid-event.ts';
import type { BaselineMethod } from '../domain/model/program.ts';
import { readingKw } from '../domain/model/telemetry.ts';
import { type BuildingSettlement, settleBuilding, settlePark } from '../domain/settlement.ts';
import { chinaDate, DAY_MS, MINUTE_MS, toIso, toMs } from '../domain/time.ts';
import { message } from '../messages.ts';
import type { EventRecord } from '../ports.ts';
import type { Deps } from './config.ts';

/** How far back readings are read for each baseline method. */
function lookbackDays(method: BaselineMethod): number {
  return method.method === 'PRE_EVENT' ? 1 : method.lookbackDays + 1;
}

/** Local dates of every event that was not cancelled: never baseline days. */
async function eventDays(deps: Deps): Promise<Set<string>> {
  const days = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await deps.events.list({ limit: 200, cursor });
    cursor = page.cursor;
    for (const r of page.items) {
      if (r.status === 'cancelled') continue;
      for (let ms = toMs(r.event.start); ms < toMs(r.event.end); ms += DAY_MS / 2) days.add(chinaDate(ms));
      days.add(chinaDate(toMs(r.event.end) - 1));
    }
  } while (cursor);
  return days;
}

/**
 * Evaluates and settles an event once its window is over (`EvaluationDue`).
 * 1. Skip when too early or already settled, cancelled or failed.
 * 2. Mark it completed; release its reservations.
 * 3. For every building that accepted its final command: the program's baseline from stored
 *    readings (event days excluded), delivery per interval, payment by the rule table.
 *    A building without enough data is listed as unsettled with the reason.
 * 4. Store settlements per building and per park; mark it settled; announce `SettlementReady`.
 */
export interface Evaluation {
  record: EventRecord;
  /** Whether this call settled it (false when it was too early or already done). */
  settled: boolean;
  /** Delivered over declared, summed over the settled buildings. */
  deliveryRatio?: number | undefined;
}

export async function evaluateEvent(deps: Deps, eventId: string): Promise<Evaluation | undefined> {
  let record = await deps.events.get(eventId);
  if (!record) return undefined;
  if (['settled', 'cancelled', 'failed'].includes(record.status)) return { record, settled: false };
  const event = record.event;
  const startMs = toMs(event.start);
  const endMs = toMs(event.end);
  if (deps.clock.now() < endMs) return { record, settled: false };
  const program = await deps.programs.get(event.programId);
  if (!program) throw new NotFoundError(`program '${event.programId}' not found`);

  // One command per building is settled: its latest acknowledged one (an earlier one left standing
  // by racing plans is not paid twice).
  const acknowledged = (await deps.commands.ofEvent(eventId)).filter(
    (c) => c.command.kind === 'DISPATCH' && c.status === 'ACKNOWLEDGED',
  );
  const commands = [...latestByBuilding(acknowledged).values()];
  if (record.status !== 'completed') {
    record = {
      ...record,
      status: 'completed',
      version: record.version + 1,
      updatedAt: toIso(deps.clock.now()),
    };
    await deps.events.update(record);
    await deps.eventPublisher.publish([message('EventCompleted', { version: 1, eventId })]);
  }
  await deps.reservations.release(
    eventId,
    commands.map((c) => c.command.buildingId),
  );

  const rules = event.price ?? program.settlement;
  const n = intervalCount(event);
  const step = event.intervalMinutes * MINUTE_MS;
  const [excludedDays, calendar] = await Promise.all([eventDays(deps), deps.calendars.load()]);
  const settled: BuildingSettlement[] = [];
  const unsettled: { buildingId: string; reason: string }[] = [];
  for (const { command } of commands) {
    const from = startMs - lookbackDays(program.baseline) * DAY_MS;
    const readings = (await deps.telemetry.readings(command.buildingId, from, endMs)).map((r) => ({
      startMs: toMs(r.intervalStart),
      kw: readingKw(r),
    }));
    const inWindow = new Map(readings.filter((r) => r.startMs >= startMs).map((r) => [r.startMs, r.kw]));
    try {
      const baseline = computeBaseline({
        method: program.baseline,
        eventStartMs: startMs,
        intervalMinutes: event.intervalMinutes,
        intervals: n,
        readings: readings.filter((r) => r.startMs < startMs),
        eventDays: excludedDays,
        calendar,
        noticeAtMs: toMs(event.noticeAt),
      });
      settled.push(
        settleBuilding({
          buildingId: command.buildingId,
          parkId: command.parkId,
          direction: event.type,
          rules,
          intervalMinutes: event.intervalMinutes,
          declaredKw: command.responseKw,
          baselineKw: baseline.kw,
          actualKw: Array.from({ length: n }, (_, t) => inWindow.get(startMs + t * step) ?? null),
        }),
      );
    } catch (e) {
      if (!(e instanceof InsufficientDataError)) throw e;
      unsettled.push({ buildingId: command.buildingId, reason: e.message });
    }
  }
  const parkIds = [...new Set(settled.map((s) => s.parkId))].sort();
  const parks = parkIds.map((p) =>
    settlePark(
      p,
      settled.filter((s) => s.parkId === p),
    ),
  );
  await deps.settlements.put(eventId, settled, parks);
  const done: EventRecord = {
    ...record,
    status: 'settled',
    unsettled,
    version: record.version + 1,
    updatedAt: toIso(deps.clock.now()),
  };
  await deps.events.update(done);
  const netYuan = Math.round(parks.reduce((s, p) => s + p.netYuan, 0) * 100) / 100;
  await deps.eventPublisher.publish([
    message('SettlementReady', { version: 1, eventId, parks: parks.length, netYuan }),
  ]);
  const declared = settled.reduce((s, b) => s + b.declaredKw, 0);
  const delivered = settled.reduce((s, b) => s + b.deliveredKw, 0);
  return { record: done, settled: true, deliveryRatio: declared > 0 ? delivered / declared : undefined };
}
