/** Telemetry from a BMS: building state and meter readings. */
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import type { BuildingState, MeterReading } from '../domain/model/telemetry.ts';
import { MINUTE_MS, toIso, toMs } from '../domain/time.ts';
import { message } from '../messages.ts';
import { type Principal, requireBmsOf } from './auth.ts';
import type { Deps } from './config.ts';

export interface TelemetryReport {
  state?: BuildingState | undefined;
  readings: MeterReading[];
}

type Issue = { path: string; message: string };

/**
 * What of `report` lies further ahead of `nowMs` than `toleranceMinutes`: the state's `at`, and
 * each reading whose interval ends later (a reading describes its interval once it has ended).
 * Stored, one such item would hold back every real one after it, so the clock is the judge.
 */
export function futureTelemetryIssues(
  report: TelemetryReport,
  nowMs: number,
  toleranceMinutes: number,
): Issue[] {
  const limitMs = nowMs + toleranceMinutes * MINUTE_MS;
  const ahead = (ms: number) =>
    `${toIso(ms)}, ${Math.ceil((ms - nowMs) / MINUTE_MS)} min ahead of the coordinator's clock ` +
    `(${toIso(nowMs)}; at most ${toleranceMinutes} min allowed): check the BMS clock`;
  const issues: Issue[] = [];
  if (report.state && toMs(report.state.at) > limitMs)
    issues.push({ path: 'state.at', message: `state at ${ahead(toMs(report.state.at))}` });
  report.readings.forEach((r, i) => {
    const endMs = toMs(r.intervalStart) + r.intervalMinutes * MINUTE_MS;
    if (endMs > limitMs)
      issues.push({
        path: `readings.${i}.intervalStart`,
        message: `interval from ${r.intervalStart} (${r.intervalMinutes} min) ends ${ahead(endMs)}`,
      });
  });
  return issues;
}

/** What reporting telemetry reads, stores and announces. */
export type TelemetryPorts = Pick<
  Deps,
  'buildings' | 'telemetry' | 'calendars' | 'clock' | 'config' | 'outbox'
>;

/**
 * Stores what a BMS reports for its building.
 * 1. Only the building's own BMS may report, for an enrolled building (404 otherwise: a BMS bound
 *    to an id that was never enrolled, or deleted, stores nothing), and every item must be about it.
 * 2. Nothing may lie in the future of the clock (beyond `telemetryFutureToleranceMinutes`); one
 *    item refused refuses the whole report, before anything is stored.
 * 3. Keep the latest state; store readings by interval (a re-send overwrites the same item), the
 *    profile learning each day's kind from the working calendar.
 * 4. Announce `TelemetryReported`.
 */
export async function reportTelemetry(
  deps: TelemetryPorts,
  who: Principal,
  buildingId: string,
  report: TelemetryReport,
): Promise<{ readings: number; state: boolean }> {
  requireBmsOf(who, buildingId);
  if (!(await deps.buildings.get(buildingId))) throw new NotFoundError(`building '${buildingId}' not found`);
  const strangers = [
    ...(report.state && report.state.buildingId !== buildingId ? ['state.buildingId'] : []),
    ...report.readings.flatMap((r, i) => (r.buildingId === buildingId ? [] : [`readings.${i}.buildingId`])),
  ];
  if (strangers.length > 0)
    throw new ValidationError(
      `items about another building than '${buildingId}': ${strangers.join(', ')}`,
      strangers.map((path) => ({ path, message: `expected '${buildingId}'` })),
    );
  const future = futureTelemetryIssues(report, deps.clock.now(), deps.config.telemetryFutureToleranceMinutes);
  if (future.length > 0) {
    // `issues` lists every item; the message the first few (a report may hold 2,000 readings).
    const shown = future.slice(0, 3).map((i) => `${i.path}: ${i.message}`);
    if (future.length > shown.length) shown.push(`and ${future.length - shown.length} more`);
    throw new ValidationError(`telemetry from the future, nothing stored: ${shown.join('; ')}`, future);
  }
  if (report.state) await deps.telemetry.putState(report.state);
  if (report.readings.length > 0)
    await deps.telemetry.putReadings(buildingId, report.readings, await deps.calendars.load());
  const result = { readings: report.readings.length, state: report.state !== undefined };
  // Readings go in batches, which no transaction spans: the notice follows them through the outbox.
  await deps.outbox.put([message('TelemetryReported', { version: 1, buildingId, ...result })]);
  return result;
}
