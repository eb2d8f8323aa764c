/** OpenADR objects shared by the mapping tests; each test states what it changes. */
import { ValidationError } from '../../../lib/domain/errors.ts';
import type { Command } from '../../../lib/domain/model/command.ts';
import type { Event } from '../../../lib/openadr/schemas.ts';

export const metadata = {
  createdDateTime: '2026-01-15T01:00:00Z',
  modificationDateTime: '2026-01-15T01:00:00Z',
};

/** A BL event: 500, 600, 600, 500 kW reduction from 17:00 to 18:00 (UTC+8) in park hohhot-jinqiao. */
export function blEvent(overrides: Partial<Event> = {}): Event {
  return {
    id: 'imp-2026-001',
    objectType: 'EVENT',
    ...metadata,
    programID: 'mengxi-peak',
    eventName: 'evening peak',
    targets: ['park:hohhot-jinqiao'],
    payloadDescriptors: [
      { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'DISPATCH_SETPOINT_RELATIVE', units: 'KW' },
    ],
    intervalPeriod: { start: '2026-01-15T17:00:00+08:00', duration: 'PT15M' },
    intervals: [500, 600, 600, 500].map((kw, id) => ({
      id,
      payloads: [{ type: 'DISPATCH_SETPOINT_RELATIVE', values: [kw] }],
    })),
    ...overrides,
  };
}

/** Building b1's peak-shaving command: import at most 300, 250, 250, 300 kW. */
export function peakCommand(overrides: Partial<Command> = {}): Command {
  return {
    commandId: 'imp-2026-001.b1.r1',
    eventId: 'imp-2026-001',
    revision: 1,
    kind: 'DISPATCH',
    buildingId: 'b1',
    parkId: 'hohhot-jinqiao',
    bmsIntegrationId: 'bms1',
    direction: 'PEAK_SHAVING',
    start: '2026-01-15T09:00:00.000Z',
    intervalMinutes: 15,
    limitType: 'MAX_IMPORT',
    gridLimitKw: [300, 250, 250, 300],
    baselineKw: [400, 400, 400, 400],
    responseKw: [100, 150, 150, 100],
    assets: [{ assetId: 'bat', action: 'discharge', kw: [50, 50, 50, 50] }],
    ...overrides,
  };
}

/** The message of the ValidationError `fn` throws. */
export function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.message;
    throw e;
  }
  throw new Error('expected a ValidationError');
}
