/**
 * The pure mapping between OpenADR 3.1 objects and FlexDR's model: no I/O, no clock (the caller
 * passes `now` where a time is needed). Every refusal is a {@link ValidationError} that names the
 * offending field. The decisions, and why, are in `docs/openadr.md`.
 */
import { ValidationError } from '../domain/errors.ts';
import type { Acknowledgement, Command } from '../domain/model/command.ts';
import { type Direction, IntervalMinutes } from '../domain/model/common.ts';
import type { GridEventInput, Scope } from '../domain/model/grid-event.ts';
import {
  BaselineMethod,
  type Program as FlexdrProgram,
  Program as FlexdrProgramSchema,
  SettlementRules,
} from '../domain/model/program.ts';
import type { AssetState, MeterReading } from '../domain/model/telemetry.ts';
import { MINUTE_MS, toIso, toMs } from '../domain/time.ts';
import { parseOrThrow } from '../domain/validate.ts';
import type {
  Event,
  EventPayloadDescriptor,
  EventRequest,
  Interval,
  IntervalPeriod,
  ProgramRequest,
  Report,
  ReportRequest,
  ValuesMap,
} from './schemas.ts';

/** Private program attribute types (the spec allows privately defined `valuesMap` types). */
export const FLEXDR_BASELINE = 'FLEXDR_BASELINE';
export const FLEXDR_SETTLEMENT = 'FLEXDR_SETTLEMENT';
/** Private event payload: load increase wanted in the interval, kW (valley filling). */
export const FLEXDR_LOAD_INCREASE = 'FLEXDR_LOAD_INCREASE';

/** Baseline used when a program carries no `FLEXDR_BASELINE` attribute: 5 working days (Jiangsu). */
export const DEFAULT_BASELINE: BaselineMethod = {
  method: 'N_DAY_AVERAGE',
  days: 5,
  dayFilter: 'WORKDAY',
  lookbackDays: 45,
};

/** Target prefixes and the FlexDR scope list each fills: `park:hohhot-jinqiao`. */
const TARGET_PREFIXES: ReadonlyMap<string, keyof Scope> = new Map([
  ['zone', 'zones'],
  ['feeder', 'feederIds'],
  ['park', 'parkIds'],
  ['building', 'buildingIds'],
]);

/** Resource names whose report data is the building's meter rather than one asset. */
const METER_RESOURCES = new Set(['AGGREGATED_REPORT']);
const OPTED_OUT_STATES = new Set(['IDLE_OPTED_OUT', 'RUNNING_OPTED_OUT']);

function refuse(path: string, message: string): never {
  throw new ValidationError(`${path}: ${message}`, [{ path, message }]);
}

/** Minutes of an ISO 8601 duration made only of hours, minutes and whole seconds (`PT15M`, `PT1H`). */
export function durationMinutes(duration: string, path: string): number {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(duration);
  if (!m || duration === 'PT')
    refuse(path, `duration '${duration}' is not a whole number of minutes in PTnHnMnS form`);
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  if (seconds % 60 !== 0) refuse(path, `duration '${duration}' is not a whole number of minutes`);
  return seconds / 60;
}

function intervalMinutesOf(duration: string | undefined, path: string): IntervalMinutes {
  if (duration === undefined) refuse(path, 'an interval duration is required');
  const minutes = durationMinutes(duration, path);
  const parsed = IntervalMinutes.safeParse(minutes);
  if (!parsed.success)
    refuse(path, `interval duration ${duration} is not supported; use PT5M, PT15M, PT30M or PT60M`);
  return parsed.data;
}

/** `instant` plus `minutes`, written in the same UTC offset as `instant` (`+08:00` stays `+08:00`). */
export function addMinutesInOffset(instant: string, minutes: number): string {
  const ms = toMs(instant) + minutes * MINUTE_MS;
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(instant);
  if (!offset) return toIso(ms);
  const sign = offset[1] === '-' ? -1 : 1;
  const offsetMs = sign * (Number(offset[2]) * 60 + Number(offset[3])) * MINUTE_MS;
  return `${toIso(ms + offsetMs).slice(0, -1)}${offset[0]}`.replace('.000', '');
}

/** `PT15M` for 15, `PT1H` for 60. */
export function minutesToDuration(minutes: number): string {
  return minutes % 60 === 0 ? `PT${minutes / 60}H` : `PT${minutes}M`;
}

