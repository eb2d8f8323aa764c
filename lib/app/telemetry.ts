/** Telemetry from a BMS: building state and meter readings. */
import { ValidationError } from '../domain/errors.ts';
import type { BuildingState, MeterReading } from '../domain/model/telemetry.ts';
import { message } from '../messages.ts';
import { type Principal, requireBmsOf } from './auth.ts';
import type { Deps } from './config.ts';

export interface TelemetryReport {
  state?: BuildingState | undefined;
  readings: MeterReading[];
}

/**
 * Stores what a BMS reports for its building.
 * 1. Only the building's own BMS may report, and every item must be about that building.
 * 2. Keep the latest state; store readings by interval (a re-send overwrites the same item).
 * 3. Announce `TelemetryReported`.
 */
export async function reportTelemetry(
  deps: Deps,
  who: Principal,
  buildingId: string,
  report: TelemetryReport,
): Promise<{ readings: number; state: boolean }> {
  requireBmsOf(who, buildingId);
  const strangers = [
    ...(report.state && report.state.buildingId !== buildingId ? ['state'] : []),
    ...report.readings.flatMap((r, i) => (r.buildingId === buildingId ? [] : [`readings.${i}`])),
  ];
  if (strangers.length > 0)
    throw new ValidationError(`items about another building than '${buildingId}': ${strangers.join(', ')}`);
  if (report.state) await deps.telemetry.putState(report.state);
  if (report.readings.length > 0) await deps.telemetry.putReadings(buildingId, report.readings);
  const result = { readings: report.readings.length, state: report.state !== undefined };
  await deps.eventPublisher.publish([message('TelemetryReported', { version: 1, buildingId, ...result })]);
  return result;
}
