import { describe, expect, it } from 'vitest';
import { Command } from '../../../lib/domain/model/command.ts';
import { commandToVenEvent } from '../../../lib/openadr/mapping.ts';
import { Event, EventRequest } from '../../../lib/openadr/schemas.ts';
import { officialErrors } from './official-schema.ts';
import { metadata, peakCommand, refusal } from './support.ts';

describe('commandToVenEvent', () => {
  it('the test commands are valid FlexDR commands', () => {
    expect(Command.safeParse(peakCommand()).success).toBe(true);
  });

  it('gives a peak-shaving command as DISPATCH_SETPOINT and IMPORT_CAPACITY_LIMIT per interval', () => {
    expect(commandToVenEvent(peakCommand(), 'ven-b1', 'mengxi-peak')).toEqual({
      programID: 'mengxi-peak',
      eventName: 'imp-2026-001.b1.r1',
      priority: 0,
      targets: ['ven-b1', 'building:b1'],
      payloadDescriptors: [
        { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'DISPATCH_SETPOINT', units: 'KW' },
        { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' },
      ],
      reportDescriptors: [{ payloadType: 'DEMAND', readingType: 'MEAN', units: 'KW' }],
      intervalPeriod: { start: '2026-01-15T09:00:00.000Z', duration: 'PT15M' },
      intervals: [300, 250, 250, 300].map((kw, id) => ({
        id,
        payloads: [
          { type: 'DISPATCH_SETPOINT', values: [kw] },
          { type: 'IMPORT_CAPACITY_LIMIT', values: [kw] },
        ],
      })),
    });
  });

  it('gives a valley-filling command (a floor on import) as DISPATCH_SETPOINT only, in hours when it can', () => {
    const command = peakCommand({
      direction: 'VALLEY_FILLING',
      limitType: 'MIN_IMPORT',
      intervalMinutes: 60,
      gridLimitKw: [450, 480],
    });
    const event = commandToVenEvent(command, 'ven-b1', 'mengxi-valley');
    expect(event.intervalPeriod).toEqual({ start: '2026-01-15T09:00:00.000Z', duration: 'PT1H' });
    expect(event.intervals?.map((i) => i.payloads)).toEqual([
      [{ type: 'DISPATCH_SETPOINT', values: [450] }],
      [{ type: 'DISPATCH_SETPOINT', values: [480] }],
    ]);
  });

  it.each([
    ['peak shaving', peakCommand()],
    [
      'valley filling',
      peakCommand({ limitType: 'MIN_IMPORT', direction: 'VALLEY_FILLING', intervalMinutes: 5 }),
    ],
  ])('emits, for %s, an event request and a stored event that the official schema accepts', (_, command) => {
    const request = commandToVenEvent(command, 'ven-b1', 'mengxi-peak');
    expect(officialErrors('eventRequest', request)).toEqual([]);
    expect(EventRequest.parse(request)).toEqual(request);
    const stored = { id: 'ven-b1-imp-2026-001', objectType: 'EVENT' as const, ...metadata, ...request };
    expect(officialErrors('event', stored)).toEqual([]);
    expect(Event.parse(stored)).toEqual(stored);
  });

  it('refuses a cancellation, which the VTN expresses by deleting the event', () => {
    expect(
      refusal(() =>
        commandToVenEvent(peakCommand({ kind: 'CANCEL', gridLimitKw: [] }), 'ven-b1', 'mengxi-peak'),
      ),
    ).toBe('kind: a cancellation is not an event: the VTN deletes the VEN event of the superseded command');
  });

  it('refuses a negative import limit, which no OpenADR payload expresses', () => {
    expect(refusal(() => commandToVenEvent(peakCommand({ gridLimitKw: [10, -5] }), 'ven-b1', 'p'))).toBe(
      'gridLimitKw.1: a negative import limit (forced export) has no OpenADR payload',
    );
  });
});
