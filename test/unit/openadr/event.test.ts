import { describe, expect, it } from 'vitest';
import { GridEvent, type GridEventInput } from '../../../lib/domain/model/grid-event.ts';
import { parseOrThrow } from '../../../lib/domain/validate.ts';
import {
  eventToGridEvent,
  FLEXDR_LOAD_INCREASE,
  gridEventToEvent,
  scopeToTargets,
  targetsToScope,
} from '../../../lib/openadr/mapping.ts';
import { Event } from '../../../lib/openadr/schemas.ts';
import { peakEventInput } from '../../support/fixtures.ts';
import { officialErrors } from './official-schema.ts';
import { blEvent, metadata, refusal } from './support.ts';

const program = { programId: 'mengxi-peak' };
const now = '2026-01-15T09:00:00+08:00';

/** What an operator posts natively for the same target. */
const native: GridEventInput = peakEventInput;

describe('eventToGridEvent', () => {
  it('the test event is a valid OpenADR event by the official schema and by ours', () => {
    expect(officialErrors('event', blEvent())).toEqual([]);
    expect(Event.safeParse(blEvent()).success).toBe(true);
  });

  it('equals, once parsed, the grid event an operator would post for the same target, so the plan is the same', () => {
    // Planning, allocation and commands read only the parsed GridEvent: equal events, equal plans.
    const mapped = parseOrThrow(GridEvent, eventToGridEvent(blEvent(), program, now), 'mapped');
    expect(mapped).toEqual(parseOrThrow(GridEvent, native, 'native'));
  });

  it('maps FLEXDR_LOAD_INCREASE to valley filling and 1-hour intervals to 60 minutes', () => {
    const event = blEvent({
      targets: ['zone:mengxi', 'feeder:f1', 'feeder:f2', 'building:b7'],
      payloadDescriptors: [
        { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: FLEXDR_LOAD_INCREASE, units: 'KW' },
      ],
      intervalPeriod: { start: '2026-01-16T02:00:00+08:00', duration: 'PT1H' },
      intervals: [
        { id: 7, payloads: [{ type: FLEXDR_LOAD_INCREASE, values: [800] }] },
        { id: 3, payloads: [{ type: FLEXDR_LOAD_INCREASE, values: [0] }] },
      ],
    });
    expect(officialErrors('event', event)).toEqual([]);
    expect(eventToGridEvent(event, program, now)).toEqual({
      eventId: 'imp-2026-001',
      programId: 'mengxi-peak',
      type: 'VALLEY_FILLING',
      start: '2026-01-16T02:00:00+08:00',
      end: '2026-01-16T04:00:00+08:00',
      intervalMinutes: 60,
      targetsKw: [800, 0],
      scope: { zones: ['mengxi'], feederIds: ['f1', 'f2'], buildingIds: ['b7'] },
      noticeAt: now,
    });
  });

  it('accepts intervals that repeat the consecutive start and duration, and other payloads beside the target', () => {
    const event = blEvent();
    event.intervals = event.intervals?.map((interval, i) => ({
      ...interval,
      intervalPeriod: {
        start: new Date(Date.parse('2026-01-15T09:00:00Z') + i * 900_000).toISOString(),
        duration: 'PT15M',
      },
      payloads: [...interval.payloads, { type: 'PRICE', values: [1.2] }],
    }));
    expect(eventToGridEvent(event, program, now).targetsKw).toEqual([500, 600, 600, 500]);
  });

  it.each<[string, Partial<ReturnType<typeof blEvent>>, string]>([
    ['no targets', { targets: null }, 'targets: FlexDR needs at least one target'],
    ['a target without prefix', { targets: ['group-1'] }, "targets.0: 'group-1' is not zone:<id>"],
    ['another program', { programID: 'other' }, "programID: event is for program 'other', not 'mengxi-peak'"],
    ['no intervals', { intervals: [] }, 'intervals: the event needs at least one interval'],
    ['no start', { intervalPeriod: { duration: 'PT15M' } }, 'intervalPeriod.start: the event needs a start'],
    [
      "a start of 'now'",
      { intervalPeriod: { start: '0001-01-01T00:00:00Z', duration: 'PT15M' } },
      "a start of 'now' (0001-01-01) is not supported",
    ],
    [
      'a 10-minute interval',
      { intervalPeriod: { start: '2026-01-15T09:00:00Z', duration: 'PT10M' } },
      'interval duration PT10M is not supported; use PT5M, PT15M, PT30M or PT60M',
    ],
    [
      'a day-long duration',
      { intervalPeriod: { start: '2026-01-15T09:00:00Z', duration: 'P1D' } },
      "duration 'P1D' is not a whole number of minutes in PTnHnMnS form",
    ],
    [
      'randomized start',
      { intervalPeriod: { start: '2026-01-15T09:00:00Z', duration: 'PT15M', randomizeStart: 'PT5M' } },
      'randomized starts are not supported',
    ],
    [
      'a looping duration',
      { duration: 'PT2H' },
      'duration: looping intervals over a longer event duration is not supported',
    ],
    [
      'an import capacity limit',
      { intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [900] }] }] },
      'IMPORT_CAPACITY_LIMIT is a ceiling on import, not a response',
    ],
    [
      'a price only',
      { intervals: [{ id: 0, payloads: [{ type: 'PRICE', values: [1.2] }] }] },
      'intervals.0.payloads: each interval needs exactly one DISPATCH_SETPOINT_RELATIVE or FLEXDR_LOAD_INCREASE payload',
    ],
    [
      'a negative reduction',
      { intervals: [{ id: 0, payloads: [{ type: 'DISPATCH_SETPOINT_RELATIVE', values: [-5] }] }] },
      'intervals.0.payloads.DISPATCH_SETPOINT_RELATIVE: values must be one number of kW, zero or more',
    ],
    [
      'reduction and increase mixed',
      {
        intervals: [
          { id: 0, payloads: [{ type: 'DISPATCH_SETPOINT_RELATIVE', values: [5] }] },
          { id: 1, payloads: [{ type: FLEXDR_LOAD_INCREASE, values: [5] }] },
        ],
      },
      'it mixes DISPATCH_SETPOINT_RELATIVE and FLEXDR_LOAD_INCREASE',
    ],
    [
      'megawatts',
      {
        payloadDescriptors: [
          { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'DISPATCH_SETPOINT_RELATIVE', units: 'MW' },
        ],
      },
      'DISPATCH_SETPOINT_RELATIVE must be in KW, not MW',
    ],
  ])('refuses %s with a clear message', (_, overrides, message) => {
    expect(refusal(() => eventToGridEvent(blEvent(overrides), program, now))).toContain(message);
  });

  it('refuses an interval out of order', () => {
    const event = blEvent();
    const second = event.intervals?.[1];
    if (second) second.intervalPeriod = { start: '2026-01-15T09:30:00Z' };
    expect(refusal(() => eventToGridEvent(event, program, now))).toBe(
      'intervals.1.intervalPeriod.start: intervals must be consecutive, in order, without gaps',
    );
  });

  it('leaves to the GridEvent schema what it already checks: a notice after the start', () => {
    const mapped = eventToGridEvent(blEvent(), program, '2026-01-15T17:05:00+08:00');
    expect(refusal(() => parseOrThrow(GridEvent, mapped, 'grid event'))).toContain(
      'noticeAt must not be after start',
    );
  });
});