function attributeJson(attributes: readonly ValuesMap[] | null | undefined, type: string): unknown {
  const found = attributes?.filter((a) => a.type === type) ?? [];
  if (found.length === 0) return undefined;
  const path = `attributes.${type}`;
  if (found.length > 1) refuse(path, 'given more than once');
  const [value, ...rest] = found[0]?.values ?? [];
  if (typeof value !== 'string' || rest.length > 0) refuse(path, 'values must be one JSON string');
  try {
    return JSON.parse(value);
  } catch {
    return refuse(path, 'values[0] is not valid JSON');
  }
}

/**
 * An OpenADR program as a FlexDR program. `programName` is the name; the baseline and settlement
 * rules travel as JSON in the private attributes `FLEXDR_BASELINE` and `FLEXDR_SETTLEMENT`.
 * The baseline defaults to {@link DEFAULT_BASELINE}; settlement has no honest default (a price),
 * so a program without it is refused.
 */
export function programToFlexdr(
  program: ProgramRequest & { id?: string },
  programId = program.id,
): FlexdrProgram {
  if (programId === undefined) refuse('id', 'a program id is required');
  const settlement = attributeJson(program.attributes, FLEXDR_SETTLEMENT);
  if (settlement === undefined)
    refuse(`attributes.${FLEXDR_SETTLEMENT}`, 'FlexDR needs the settlement rules (unit, price) of a program');
  return parseOrThrow(
    FlexdrProgramSchema,
    {
      programId,
      name: program.programName,
      baseline: attributeJson(program.attributes, FLEXDR_BASELINE) ?? DEFAULT_BASELINE,
      settlement,
    },
    'OpenADR program',
  );
}

/** A FlexDR program as an OpenADR program request (the VTN adds `id` and the metadata). */
export function programFromFlexdr(program: FlexdrProgram): ProgramRequest {
  const baseline = parseOrThrow(BaselineMethod, program.baseline, 'baseline');
  const settlement = parseOrThrow(SettlementRules, program.settlement, 'settlement');
  return {
    programName: program.name,
    attributes: [
      { type: FLEXDR_BASELINE, values: [JSON.stringify(baseline)] },
      { type: FLEXDR_SETTLEMENT, values: [JSON.stringify(settlement)] },
    ],
    payloadDescriptors: [
      { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'DISPATCH_SETPOINT_RELATIVE', units: 'KW' },
      { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: FLEXDR_LOAD_INCREASE, units: 'KW' },
    ],
  };
}

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

