/**
 * The OpenADR event a VEN reads for its own building, from the building's FlexDR command.
 */
import type { Command } from '../domain/model/command.ts';
import { minutesToDuration, refuse } from './intervals.ts';
import type { EventRequest } from './schemas.ts';

/**
 * The event a VEN reads for its own building, from the building's FlexDR command:
 * `DISPATCH_SETPOINT` per interval is the grid-import limit (`gridLimitKw`); for peak shaving
 * (`MAX_IMPORT`) the same value is also sent as `IMPORT_CAPACITY_LIMIT`, the spec's site ceiling.
 * Asset instructions are not carried (no payload addresses one resource; see docs/openadr.md).
 * The VTN adds `id` and the metadata when it stores the event.
 */
export function commandToVenEvent(command: Command, venName: string, programId: string): EventRequest {
  if (command.kind === 'CANCEL')
    refuse('kind', 'a cancellation is not an event: the VTN deletes the VEN event of the superseded command');
  command.gridLimitKw.forEach((kw, i) => {
    if (kw < 0) refuse(`gridLimitKw.${i}`, 'a negative import limit (forced export) has no OpenADR payload');
  });
  const ceiling = command.limitType === 'MAX_IMPORT';
  return {
    programID: programId,
    eventName: command.commandId,
    priority: 0,
    targets: [venName, `building:${command.buildingId}`],
    payloadDescriptors: [
      { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'DISPATCH_SETPOINT', units: 'KW' },
      ...(ceiling
        ? [
            {
              objectType: 'EVENT_PAYLOAD_DESCRIPTOR' as const,
              payloadType: 'IMPORT_CAPACITY_LIMIT',
              units: 'KW',
            },
          ]
        : []),
    ],
    reportDescriptors: [{ payloadType: 'DEMAND', readingType: 'MEAN', units: 'KW' }],
    intervalPeriod: { start: command.start, duration: minutesToDuration(command.intervalMinutes) },
    intervals: command.gridLimitKw.map((kw, id) => ({
      id,
      payloads: [
        { type: 'DISPATCH_SETPOINT', values: [kw] },
        ...(ceiling ? [{ type: 'IMPORT_CAPACITY_LIMIT', values: [kw] }] : []),
      ],
    })),
  };
}