describe('gridEventToEvent', () => {
  it.each<[string, GridEventInput]>([
    ['peak shaving in a park', native],
    [
      'valley filling on feeders and buildings, hourly',
      {
        ...native,
        type: 'VALLEY_FILLING',
        intervalMinutes: 60,
        end: '2026-01-15T19:00:00+08:00',
        targetsKw: [800, 0],
        scope: { feederIds: ['f1'], buildingIds: ['b1', 'b2'] },
      },
    ],
  ])(
    '%s: gives an event request the official schema accepts, which maps back to the same grid event',
    (_, grid) => {
      const request = gridEventToEvent(grid);
      expect(officialErrors('eventRequest', request)).toEqual([]);
      const stored = { id: grid.eventId, objectType: 'EVENT' as const, ...metadata, ...request };
      expect(parseOrThrow(GridEvent, eventToGridEvent(stored, program, grid.noticeAt), 'back')).toEqual(
        parseOrThrow(GridEvent, grid, 'native'),
      );
    },
  );
});

describe('targets and scope', () => {
  it('refuses names of Object.prototype as prefixes or payload types', () => {
    expect(refusal(() => targetsToScope(['constructor:x']))).toContain("targets.0: 'constructor:x' is not");
    const event = blEvent({ intervals: [{ id: 0, payloads: [{ type: 'toString', values: [1] }] }] });
    expect(refusal(() => eventToGridEvent(event, program, now))).toContain('each interval needs exactly one');
  });

  it('round-trip', () => {
    const targets = ['zone:mengxi', 'feeder:f:1', 'park:p1', 'building:b1', 'building:b2'];
    expect(targetsToScope(targets)).toEqual({
      zones: ['mengxi'],
      feederIds: ['f:1'],
      parkIds: ['p1'],
      buildingIds: ['b1', 'b2'],
    });
    expect(scopeToTargets(targetsToScope(targets))).toEqual(targets);
  });
});
