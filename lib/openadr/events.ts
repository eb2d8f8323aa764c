/**
 * OpenADR events from a BL and FlexDR grid events, and targets as scopes.
 */
import type { Direction } from '../domain/model/common.ts';
import type { GridEventInput, Scope } from '../domain/model/grid-event.ts';
import type { Program as FlexdrProgram } from '../domain/model/program.ts';
import { addMinutesInOffset, durationMinutes, eventWindow, minutesToDuration, refuse } from './intervals.ts';
import type { Event, EventPayloadDescriptor, EventRequest, Interval, ValuesMap } from './schemas.ts';

/** Private event payload: load increase wanted in the interval, kW (valley filling). */
export const FLEXDR_LOAD_INCREASE = 'FLEXDR_LOAD_INCREASE';

/** Target prefixes and the FlexDR scope list each fills: `park:hohhot-jinqiao`. */
const TARGET_PREFIXES: ReadonlyMap<string, keyof Scope> = new Map([
  ['zone', 'zones'],
  ['feeder', 'feederIds'],
  ['park', 'parkIds'],
  ['building', 'buildingIds'],
]);

/** FlexDR scope of OpenADR targets `zone:…`, `feeder:…`, `park:…`, `building:…`. */
export function targetsToScope(targets: readonly string[] | null | undefined): Scope {
  if (!targets || targets.length === 0)
    refuse('targets', 'FlexDR needs at least one target: zone:<id>, feeder:<id>, park:<id> or building:<id>');
  const scope: Partial<Record<keyof Scope, string[]>> = {};
  targets.forEach((target, i) => {
    const colon = target.indexOf(':');
    const key = TARGET_PREFIXES.get(target.slice(0, colon));
    const id = target.slice(colon + 1);
    if (colon < 1 || key === undefined || id.length === 0)
      refuse(`targets.${i}`, `'${target}' is not zone:<id>, feeder:<id>, park:<id> or building:<id>`);
    scope[key] = [...(scope[key] ?? []), id];
  });
  return scope;
}

/** OpenADR targets of a FlexDR scope, the inverse of {@link targetsToScope}. */
export function scopeToTargets(scope: Scope): string[] {
  return [...TARGET_PREFIXES].flatMap(([prefix, key]) => (scope[key] ?? []).map((id) => `${prefix}:${id}`));
}

/** The payload that gives an event's target, for each direction. */
const PAYLOAD_OF_DIRECTION = {
  PEAK_SHAVING: 'DISPATCH_SETPOINT_RELATIVE',
  VALLEY_FILLING: FLEXDR_LOAD_INCREASE,
} as const satisfies Record<Direction, string>;
const DIRECTION_OF_PAYLOAD: ReadonlyMap<string, Direction> = new Map(
  Object.entries(PAYLOAD_OF_DIRECTION).map(([direction, type]) => [type, direction as Direction]),
);

/** Payload types an OpenADR event may carry that FlexDR knows but refuses, with the reason. */
const REFUSED_PAYLOADS: ReadonlyMap<string, string> = new Map([
  [
    'IMPORT_CAPACITY_LIMIT',
    'is a ceiling on import, not a response; FlexDR allocates a response in kW: send DISPATCH_SETPOINT_RELATIVE (reduction) or FLEXDR_LOAD_INCREASE',
  ],
  ['EXPORT_CAPACITY_LIMIT', 'is not supported: FlexDR allocates a response in kW'],
  [
    'DISPATCH_SETPOINT',
    'is an absolute consumption for one resource; a fleet event needs DISPATCH_SETPOINT_RELATIVE (reduction) or FLEXDR_LOAD_INCREASE',
  ],
]);

function checkUnits(descriptors: readonly EventPayloadDescriptor[] | null | undefined, type: string): void {
  const d = descriptors?.find((p) => p.payloadType === type);
  if (d?.units != null && d.units !== 'KW')
    refuse('payloadDescriptors', `${type} must be in KW, not ${d.units}`);
}