/** Start of each interval in order, with its one duration, after checking the intervals are consecutive. */
function eventWindow(
  period: IntervalPeriod | undefined,
  intervals: readonly Interval[],
): { start: string; intervalMinutes: IntervalMinutes } {
  if (period?.randomizeStart && period.randomizeStart !== 'PT0S')
    refuse('intervalPeriod.randomizeStart', 'randomized starts are not supported');
  const first = intervals[0]?.intervalPeriod;
  const start = first?.start ?? period?.start;
  if (start === undefined) refuse('intervalPeriod.start', 'the event needs a start');
  if (start.startsWith('0001-01-01'))
    refuse('intervalPeriod.start', "a start of 'now' (0001-01-01) is not supported");
  const intervalMinutes = intervalMinutesOf(first?.duration ?? period?.duration, 'intervalPeriod.duration');
  const step = intervalMinutes * MINUTE_MS;
  intervals.forEach((interval, i) => {
    const own = interval.intervalPeriod;
    if (own?.start !== undefined && toMs(own.start) !== toMs(start) + i * step)
      refuse(`intervals.${i}.intervalPeriod.start`, 'intervals must be consecutive, in order, without gaps');
    if (
      own?.duration !== undefined &&
      intervalMinutesOf(own.duration, `intervals.${i}.intervalPeriod.duration`) !== intervalMinutes
    )
      refuse(`intervals.${i}.intervalPeriod.duration`, 'every interval must have the same duration');
    if (own?.randomizeStart && own.randomizeStart !== 'PT0S')
      refuse(`intervals.${i}.intervalPeriod.randomizeStart`, 'randomized starts are not supported');
  });
  return { start, intervalMinutes };
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

/** What a report says about a building: meter readings, and its state at the last interval's end. */
export interface Telemetry {
  readings: MeterReading[];
  /** Only when the report carries a meter `DEMAND`; assets are batteries with `STORAGE_CHARGE_LEVEL`. */
  state?: { buildingId: string; at: string; netLoadKw: number; assets: AssetState[] };
}

function reportUnits(report: ReportRequest, type: string, allowed: string): void {
  const d = report.payloadDescriptors?.find((p) => p.payloadType === type);
  if (d?.units != null && d.units !== allowed)
    refuse('payloadDescriptors', `${type} must be in ${allowed}, not ${d.units}`);
}

function singleNumber(payload: ValuesMap, path: string): number {
  const [v, ...rest] = payload.values;
  if (typeof v !== 'number' || rest.length > 0)
    refuse(`${path}.${payload.type}`, 'values must be one number');
  return v;
}

/**
 * Telemetry of a VEN report for `buildingId`. Resources named `AGGREGATED_REPORT` or the building
 * id are the meter: `USAGE` (kWh over the interval) and `DEMAND` (mean kW) become meter readings
 * (USAGE wins when both are given). Other resources are assets named by their FlexDR asset id;
 * `STORAGE_CHARGE_LEVEL` (0..1) gives a battery's state of charge.
 */
export function reportToTelemetry(report: ReportRequest, buildingId: string): Telemetry {
  reportUnits(report, 'USAGE', 'KWH');
  reportUnits(report, 'DEMAND', 'KW');
  reportUnits(report, 'STORAGE_CHARGE_LEVEL', 'PERCENT');
  const readings: MeterReading[] = [];
  const assets: AssetState[] = [];
  let last: { at: number; netLoadKw?: number } = { at: Number.NEGATIVE_INFINITY };

  report.resources.forEach((resource, r) => {
    const meter = METER_RESOURCES.has(resource.resourceName) || resource.resourceName === buildingId;
    let socAt = Number.NEGATIVE_INFINITY;
    let soc: number | undefined;
    resource.intervals.forEach((interval, i) => {
      const path = `resources.${r}.intervals.${i}`;
      const intervalMinutes = intervalMinutesOf(
        interval.intervalPeriod?.duration ?? resource.intervalPeriod?.duration,
        `${path}.intervalPeriod.duration`,
      );
      const ownStart = interval.intervalPeriod?.start;
      const defaultStart = resource.intervalPeriod?.start;
      if (ownStart === undefined && defaultStart === undefined)
        refuse(
          `${path}.intervalPeriod.start`,
          'the interval needs a start (its own or the resource intervalPeriod)',
        );
      const intervalStart =
        ownStart !== undefined
          ? toMs(ownStart)
          : toMs(defaultStart as string) + i * intervalMinutes * MINUTE_MS;
      const end = intervalStart + intervalMinutes * MINUTE_MS;
      const byType = new Map(interval.payloads.map((p) => [p.type, p]));
      if (meter) {
        const usage = byType.get('USAGE');
        const demand = byType.get('DEMAND');
        const base = { buildingId, intervalStart: toIso(intervalStart), intervalMinutes };
        if (usage) readings.push({ ...base, kwh: singleNumber(usage, `${path}.payloads`) });
        else if (demand) readings.push({ ...base, kw: singleNumber(demand, `${path}.payloads`) });
        if (demand && end >= last.at) last = { at: end, netLoadKw: singleNumber(demand, `${path}.payloads`) };
      } else {
        const level = byType.get('STORAGE_CHARGE_LEVEL');
        if (level && end >= socAt) {
          soc = singleNumber(level, `${path}.payloads`);
          socAt = end;
        }
      }
    });
    if (soc !== undefined) assets.push({ kind: 'battery', assetId: resource.resourceName, soc, powerKw: 0 });
  });

  if (last.netLoadKw === undefined) return { readings };
  return { readings, state: { buildingId, at: toIso(last.at), netLoadKw: last.netLoadKw, assets } };
}

/**
 * A declined acknowledgement of `command` when the report opts out (any resource reports
 * `OPERATING_STATE` `IDLE_OPTED_OUT` or `RUNNING_OPTED_OUT`); `undefined` otherwise. The caller
 * resolves the command from the report's `eventID` and passes the time it received the report.
 */
export function reportToAcknowledgement(
  report: ReportRequest | Report,
  command: Pick<Command, 'commandId' | 'eventId' | 'buildingId' | 'revision'>,
  at: string,
): Acknowledgement | undefined {
  const optedOut = report.resources.some((resource) =>
    resource.intervals.some((interval) =>
      interval.payloads.some(
        (p) =>
          p.type === 'OPERATING_STATE' &&
          p.values.some((v) => typeof v === 'string' && OPTED_OUT_STATES.has(v)),
      ),
    ),
  );
  if (!optedOut) return undefined;
  return {
    commandId: command.commandId,
    eventId: command.eventId,
    buildingId: command.buildingId,
    revision: command.revision,
    status: 'DECLINED',
    reason: `opted out by OpenADR report${report.reportName ? ` '${report.reportName}'` : ''} from ${report.clientName}`,
    at,
  };
}