/**
 * An OpenADR event from a BL as the FlexDR grid event an operator would post for the same target:
 * `DISPATCH_SETPOINT_RELATIVE` values (kW, ≥ 0 as the spec's enumeration requires) are the
 * reduction wanted per interval (peak shaving); the private `FLEXDR_LOAD_INCREASE` (kW, ≥ 0) is
 * the increase wanted (valley filling). `targets` give the scope, `now` the notice time.
 */
export function eventToGridEvent(
  event: Event,
  program: Pick<FlexdrProgram, 'programId'>,
  now: string,
): GridEventInput {
  if (event.programID !== program.programId)
    refuse('programID', `event is for program '${event.programID}', not '${program.programId}'`);
  const intervals = event.intervals ?? [];
  if (intervals.length === 0) refuse('intervals', 'the event needs at least one interval');
  const { start, intervalMinutes } = eventWindow(event.intervalPeriod, intervals);
  if (event.duration !== undefined && event.duration !== 'PT0S') {
    const total = durationMinutes(event.duration, 'duration');
    if (total !== intervals.length * intervalMinutes)
      refuse('duration', 'looping intervals over a longer event duration is not supported');
  }

  const targets = intervals.map((interval, i) => targetOfInterval(interval, `intervals.${i}.payloads`));
  const type = targets[0]?.type as Direction;
  targets.forEach((t, i) => {
    if (t.type !== type)
      refuse(
        `intervals.${i}.payloads`,
        `an event is either a reduction or an increase; it mixes ${PAYLOAD_OF_DIRECTION[type]} and ${PAYLOAD_OF_DIRECTION[t.type]}`,
      );
  });
  checkUnits(event.payloadDescriptors, PAYLOAD_OF_DIRECTION[type]);

  return {
    eventId: event.id,
    programId: event.programID,
    type,
    start,
    end: addMinutesInOffset(start, targets.length * intervalMinutes),
    intervalMinutes,
    targetsKw: targets.map((t) => t.kw),
    scope: targetsToScope(event.targets),
    noticeAt: now,
  };
}

/** The direction and kW of the one target payload of an interval. */
function targetOfInterval(interval: Interval, path: string): { type: Direction; kw: number } {
  const found: { type: Direction; payload: ValuesMap }[] = [];
  for (const payload of interval.payloads) {
    const refused = REFUSED_PAYLOADS.get(payload.type);
    if (refused !== undefined) refuse(path, `${payload.type} ${refused}`);
    const type = DIRECTION_OF_PAYLOAD.get(payload.type);
    if (type !== undefined) found.push({ type, payload });
  }
  const [only, ...more] = found;
  if (only === undefined || more.length > 0)
    refuse(
      path,
      `each interval needs exactly one DISPATCH_SETPOINT_RELATIVE or ${FLEXDR_LOAD_INCREASE} payload`,
    );
  const [kw, ...rest] = only.payload.values;
  if (typeof kw !== 'number' || rest.length > 0 || kw < 0)
    refuse(`${path}.${only.payload.type}`, 'values must be one number of kW, zero or more');
  return { type: only.type, kw };
}

/**
 * A FlexDR grid event as the OpenADR event request a BL would have sent for it, the inverse of
 * {@link eventToGridEvent} (so natively posted events can be listed to a BL). The per-event
 * price, shortfall penalty and procurement have no OpenADR field and are left out.
 */
export function gridEventToEvent(event: GridEventInput): EventRequest {
  const payloadType = PAYLOAD_OF_DIRECTION[event.type];
  return {
    programID: event.programId,
    targets: scopeToTargets(event.scope),
    payloadDescriptors: [{ objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType, units: 'KW' }],
    intervalPeriod: { start: event.start, duration: minutesToDuration(event.intervalMinutes ?? 15) },
    intervals: event.targetsKw.map((kw, id) => ({ id, payloads: [{ type: payloadType, values: [kw] }] })),
  };
}
