/**
 * Property-based fuzzing of every OpenADR 3.1 operation of the VTN (`openadrOperations`), over
 * HTTP through the local gateway, as `fuzz.test.ts` does for the native routes. Inputs come from
 * each operation's own zod schemas (`test/support/zod-arbitrary.ts`): valid-ish values (with ids
 * of objects created first, real targets and callbacks that pass the echo check) and values
 * broken on purpose, plus hostile path segments, query strings and raw bodies. Requests carry a
 * BL or a VEN token (each for the operations its scopes allow), or no token, a garbage one or one
 * lacking the scope.
 *
 * Properties: never a 5xx; every 4xx is an RFC 7807 problem (`type`, `title`, `status` equal to
 * the HTTP status, a non-empty `detail`); every response, whatever its status, is what the official
 * document (openadr3.yaml) documents (`validateResponse`); a request that must be refused is; a
 * batch of refusals leaves both tables as they were; no unhandled rejection. Violations are
 * collected (not thrown at the first) and printed together at the end, where the test fails;
 * refusals by operations for which the document lists no 4xx at all (`GET /auth/server`,
 * `GET /notifiers`) cannot be documented, and are printed without failing. A few hand-written edge
 * cases run once and are printed with their answers.
 *
 * Seeded: FUZZ_SEED=<n> replays a run; FUZZ_TRACE=<operationId,…> prints those operations' cases.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  EventsQuery,
  type OpenadrOperation,
  type OperationId,
  openadrOperations,
  ProgramsQuery,
  ResourcesQuery,
  SubscriptionsQuery,
  VensQuery,
} from '../../functions/openadr/operations.ts';
import { LOCAL_AWS } from '../../infra/local/dynamodb-local.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { errorMessage } from '../../lib/caught-errors.ts';
import { mapLimit } from '../../lib/concurrency.ts';
import { type ClientRole, hasScope, ROLE_SCOPES, SCOPES, type Scope } from '../../lib/openadr/access.ts';
import { programFromFlexdr } from '../../lib/openadr/mapping.ts';
import {
  ClientCredentialRequest,
  Duration,
  ObjectId,
  ObjectOperation,
  ObjectType,
  ProgramRequest,
  Target,
} from '../../lib/openadr/schemas.ts';
import { CONTENT_TYPES, nestedText, REFUSED_RAW_BODIES } from '../support/hostile-inputs.ts';
import { type HttpsReceiver, startHttpsReceiver } from '../support/https-receiver.ts';
import { jsonCall, mustCall, openadrClient, startOpenadrLocal } from '../support/openadr-local.ts';
import { validateResponse } from '../support/openadr-openapi.ts';
import { fingerprintTables } from '../support/store-snapshot.ts';
import { broken, isOptional, validish } from '../support/zod-arbitrary.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_602);
/** Requests sent at once within a batch. */
const CONCURRENCY = 8;
/** Requests per batch; the store is compared once per batch of refusals. */
const BATCH = 25;
const REFUSAL_BATCHES = Number(process.env.FUZZ_REFUSAL_BATCHES ?? 40);
const VALID_BATCHES = Number(process.env.FUZZ_VALID_BATCHES ?? 40);
/** FUZZ_TRACE=<operationId,…> prints every case of those operations with its answer. */
const TRACE = new Set((process.env.FUZZ_TRACE ?? '').split(',').filter(Boolean));
/** 12:00 in Beijing; the simulation clock stands still here. */
const CLOCK_AT = Date.parse('2026-11-26T04:00:00Z');
const QUARTER = 15 * 60_000;
/** The VEN's building (a battery and an HVAC), and its park. */
const BUILDING = 'bt-office-1';
const PARK = 'baotou-rare-earth';
const BL_CLIENT = 'fz-bl';
const VEN_CLIENT = 'fz-ven';

type Who = 'bl' | 'ven' | 'none' | 'garbage';
type Family = 'program' | 'event' | 'report' | 'subscription' | 'ven' | 'resource';

interface Case {
  op: OperationId;
  who: Who;
  /** The Authorization header as sent, for `garbage`. */
  auth?: string;
  /** Path segments of the operation's parameters, as sent (already percent-encoded). */
  segments: Record<string, string>;
  query: Record<string, string>;
  /** Raw query string appended as is (duplicate keys and the like). */
  rawQuery?: string;
  body?: string;
  /** A body of this many characters of `bigChar`, made when sending (kept out of the case). */
  bigBody?: number;
  bigChar?: string;
  contentType?: string;
  /** What the case is, for the report. */
  what: string;
  /** Whether the VTN must refuse it (4xx). */
  refuse: boolean;
}

interface Answer {
  status: number;
  text: string;
  contentType: string | undefined;
}

const ops = openadrOperations as Record<OperationId, OpenadrOperation>;
const opIds = Object.keys(openadrOperations) as OperationId[];
const paramNames = (op: OpenadrOperation) => [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
const FAMILY_OF_PARAM: Record<string, Family> = {
  programID: 'program',
  eventID: 'event',
  reportID: 'report',
  subscriptionID: 'subscription',
  venID: 'ven',
  resourceID: 'resource',
};
/** The clients whose token carries the scope the operation needs. */
const allowed = (op: OpenadrOperation): ClientRole[] =>
  op.scope
    ? (['BL', 'VEN'] as const).filter((r) => hasScope({ scopes: ROLE_SCOPES[r] }, op.scope as Scope))
    : [];
const whoOf = (r: ClientRole): Who => (r === 'BL' ? 'bl' : 'ven');

// ---- zod internals (read only), for breaking schemas with a duration inside ---------------------

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;
const childrenOf = (d: Def): z.ZodType[] =>
  [...Object.values(d.shape ?? {}), d.element, d.innerType, ...(d.options ?? []), d.in, d.out].filter(
    (s): s is z.ZodType => s !== undefined,
  );

function contains(schema: z.ZodType, needle: z.ZodType, seen = new Set<z.ZodType>()): boolean {
  if (schema === needle) return true;
  if (seen.has(schema)) return false;
  seen.add(schema);
  return childrenOf(defOf(schema)).some((c) => contains(c, needle, seen));
}

/**
 * fast-check's `stringMatching` has no lookahead, which the duration pattern uses: durations are
 * generated from a list, and schemas holding one are broken here, field by field, the way
 * `broken` does, delegating every part without a duration to it.
 */
const durations = fc.constantFrom(
  'PT15M',
  'PT15M',
  'PT1H',
  'PT5M',
  'PT30M',
  'PT60M',
  'P1D',
  'P9999Y',
  'PT0S',
  '-PT15M',
  'P1W',
  'PT1.5S',
  'P1Y2M3DT4H5M6.7S',
);
const brokenDurations = fc.oneof(
  fc.constantFrom('15M', 'PT', 'P', 'PT15X', 'pt15m', 'PT-15M', 'P1Y2', 'T15M', '', 'PT15M ', 'PT1H\u0000'),
  fc.constantFrom(15, null, true, [], {}),
);

function brokenOf(schema: z.ZodType, options: Parameters<typeof validish>[1]): fc.Arbitrary<unknown> {
  if (schema === Duration) return brokenDurations;
  if (!contains(schema, Duration)) return broken(schema, options);
  const def = defOf(schema);
  const rec = (s: z.ZodType) => brokenOf(s, options);
  const notObject = fc.constantFrom(null, 1, 'x', true, [1]);
  switch (def.type) {
    case 'object': {
      const shape = def.shape ?? {};
      const keys = Object.keys(shape);
      const required = keys.filter((k) => !isOptional(shape[k] as z.ZodType));
      const base = validish(schema, options) as fc.Arbitrary<Record<string, unknown>>;
      const choices: fc.Arbitrary<unknown>[] = [notObject];
      if (required.length > 0)
        choices.push(
          fc.tuple(base, fc.constantFrom(...required)).map(([v, k]) => {
            const { [k]: _, ...rest } = v;
            return rest;
          }),
        );
      const field = fc.oneof(
        ...keys.map((k) =>
          fc.tuple(base, rec(shape[k] as z.ZodType)).map(([v, bad]) => ({ ...v, [k]: bad })),
        ),
      );
      choices.push(field, field, field);
      return fc.oneof(...choices);
    }
    case 'array': {
      const element = def.element as z.ZodType;
      const ok = validish(element, options);
      return fc.oneof(
        fc.constantFrom(null, 1, 'x', {}),
        fc
          .tuple(fc.array(ok, { maxLength: 1 }), rec(element), fc.array(ok, { maxLength: 1 }))
          .map(([a, bad, c]) => [...a, bad, ...c]),
      );
    }
    case 'nullable':
      return rec(def.innerType as z.ZodType).filter((v) => v !== null);
    case 'optional':
    case 'default':
    case 'prefault':
    case 'readonly':
      return rec(def.innerType as z.ZodType);
    case 'union':
      return fc.oneof(...(def.options ?? []).map(rec));
    case 'pipe':
      return rec(def.in as z.ZodType);
    default:
      return notObject;
  }
}

// ---- the world the fuzzer plays in (ids of real objects, tokens, secrets) ------------------------

let rt: LocalRuntime;
let receiver: HttpsReceiver;
let dynamo: DynamoDBClient;
const tokens: Record<'bl' | 'ven', string> = { bl: '', ven: '' };
const secrets: Record<string, string> = {};
const ids: Record<Family, string[]> = {
  program: [],
  event: [],
  report: [],
  subscription: [],
  ven: [],
  resource: [],
};
/** The events a VEN reads (ids of its own view of a command). */
let venEvents: string[] = [];
/** Events (the BL's and the VEN's view of them) kept from updates, deletes and opt-outs. */
const reservedBl: string[] = [];
/** Programs never deleted (updated, read and used by events, though). */
const keptPrograms: string[] = [];
const reservedVen: string[] = [];
/** Ids of objects deleted while fuzzing (404s to come). */
const gone: string[] = [];
const FAMILY_OF_TYPE: Record<string, Family> = {
  PROGRAM: 'program',
  EVENT: 'event',
  REPORT: 'report',
  SUBSCRIPTION: 'subscription',
  VEN: 'ven',
  RESOURCE: 'resource',
};

/** Keeps the pools of ids current: objects created are fuzzed on, deleted ones move to `gone`. */
function harvest(c: Case, a: Answer): void {
  if (a.status !== 200 && a.status !== 201) return;
  const op = ops[c.op];
  if (op.method === 'DELETE') {
    const id = decodeURIComponent(Object.values(c.segments)[0] ?? '');
    for (const list of [...Object.values(ids), venEvents]) {
      const i = list.indexOf(id);
      if (i >= 0) list.splice(i, 1);
    }
    gone.push(id);
    return;
  }
  if (op.method !== 'POST' || a.status !== 201) return;
  try {
    adopt(JSON.parse(a.text), c.who);
  } catch {
    // Not JSON: noted by the checks.
  }
}

/** The client that may change each object, and the program of each BL event. */
const owners = new Map<string, Who>();
const programOf = new Map<string, string>();

/** Adds an object the VTN created to the pools, with its owner (its `clientID`, else its creator). */
function adopt(
  body: { id?: unknown; objectType?: unknown; clientID?: unknown; programID?: unknown },
  who: Who,
): void {
  const family = FAMILY_OF_TYPE[String(body.objectType)];
  if (!family || typeof body.id !== 'string') return;
  ids[family].push(body.id);
  owners.set(body.id, body.clientID === VEN_CLIENT ? 'ven' : body.clientID === BL_CLIENT ? 'bl' : who);
  if (typeof body.programID === 'string') programOf.set(body.id, body.programID);
}

/** Numbers DynamoDB cannot store (below 1e-130) written as 0: the edge-number cases put them back. */
function tame(v: unknown): unknown {
  if (typeof v === 'number') return v !== 0 && Math.abs(v) < 1e-130 ? 0 : v;
  if (Array.isArray(v)) return v.map(tame);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tame(x)]));
  return v;
}

function pick<T>(items: readonly T[], fallback: T): readonly T[] {
  return items.length > 0 ? items : [fallback];
}

/** An instant in `offset` (`Z` or `+08:00`). */
function instant(ms: number, offset: 'Z' | '+08:00'): string {
  if (offset === 'Z') return new Date(ms).toISOString();
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, -1)}+08:00`;
}

function arbitraries() {
  const allIds = [...Object.values(ids).flat(), ...venEvents, ...gone];
  const everyId = [...allIds, ...keptPrograms];
  const anyId = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...pick(everyId, 'missing')) },
    { weight: 1, arbitrary: validish(ObjectId) as fc.Arbitrary<string> },
  );
  /** Any id but the kept ones. */
  const deletable = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...pick(allIds, 'missing')) },
    { weight: 1, arbitrary: validish(ObjectId) as fc.Arbitrary<string> },
  );
  const targetText = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        `building:${BUILDING}`,
        `park:${PARK}`,
        'zone:mengxi',
        VEN_CLIENT,
        'building:jq-office-1',
        'feeder:f-1',
        'building:',
        'nope:x',
      ),
    },
    { weight: 1, arbitrary: validish(Target) as fc.Arbitrary<string> },
  );
  const targetList = fc.array(targetText, { maxLength: 3 }).map((a) => a.join(','));
  const objectList = fc.subarray([...ObjectType.options]).map((a) => a.join(','));
  const callback = fc.constantFrom(
    `${receiver.url}fz-a`,
    `${receiver.url}fz-b?x=1`,
    `${receiver.url}fz-c`,
    'https://127.0.0.1:1/refused',
    'http://127.0.0.1/plain',
    'https://localhost:1/',
    'ftp://127.0.0.1/x',
  );
  // programDescriptions: optional(nullable(array(object({ URL })))).
  const descriptions = defOf(defOf(ProgramRequest.shape.programDescriptions).innerType as z.ZodType);
  const descriptionUrl = defOf(defOf(descriptions.innerType as z.ZodType).element as z.ZodType).shape
    ?.URL as z.ZodType;
  const overrides = new Map<z.ZodType, fc.Arbitrary<unknown>>([
    [ObjectId, anyId],
    [Duration, durations],
    [Target, targetText],
    [ObjectOperation.shape.callbackUrl, callback],
    [
      ObjectOperation.shape.bearerToken,
      fc.oneof(
        { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...'abcXYZ019-._~+/'), maxLength: 40 }) },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: validish(ObjectOperation.shape.bearerToken) },
      ),
    ],
    [descriptionUrl, fc.constantFrom('https://example.com/program', 'http://x.y/z', 'urn:isbn:1')],
    [ProgramsQuery.shape.targets, targetList],
    [EventsQuery.shape.targets, targetList],
    [VensQuery.shape.targets, targetList],
    [ResourcesQuery.shape.targets, targetList],
    [SubscriptionsQuery.shape.objects, objectList],
    [
      ClientCredentialRequest.shape.grant_type,
      fc.constantFrom('client_credentials', 'client_credentials', 'password', 'CLIENT_CREDENTIALS'),
    ],
    [ClientCredentialRequest.shape.client_id, fc.constantFrom(BL_CLIENT, VEN_CLIENT, 'fz-nobody', '')],
    [
      ClientCredentialRequest.shape.client_secret,
      fc.constantFrom(...pick(Object.values(secrets), 'x'), 'wrong-secret'),
    ],
    [ClientCredentialRequest.shape.scope, fc.subarray([...SCOPES]).map((s) => s.join(' '))],
  ]);
  const options = { overrides };

  /** A program a BL may well create: FlexDR's baseline and settlement as attributes. */
  const program = fc
    .record({
      name: fc.string({ minLength: 1, maxLength: 20 }),
      price: fc.double({ min: 0.01, max: 5, noNaN: true }),
      targets: fc.option(fc.array(targetText, { maxLength: 2 }), { nil: undefined }),
    })
    .map(({ name, price, targets }) => ({
      ...programFromFlexdr({
        programId: 'unused',
        name: `fz-${name}`,
        baseline: { method: 'N_DAY_AVERAGE', days: 5, dayFilter: 'WORKDAY', lookbackDays: 30 },
        settlement: { unit: 'YUAN_PER_KWH', price, minRatio: 0.8, maxRatio: 1.2 },
      } as never),
      ...(targets ? { targets } : {}),
    }));

  /** An event whose program exists, whose window is whole quarters around the paused clock. */
  const event = fc
    .record({
      programID: fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom(...pick(keptPrograms, 'missing')) },
        { weight: 1, arbitrary: fc.constantFrom(...pick(ids.program, 'missing')) },
      ),
      kind: fc.constantFrom('DISPATCH_SETPOINT_RELATIVE', 'FLEXDR_LOAD_INCREASE'),
      startQ: fc.integer({ min: -4, max: 96 }),
      kw: fc.array(fc.double({ min: 0, max: 40, noNaN: true }), { minLength: 1, maxLength: 4 }),
      targets: fc.subarray([`building:${BUILDING}`, 'building:bt-plant-1', `park:${PARK}`], { minLength: 1 }),
      offset: fc.constantFrom<'Z' | '+08:00'>('Z', '+08:00'),
      eventName: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
    })
    .map(({ programID, kind, startQ, kw, targets, offset, eventName }) => ({
      programID,
      ...(eventName !== undefined ? { eventName } : {}),
      targets,
      payloadDescriptors: [{ objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: kind, units: 'KW' }],
      intervalPeriod: {
        start: instant(Math.ceil((CLOCK_AT + startQ * QUARTER) / QUARTER) * QUARTER, offset),
        duration: 'PT15M',
      },
      intervals: kw.map((v, id) => ({ id, payloads: [{ type: kind, values: [v] }] })),
    }));

  /** A report on an event the VEN holds: meter data, or an opt-out. */
  const reportable = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...pick(venEvents, 'missing')) },
    { weight: 1, arbitrary: fc.constantFrom(...pick(ids.event, 'missing')) },
  );
  const optOutable = fc.constantFrom(
    ...pick(
      venEvents.filter((e) => !reservedVen.includes(e)),
      'missing',
    ),
  );
  const report = fc
    .record({
      kind: fc.constantFrom('DEMAND', 'DEMAND', 'USAGE', 'USAGE', 'OPT_OUT'),
      values: fc.array(fc.double({ min: 0, max: 500, noNaN: true }), { minLength: 1, maxLength: 4 }),
      startQ: fc.integer({ min: -8, max: 0 }),
      descriptors: fc.boolean(),
    })
    .chain((r) => (r.kind === 'OPT_OUT' ? optOutable : reportable).map((eventID) => ({ ...r, eventID })))
    .map(({ eventID, kind, values, startQ, descriptors }) => ({
      eventID,
      clientName: 'fz-ven-bms',
      reportName: `fz ${kind}`,
      ...(descriptors && kind !== 'OPT_OUT'
        ? {
            payloadDescriptors: [
              {
                objectType: 'REPORT_PAYLOAD_DESCRIPTOR',
                payloadType: kind,
                readingType: 'MEAN',
                units: kind === 'USAGE' ? 'KWH' : 'KW',
              },
            ],
          }
        : {}),
      resources: [
        {
          resourceName: 'AGGREGATED_REPORT',
          intervalPeriod: { start: instant(CLOCK_AT + startQ * QUARTER, '+08:00'), duration: 'PT15M' },
          intervals:
            kind === 'OPT_OUT'
              ? [{ id: 0, payloads: [{ type: 'OPERATING_STATE', values: ['IDLE_OPTED_OUT'] }] }]
              : values.map((v, id) => ({ id, payloads: [{ type: kind, values: [v] }] })),
        },
      ],
    }));

  /** A resource of a ven that exists. */
  const resource = fc
    .tuple(
      validish(ops.createResource.body as z.ZodType, options) as fc.Arbitrary<Record<string, unknown>>,
      fc.constantFrom(...pick(ids.ven, 'missing')),
    )
    .map(([r, venID]) => ({ ...r, venID }));

  const special: Partial<Record<OperationId, fc.Arbitrary<unknown>>> = {
    createProgram: program,
    updateProgram: program,
    createEvent: event,
    updateEvent: event,
    createReport: report,
    updateReport: report,
    createResource: resource,
    updateVenResource: resource,
  };
  /** A valid-ish body of the operation: from its schema, or (half the time) one that fits the world. */
  const bodyOf = (id: OperationId): fc.Arbitrary<unknown> | undefined => {
    const schema = ops[id].body;
    if (!schema) return undefined;
    if (id === 'fetchToken') return validish(ClientCredentialRequest, options);
    const own = validish(schema, options);
    const fit = special[id];
    return fit ? fc.oneof({ weight: 1, arbitrary: own }, { weight: 2, arbitrary: fit }) : own;
  };
  /** Real ids of the parameter's kind first, then any real id, then random ones. */
  const segmentOf = (param: string, method: string): fc.Arbitrary<string> => {
    const own = ids[FAMILY_OF_PARAM[param] as Family];
    const kept = param === 'eventID' ? reservedBl : param === 'programID' ? keptPrograms : [];
    if (method === 'DELETE')
      return fc
        .oneof(
          { weight: 2, arbitrary: fc.constantFrom(...pick(own, 'missing')) },
          { weight: 3, arbitrary: deletable },
        )
        .map(encodeURIComponent);
    const mine = [...own, ...(param === 'eventID' ? venEvents : []), ...(method === 'GET' ? kept : [])];
    return fc
      .oneof(
        { weight: 6, arbitrary: fc.constantFrom(...pick(mine, 'missing')) },
        { weight: 1, arbitrary: anyId },
      )
      .map(encodeURIComponent);
  };
  return { options, bodyOf, segmentOf, targetText };
}

// ---- hostile inputs ----------------------------------------------------------------------------

/** Segments that are no objectID once decoded (the path is never a dot-segment, which URLs remove). */
const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  (broken(ObjectId) as fc.Arbitrary<unknown>)
    .filter((v): v is string => typeof v === 'string' && v.length > 0 && !ObjectId.safeParse(v).success)
    .map((v) => encodeURIComponent(v.replace(/[\ud800-\udfff]/gu, '\ufffd')))
    .filter((s) => !/^(\.|%2e){1,2}$/i.test(s)),
  fc.constantFrom(
    'a%2Fb',
    'a%2F..%2F..%2Fetc',
    '..%2F',
    'x%00',
    '%00',
    '%20',
    'a%20b',
    '%E5%86%85%E8%92%99%E5%8F%A4',
    '%F0%9F%98%80',
    '%E2%80%AE',
    'a.b',
    'a:b',
    'a@b',
    '%3Cscript%3E',
    '%22%27',
    'ab%3F',
    'ab%23',
    '%25',
    '%2525',
  ),
  fc.integer({ min: 129, max: 6_000 }).map((n) => 'a'.repeat(n)),
  fc.integer({ min: 43, max: 1_000 }).map((n) => '%E5%86%85'.repeat(n)),
);
/** Percent-encoding that cannot be decoded: the gateway refuses it before any handler runs. */
const undecodableSegment = fc.constantFrom(
  '%zz',
  '%E0%A4%A',
  '%',
  '%%41',
  '%u0041',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
);

const hostileQueries = [
  'limit=51',
  'skip=-1',
  'limit=1e3',
  'limit=1e1',
  'limit=5&limit=6',
  'limit=1&limit=',
  'limit=',
  'limit=0x10',
  'limit=%20',
  'skip=1.5',
  'skip=2147483648',
  'skip=99999999999999999999',
  'limit=-0',
  'limit=NaN',
  'limit=%zz',
  'limit[]=1',
  'LIMIT=5',
  '=1',
  '__proto__=1',
  'constructor=1',
  'targets=',
  'targets=,,,',
  'targets=a&targets=b',
  `targets=${'t'.repeat(129)}`,
  'active=maybe',
  'active=TRUE',
  'active=',
  'active=true&active=false',
  'programID=',
  'programID=..%2Fx',
  'programID=%00',
  'eventID=a%20b',
  'venID=%E5%86%85',
  'objects=EVENT,NOPE',
  'objects=',
  'objects=event',
  'venName=',
  'clientName=',
  `clientName=${'c'.repeat(129)}`,
  `resourceName=${'%F0%9F%98%80'.repeat(40)}`,
  'skip=0&limit=50&extra=1',
];

const garbageAuth = fc.oneof(
  fc.constantFrom(
    'Bearer not-a-token',
    'Bearer ',
    'Bearer',
    'Basic Zno6Zno=',
    'bearer',
    'Token abc',
    `Bearer ${'a'.repeat(8_000)}`,
    'Bearer a b',
    'Bearer %00',
    'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJmeiJ9.',
  ),
  fc.uint8Array({ minLength: 1, maxLength: 48 }).map((b) => `Bearer ${Buffer.from(b).toString('base64url')}`),
);

const RAW_BODIES = [
  ...REFUSED_RAW_BODIES,
  '[{}]',
  '0',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"x":5e-324}',
  '{"x":-1e-200}',
  '{"x":1e999}',
  '{}',
  ' ',
];

/** Numbers to write in place of one number of a body (raw text, so -0 and 1e999 survive). */
const edgeNumbers = fc.constantFrom(
  '5e-324',
  '-5e-324',
  '1e-131',
  '2.2250738585072014e-308',
  '1e308',
  '-1e308',
  '1.7976931348623157e308',
  '9007199254740993',
  '-9007199254740993',
  '-0',
  '1e999',
  '-1e999',
  '0.1e-129',
  '1e-130',
  '2147483648',
);

/** The JSON text of `value` with one numeric leaf (or an added key) written as `literal`. */
function withNumber(value: unknown, literal: string, which: number): string {
  const marker = `__fz_${randomBytes(4).toString('hex')}__`;
  const leaves: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v))
      v.forEach((x, i) => {
        if (typeof x === 'number') leaves.push({ parent: v, key: i });
        else walk(x);
      });
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === 'number') leaves.push({ parent: v as Record<string, unknown>, key: k });
        else walk(x);
      }
  };
  const copy = structuredClone(value);
  walk(copy);
  const leaf = leaves[which % Math.max(1, leaves.length)];
  if (leaf) (leaf.parent as Record<string | number, unknown>)[leaf.key] = marker;
  else if (copy && typeof copy === 'object' && !Array.isArray(copy))
    (copy as Record<string, unknown>).fzNumber = marker;
  else return literal;
  return JSON.stringify(copy).replace(`"${marker}"`, literal);
}

/** The first key of a valid-ish body holding a value nested `depth` deep, written as text. */
function deepBody(value: unknown, depth: number, arrays: boolean, top: boolean): string {
  const deep = nestedText(depth, arrays);
  if (top || !value || typeof value !== 'object' || Array.isArray(value)) return deep;
  const [key] = Object.keys(value);
  const { [key ?? 'x']: _, ...rest } = value as Record<string, unknown>;
  return `${JSON.stringify(rest).slice(0, -1)}${Object.keys(rest).length ? ',' : ''}${JSON.stringify(key ?? 'x')}:${deep}}`;
}

/** A body as the handler reads it (`readBody`): form or JSON; `INVALID` when it cannot be read. */
const INVALID = Symbol('invalid');
function asRead(c: Case): unknown {
  if (c.bigBody !== undefined) return INVALID;
  const text = c.body;
  if (text === undefined || text === '') return undefined;
  if (/application\/x-www-form-urlencoded/i.test(c.contentType ?? ''))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    let tiny = false;
    const v: unknown = JSON.parse(text, (_k, x: unknown) => {
      if (typeof x === 'number' && x !== 0 && Math.abs(x) < 1e-130) tiny = true;
      return x;
    });
    return tiny ? INVALID : v;
  } catch {
    return INVALID;
  }
}

/** Whether the operation's schemas refuse what it would read of `c` (path, query and body). */
function schemaRefuses(c: Case): boolean {
  const op = ops[c.op];
  const read = asRead(c);
  if (read === INVALID) return true;
  if (!op.body && read !== undefined) return true;
  if (op.body) {
    const schema = c.op === 'fetchToken' ? ClientCredentialRequest : op.body;
    if (!schema.safeParse(read ?? {}).success) return true;
  }
  if (op.params) {
    try {
      const params = Object.fromEntries(
        Object.entries(c.segments).map(([k, v]) => [k, decodeURIComponent(v)]),
      );
      if (!op.params.safeParse(params).success) return true;
    } catch {
      return true;
    }
  }
  if (op.query && !op.query.safeParse(gatewayQuery(c)).success) return true;
  return false;
}

/** The query as the gateway hands it over (repeated keys joined with commas, like API Gateway). */
function gatewayQuery(c: Case): Record<string, string> {
  const params = new URL(`http://x/${queryString(c)}`).searchParams;
  const out: Record<string, string> = {};
  for (const key of new Set(params.keys())) out[key] = params.getAll(key).join(',');
  return out;
}

function queryString(c: Case): string {
  const qs = new URLSearchParams(c.query).toString();
  const all = [qs, c.rawQuery].filter(Boolean).join('&');
  return all ? `?${all}` : '';
}

const toQuery = (v: unknown): Record<string, string> =>
  Object.fromEntries(
    Object.entries(v as Record<string, unknown>).map(([k, x]) => [
      k,
      typeof x === 'string' ? x : typeof x === 'object' ? JSON.stringify(x) : String(x),
    ]),
  );
const toForm = (v: unknown): string =>
  v && typeof v === 'object' && !Array.isArray(v) ? new URLSearchParams(toQuery(v)).toString() : String(v);

const jsonTypes = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  '',
);
const anyType = fc.constantFrom(...CONTENT_TYPES, 'application/merge-patch+json');

// ---- the cases -----------------------------------------------------------------------------------

type World = ReturnType<typeof arbitraries>;

/** The valid parts of a request to `id`, with a client its scopes allow. */
function validParts(w: World, id: OperationId) {
  const op = ops[id];
  const roles = allowed(op);
  const params = paramNames(op);
  const body = w.bodyOf(id);
  const isToken = id === 'fetchToken';
  return fc.record({
    who: roles.length ? fc.constantFrom(...roles.map(whoOf)) : fc.constant<Who>('none'),
    segments: fc.record(
      Object.fromEntries(params.map((p) => [p, w.segmentOf(p, op.method)])),
    ) as fc.Arbitrary<Record<string, string>>,
    query: op.query ? validish(op.query, w.options).map(toQuery) : fc.constant<Record<string, string>>({}),
    value: body ? body.map(tame) : fc.constant(undefined),
    contentType: isToken ? fc.constant('application/x-www-form-urlencoded') : jsonTypes,
  });
}

const textOf = (id: OperationId, value: unknown, contentType: string) =>
  value === undefined
    ? undefined
    : id === 'fetchToken' && /form/.test(contentType)
      ? toForm(value)
      : JSON.stringify(value);

/** Requests `id` may accept or refuse: only 5xx, bad problems and undocumented answers count. */
function attempt(w: World, id: OperationId): fc.Arbitrary<Case> {
  const op = ops[id];
  const base = validParts(w, id).map(
    (p): Case => ({
      op: id,
      who: p.who,
      segments: p.segments,
      query: p.query,
      body: textOf(id, p.value, p.contentType),
      contentType: p.value === undefined ? undefined : p.contentType,
      what: 'valid-ish',
      refuse: false,
    }),
  );
  const choices: fc.Arbitrary<Case>[] = [base, base, base];
  // Reads and updates of an object by the client that owns it (an event keeping its program).
  const [param] = paramNames(op);
  const owned = param
    ? ids[FAMILY_OF_PARAM[param] as Family].filter((x) =>
        allowed(op)
          .map(whoOf)
          .includes(owners.get(x) as Who),
      )
    : [];
  if (param && op.method !== 'DELETE' && owned.length > 0)
    choices.push(
      fc.tuple(validParts(w, id), fc.constantFrom(...owned)).map(([p, target]): Case => {
        const program = programOf.get(target);
        const value =
          program && p.value && typeof p.value === 'object' ? { ...p.value, programID: program } : p.value;
        return {
          op: id,
          who: owners.get(target) as Who,
          segments: { [param]: encodeURIComponent(target) },
          query: p.query,
          body: textOf(id, value, p.contentType),
          contentType: value === undefined ? undefined : p.contentType,
          what: 'valid-ish on an owned object',
          refuse: false,
        };
      }),
    );
  if (id === 'fetchToken')
    choices.push(
      // JSON to the token endpoint (RFC 6749 asks for a form).
      validParts(w, id).map((p) => ({
        op: id,
        who: 'none' as const,
        segments: {},
        query: {},
        body: JSON.stringify(p.value),
        contentType: 'application/json',
        what: 'JSON credentials',
        refuse: false,
      })),
    );
  if (op.body && id !== 'fetchToken')
    choices.push(
      // Form-encoded bodies to a JSON operation.
      fc.tuple(validParts(w, id)).map(([p]) => ({
        op: id,
        who: p.who,
        segments: p.segments,
        query: p.query,
        body: toForm(p.value),
        contentType: 'application/x-www-form-urlencoded',
        what: 'form-encoded body',
        refuse: false,
      })),
      // Edge numbers in place of one number of a valid-ish body.
      fc.tuple(validParts(w, id), edgeNumbers, fc.nat()).map(([p, literal, which]) => ({
        op: id,
        who: p.who,
        segments: p.segments,
        query: p.query,
        body: withNumber(p.value, literal, which),
        contentType: 'application/json',
        what: `number ${literal}`,
        refuse: false,
      })),
    );
  if (op.query)
    choices.push(
      fc.tuple(validParts(w, id), fc.constantFrom(...hostileQueries)).map(([p, rawQuery]) => ({
        op: id,
        who: p.who,
        segments: p.segments,
        query: {},
        rawQuery,
        body: textOf(id, p.value, p.contentType),
        contentType: p.contentType,
        what: 'raw query',
        refuse: false,
      })),
    );
  // A refusal is required where the schemas already refuse it.
  return fc.oneof(...choices).map((c) => ({ ...c, refuse: schemaRefuses(c) }));
}

/** Requests `id` must refuse with a 4xx. */
/** Requests the operation must refuse; undefined when it has nothing to refuse (`GET /auth/server`). */
function refusal(w: World, id: OperationId): fc.Arbitrary<Case> | undefined {
  const op = ops[id];
  const params = paramNames(op);
  const parts = validParts(w, id);
  const make = (
    p: { who: Who; segments: Record<string, string>; query: Record<string, string> },
    extra: Partial<Case>,
  ): Case => ({
    op: id,
    who: p.who,
    segments: p.segments,
    query: p.query,
    what: '?',
    refuse: true,
    ...extra,
  });
  const bodyText = (p: { value: unknown; contentType: string }) => textOf(id, p.value, p.contentType);
  const choices: fc.Arbitrary<Case>[] = [];
  if (op.scope) {
    const lacking = (['BL', 'VEN'] as const).filter((r) => !allowed(op).includes(r)).map(whoOf);
    choices.push(
      fc.tuple(parts, fc.oneof(fc.constant(undefined), garbageAuth)).map(([p, auth]) =>
        make(p, {
          who: auth ? 'garbage' : 'none',
          ...(auth ? { auth } : {}),
          body: bodyText(p),
          contentType: p.contentType,
          what: auth ? 'garbage token' : 'no token',
        }),
      ),
    );
    if (lacking.length)
      choices.push(
        fc
          .tuple(parts, fc.constantFrom(...lacking))
          .map(([p, who]) =>
            make(p, { who, body: bodyText(p), contentType: p.contentType, what: 'token without the scope' }),
          ),
      );
  }
  if (params.length > 0)
    choices.push(
      fc.tuple(parts, fc.constantFrom(...params), hostileSegment).map(([p, param, seg]) =>
        make(p, {
          segments: { ...p.segments, [param]: seg },
          body: bodyText(p),
          contentType: p.contentType,
          what: `path ${param}`,
        }),
      ),
      fc.tuple(parts, fc.constantFrom(...params), undecodableSegment).map(([p, param, seg]) =>
        make(p, {
          segments: { ...p.segments, [param]: seg },
          body: bodyText(p),
          contentType: p.contentType,
          what: `undecodable path ${param}`,
        }),
      ),
    );
  if (op.query) {
    const schema = op.query;
    choices.push(
      fc
        .tuple(
          parts,
          (broken(schema, w.options) as fc.Arbitrary<unknown>)
            .filter((q) => typeof q === 'object' && q !== null && !Array.isArray(q))
            .map(toQuery),
        )
        .filter(([, q]) => !schema.safeParse(q).success && new URLSearchParams(q).toString().length < 12_000)
        .map(([p, query]) =>
          make(p, { query, body: bodyText(p), contentType: p.contentType, what: 'query' }),
        ),
      fc
        .tuple(parts, fc.constantFrom(...hostileQueries))
        .map(([p, rawQuery]) =>
          make(p, { query: {}, rawQuery, body: bodyText(p), contentType: p.contentType, what: 'raw query' }),
        )
        .filter(schemaRefuses),
    );
  }
  if (op.body) {
    const schema = id === 'fetchToken' ? ClientCredentialRequest : op.body;
    const brokenValue = brokenOf(schema, w.options);
    const json = id === 'fetchToken' ? anyType : jsonTypes;
    choices.push(
      fc
        .tuple(parts, brokenValue, json)
        .map(([p, v, contentType]) =>
          make(p, {
            body: /form/.test(contentType) ? toForm(v) : JSON.stringify(v),
            contentType,
            what: 'body',
          }),
        )
        .filter(schemaRefuses),
      fc
        .tuple(parts, brokenValue)
        .map(([p, v]) => make(p, { body: JSON.stringify(v), contentType: 'application/json', what: 'body' }))
        .filter(schemaRefuses),
      fc
        .tuple(parts, fc.constantFrom(...RAW_BODIES), anyType)
        .map(([p, body, contentType]) => make(p, { body, contentType, what: 'raw body' }))
        .filter(schemaRefuses),
      fc
        .tuple(parts, fc.integer({ min: 1_000, max: 100_000 }), fc.boolean(), fc.boolean())
        .map(([p, depth, arrays, top]) =>
          make(p, {
            body: deepBody(p.value, depth, arrays, top),
            contentType: 'application/json',
            what: `deep body (${depth})`,
          }),
        )
        .filter(schemaRefuses),
      fc
        .tuple(
          parts,
          edgeNumbers.filter((n) => n.includes('e-') && Math.abs(Number(n)) < 1e-130),
          fc.nat(),
        )
        .map(([p, literal, which]) =>
          make(p, {
            body: withNumber(p.value, literal, which),
            contentType: 'application/json',
            what: `number ${literal}`,
          }),
        ),
    );
    if (id !== 'fetchToken')
      choices.push(
        fc
          .tuple(parts)
          .map(([p]) =>
            make(p, {
              body: toForm(p.value),
              contentType: 'application/x-www-form-urlencoded',
              what: 'form body',
            }),
          )
          .filter(schemaRefuses),
      );
  } else if (op.method !== 'GET')
    // A GET's body has no meaning and is ignored (functions/openadr/handler.ts): only the other
    // methods without a body refuse one.
    choices.push(
      fc
        .tuple(
          parts,
          fc.oneof(
            fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'),
            fc.constantFrom(...RAW_BODIES),
          ),
          anyType,
        )
        .filter(([, body]) => body.length > 0)
        .map(([p, body, contentType]) => make(p, { body, contentType, what: 'stray body' })),
    );
  if (op.method !== 'GET')
    choices.push(
      fc
        .tuple(parts, fc.integer({ min: 1_048_577, max: 1_300_000 }), fc.constantFrom('x', '内'))
        .map(([p, n, ch]) =>
          make(p, {
            bigBody: ch === 'x' ? n : Math.ceil(n / 3),
            bigChar: ch,
            contentType: 'application/json',
            what: `body over 1 MB (${ch})`,
          }),
        ),
    );
  return choices.length > 0 ? fc.oneof(...choices) : undefined;
}

// ---- sending -------------------------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function pathOf(c: Case): string {
  let path = `/openadr3${ops[c.op].path}`;
  for (const [p, seg] of Object.entries(c.segments)) path = path.replace(`{${p}}`, seg);
  return `${path}${queryString(c)}`;
}

function bodyOf(c: Case): string | undefined {
  if (c.bigBody !== undefined) {
    const key = ops[c.op].body ? 'programName' : 'x';
    return `{"${key}":"${(c.bigChar ?? 'x').repeat(c.bigBody)}"}`;
  }
  return c.body;
}

function authOf(c: Case): string | undefined {
  if (c.who === 'bl' || c.who === 'ven') return `Bearer ${tokens[c.who]}`;
  return c.who === 'garbage' ? c.auth : undefined;
}

/** One request over node:http, which (unlike fetch) sends a body with GET and the path as written. */
function send(c: Case): Promise<Answer> {
  const body = bodyOf(c);
  const headers: Record<string, string> = {};
  const auth = authOf(c);
  if (auth !== undefined) headers.authorization = auth;
  if (c.contentType) headers['content-type'] = c.contentType;
  const bytes = body === undefined ? undefined : Buffer.from(body, 'utf8');
  if (bytes) headers['content-length'] = String(bytes.length);
  const url = new URL(rt.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: ops[c.op].method, path: pathOf(c), headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            contentType: res.headers['content-type'],
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

/** The request (its body cut at `max` characters) and the answer. */
const describeCase = (c: Case, a?: Answer, max = 300) =>
  `${ops[c.op].method} ${pathOf(c).slice(0, 240)} as ${c.who}${c.auth ? ` (${JSON.stringify(c.auth.slice(0, 40))})` : ''} [${c.what}; content-type ${JSON.stringify(c.contentType)}] body ${
    c.bigBody ? `<${c.bigBody} × ${c.bigChar}>` : JSON.stringify(c.body?.slice(0, max))
  }${a ? ` → ${a.status} ${a.text.slice(0, 400)}` : ''}`;

// ---- the store's fingerprint ---------------------------------------------------------------------

const fingerprint = () => fingerprintTables(dynamo);

// ---- the checks and tallies ----------------------------------------------------------------------

interface Finding {
  kind: string;
  key: string;
  example: string;
  count: number;
}
const findings = new Map<string, Finding>();
/** Refusals of operations for which the document lists no 4xx: reported, not failed. */
const UNDOCUMENTABLE = 'refusal the document lists no 4xx for';
function note(kind: string, key: string, example: string): void {
  const k = `${kind}|${key}`;
  const f = findings.get(k);
  if (f) f.count++;
  else findings.set(k, { kind, key, example, count: 1 });
}

const tally = {
  cases: 0,
  operations: new Set<OperationId>(),
  statuses: new Map<number, number>(),
  byOperation: new Map<OperationId, Map<number, number>>(),
  fiveXx: 0,
  valid: 0,
  refusalsChecked: 0,
};
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

/** Checks one answer; every violation is noted, none thrown. */
function check(c: Case, a: Answer): void {
  tally.cases++;
  tally.operations.add(c.op);
  tally.statuses.set(a.status, (tally.statuses.get(a.status) ?? 0) + 1);
  const mine = tally.byOperation.get(c.op) ?? new Map<number, number>();
  mine.set(a.status, (mine.get(a.status) ?? 0) + 1);
  tally.byOperation.set(c.op, mine);
  const op = ops[c.op];
  const shown = describeCase(c, a);
  if (TRACE.has(c.op)) console.log(`trace: ${shown}`);
  harvest(c, a);
  if (a.status >= 500) {
    tally.fiveXx++;
    note('5xx', `${c.op} ${a.status} ${c.what}`, describeCase(c, a, 5_000));
  }
  let body: unknown;
  let parsed = true;
  try {
    body = a.text ? JSON.parse(a.text) : undefined;
  } catch {
    parsed = false;
  }
  if (c.refuse && a.status < 400)
    note('not refused', `${c.op} ${a.status} ${c.what.replace(/\(.*\)/, '')}`, shown);
  if (a.status >= 400 && a.status < 500) {
    const p = body as { type?: unknown; title?: unknown; status?: unknown; detail?: unknown } | undefined;
    const problems: string[] = [];
    if (!parsed || !p || typeof p !== 'object') problems.push('not a JSON object');
    else {
      if (typeof p.type !== 'string') problems.push('no type');
      if (typeof p.title !== 'string') problems.push('no title');
      if (p.status !== a.status) problems.push(`status ${JSON.stringify(p.status)}`);
      if (typeof p.detail !== 'string' || p.detail.length === 0) problems.push('no detail');
    }
    if (problems.length)
      note('not a problem', `${a.status} ${problems.join(', ')} (${c.what.replace(/ \w+ID$/, '')})`, shown);
  }
  try {
    if (!parsed) throw new Error(`${c.op} ${a.status}: the body is not JSON`);
    validateResponse({
      method: op.method,
      path: op.path.replace(/\{\w+\}/g, 'x'),
      status: a.status,
      body,
      ...(a.contentType !== undefined ? { contentType: a.contentType } : {}),
    });
    tally.valid++;
  } catch (e) {
    const message = errorMessage(e);
    const documented = /status not documented \(documented: ([^)]*)\)/.exec(message)?.[1];
    // Where the document lists no 4xx at all for the operation, no refusal can be documented.
    const kind =
      documented !== undefined && a.status < 500 && !/\b4\d\d\b/.test(documented)
        ? UNDOCUMENTABLE
        : 'invalid against openadr3.yaml';
    note(kind, message.split('\n').slice(0, 3).join(' / ').slice(0, 240), shown);
  }
}

async function runBatch(batch: Case[]): Promise<void> {
  await rt.idle();
  const before = await fingerprint();
  const answers = await mapLimit(batch, CONCURRENCY, send);
  for (const [i, c] of batch.entries()) check(c, answers[i] as Answer);
  if (answers.every((a) => a.status >= 400 && a.status < 500)) {
    await rt.idle();
    const after = await fingerprint();
    if (after !== before)
      note(
        'store changed by refusals',
        `${before} → ${after}`,
        batch.map((c, i) => describeCase(c, answers[i])).join('\n'),
      );
    else tally.refusalsChecked += batch.length;
  }
}

// ---- the world, created through the API ------------------------------------------------------------

const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
  jsonCall(rt.url, method, path, { token, body });

const must = (method: string, path: string, token: string | undefined, body: unknown, status: number) =>
  mustCall(rt.url, method, path, status, { token, body });

async function createWorld(): Promise<void> {
  const operator = await rt.token({ role: 'operator', subject: 'fz-operator' });
  const bms = await rt.token({ role: 'bms', buildingIds: [BUILDING], subject: 'fz-bms' });
  await must(
    'POST',
    `/buildings/${BUILDING}/telemetry`,
    bms,
    {
      state: {
        buildingId: BUILDING,
        at: new Date(CLOCK_AT).toISOString(),
        netLoadKw: 200,
        assets: [
          { kind: 'battery', assetId: 'bat', soc: 0.8, powerKw: 0 },
          { kind: 'appliance', assetId: 'hvac', on: true, kw: 40 },
        ],
      },
      readings: [
        { buildingId: BUILDING, intervalStart: new Date(CLOCK_AT - QUARTER).toISOString(), kw: 200 },
      ],
    },
    202,
  );
  for (const [clientId, body, who] of [
    [BL_CLIENT, { role: 'BL' }, 'bl'],
    [VEN_CLIENT, { role: 'VEN', buildingIds: [BUILDING] }, 'ven'],
  ] as const) {
    const { clientSecret, accessToken } = await openadrClient(rt.url, operator, clientId, body);
    secrets[clientId] = clientSecret;
    tokens[who] = accessToken;
  }
  const program = await must(
    'POST',
    '/openadr3/programs',
    tokens.bl,
    programFromFlexdr({
      programId: 'unused',
      name: 'fz-program',
      baseline: { method: 'N_DAY_AVERAGE', days: 5, dayFilter: 'WORKDAY', lookbackDays: 30 },
      settlement: { unit: 'YUAN_PER_KWH', price: 1.2, minRatio: 0.8, maxRatio: 1.2 },
    } as never),
    201,
  );
  keptPrograms.push(program.id);
  owners.set(program.id, 'bl');
  // Three events on the VEN's building: the first is fuzzed on like any; the other two are never
  // updated, deleted or opted out of, so that the VEN keeps events to report on.
  for (const hour of [17, 18, 19]) {
    const event = await must(
      'POST',
      '/openadr3/events',
      tokens.bl,
      {
        programID: program.id,
        eventName: `fz ${hour}:00`,
        targets: [`building:${BUILDING}`],
        payloadDescriptors: [
          { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'DISPATCH_SETPOINT_RELATIVE', units: 'KW' },
        ],
        intervalPeriod: { start: `2026-11-26T${hour}:00:00+08:00`, duration: 'PT15M' },
        intervals: [0, 1].map((id) => ({
          id,
          payloads: [{ type: 'DISPATCH_SETPOINT_RELATIVE', values: [10] }],
        })),
      },
      201,
    );
    if (hour === 17) adopt(event, 'bl');
    else reservedBl.push(event.id);
  }
  await rt.idle();
  const held: { id: string; intervalPeriod?: { start?: string } }[] = await must(
    'GET',
    '/openadr3/events',
    tokens.ven,
    undefined,
    200,
  );
  venEvents.push(...held.map((e) => e.id));
  const late = ['2026-11-26T18:00:00+08:00', '2026-11-26T19:00:00+08:00'].map(Date.parse);
  reservedVen.push(
    ...held.filter((e) => late.includes(Date.parse(e.intervalPeriod?.start ?? ''))).map((e) => e.id),
  );
  if (reservedVen.length !== 2)
    throw new Error(`the VEN holds ${held.length} events, not the three expected`);
  if (venEvents.length === 0) throw new Error('the VEN holds no event: the fuzz would not reach reports');
  const report = await must(
    'POST',
    '/openadr3/reports',
    tokens.ven,
    {
      eventID: venEvents[0],
      clientName: 'fz-ven-bms',
      reportName: 'fz meter',
      resources: [
        {
          resourceName: 'AGGREGATED_REPORT',
          intervalPeriod: { start: instant(CLOCK_AT - QUARTER, '+08:00'), duration: 'PT15M' },
          intervals: [{ id: 0, payloads: [{ type: 'DEMAND', values: [180] }] }],
        },
      ],
    },
    201,
  );
  adopt(report, 'ven');
  for (const [who, name, body] of [
    ['ven', 'fz-ven-self', { objectType: 'VEN_VEN_REQUEST', venName: 'fz-ven-self' }],
    [
      'bl',
      'fz-ven-bl',
      {
        objectType: 'BL_VEN_REQUEST',
        venName: 'fz-ven-bl',
        clientID: VEN_CLIENT,
        targets: [`building:${BUILDING}`],
      },
    ],
  ] as const) {
    const ven = await must('POST', '/openadr3/vens', tokens[who], body, 201);
    adopt(ven, who);
    const resource = await must(
      'POST',
      '/openadr3/resources',
      tokens[who],
      who === 'ven'
        ? { objectType: 'VEN_RESOURCE_REQUEST', venID: ven.id, resourceName: `${name}-meter` }
        : {
            objectType: 'BL_RESOURCE_REQUEST',
            venID: ven.id,
            resourceName: `${name}-meter`,
            clientID: VEN_CLIENT,
          },
      201,
    );
    adopt(resource, who);
  }
  for (const [who, objects] of [
    ['ven', ['EVENT']],
    ['bl', ['REPORT', 'PROGRAM']],
  ] as const) {
    const subscription = await must(
      'POST',
      '/openadr3/subscriptions',
      tokens[who],
      {
        clientName: `fz-${who}`,
        objectOperations: [
          {
            objects,
            operations: ['CREATE', 'UPDATE', 'DELETE'],
            callbackUrl: `${receiver.url}fz-${who}`,
            bearerToken: `fz-${who}-bearer`,
          },
        ],
      },
      201,
    );
    adopt(subscription, who);
  }
  await rt.idle();
}

// ---- the tests -----------------------------------------------------------------------------------------

describe('fuzzing every OpenADR 3.1 operation', () => {
  let world: World;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    receiver = await startHttpsReceiver();
    rt = await startOpenadrLocal(CLOCK_AT, { seed: true, openadrWebhookCa: receiver.ca });
    dynamo = new DynamoDBClient({ endpoint: rt.dynamodbEndpoint, ...LOCAL_AWS });
    await createWorld();
    world = arbitraries();
  }, 120_000);

  afterAll(async () => {
    agent.destroy();
    dynamo?.destroy();
    await rt?.stop();
    await receiver?.close();
    process.off('unhandledRejection', onUnhandled);
  });

  it('the generators: broken bodies and queries are refused by their own schema', () => {
    for (const id of opIds) {
      const op = ops[id];
      const body = id === 'fetchToken' ? ClientCredentialRequest : op.body;
      if (body)
        for (const v of fc.sample(brokenOf(body, world.options), { seed: SEED, numRuns: 30 }))
          expect(
            body.safeParse(JSON.parse(JSON.stringify(v) ?? 'null')).success,
            `${id} ${JSON.stringify(v)?.slice(0, 200)}`,
          ).toBe(false);
      const refused = refusal(world, id);
      if (refused)
        for (const c of fc.sample(refused, { seed: SEED, numRuns: 20 }))
          if (!c.what.includes('token')) expect(schemaRefuses(c), describeCase(c)).toBe(true);
    }
  });

  it('refuses every hostile request with an RFC 7807 problem, leaving the store as it was', async () => {
    const any = fc.oneof(...opIds.flatMap((id) => refusal(world, id) ?? []));
    const batches = fc.sample(fc.array(any, { minLength: BATCH, maxLength: BATCH }), {
      seed: SEED,
      numRuns: REFUSAL_BATCHES,
    });
    for (const batch of batches) await runBatch(batch);
  });

  it('answers hand-written edge cases (each printed with its answer) as it answers the fuzz', async () => {
    const subscription = (bearerToken: string) =>
      JSON.stringify({
        clientName: 'fz-fixed',
        objectOperations: [
          { objects: ['EVENT'], operations: ['CREATE'], callbackUrl: `${receiver.url}fz-fixed`, bearerToken },
        ],
      });
    const own = ids.subscription.find((x) => owners.get(x) === 'ven') ?? 'missing';
    const json = { segments: {}, query: {}, contentType: 'application/json', refuse: false };
    const fixed: Case[] = [
      // A bearer token that cannot be an HTTP header value (it is sent as `authorization: Bearer …`).
      ...['内', '😀', 'a\nb', 'x\u0000', 'é'].map(
        (t): Case => ({
          ...json,
          op: 'createSubscription',
          who: 'ven',
          body: subscription(t),
          what: `bearerToken ${JSON.stringify(t)}`,
        }),
      ),
      {
        ...json,
        op: 'updateSubscription',
        who: 'ven',
        segments: { subscriptionID: own },
        body: subscription('内'),
        what: 'bearerToken "内"',
      },
      // A form-encoded body to a JSON operation; JSON credentials to the token endpoint.
      {
        ...json,
        op: 'createVen',
        who: 'ven',
        body: 'objectType=VEN_VEN_REQUEST&venName=fz-form',
        contentType: 'application/x-www-form-urlencoded',
        what: 'form-encoded body',
      },
      {
        ...json,
        op: 'fetchToken',
        who: 'none',
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: VEN_CLIENT,
          client_secret: secrets[VEN_CLIENT],
        }),
        what: 'JSON credentials',
      },
      // Query values that coerce to numbers they do not write.
      ...['limit=', 'limit=%20', 'skip=', 'limit=0x10', 'limit=1e1', 'limit=-0'].map(
        (rawQuery): Case => ({
          ...json,
          op: 'searchVens',
          who: 'bl',
          rawQuery,
          contentType: undefined,
          what: `query ${rawQuery}`,
        }),
      ),
      // Percent-encoding that does not decode, on an OpenADR path.
      ...['%zz', '%FF'].map(
        (seg): Case => ({
          ...json,
          op: 'searchProgramByProgramId',
          who: 'bl',
          segments: { programID: seg },
          contentType: undefined,
          what: 'undecodable path',
          refuse: true,
        }),
      ),
    ];
    for (const c of fixed) {
      await rt.idle();
      const a = await send(c);
      check(c, a);
      console.log(`hand-written: ${describeCase(c, a, 200)}`);
    }
    await rt.idle();
  });

  it('answers valid-ish requests to every operation without a 5xx, as the document says', async () => {
    // Each batch is drawn from the ids of the objects that exist by then (created ones join in).
    for (let i = 0; i < VALID_BATCHES; i++) {
      const w = arbitraries();
      const any = fc.oneof(...opIds.map((id) => attempt(w, id)));
      const [batch] = fc.sample(fc.array(any, { minLength: BATCH, maxLength: BATCH }), {
        seed: SEED + 1 + i,
        numRuns: 1,
      });
      await runBatch(batch ?? []);
      await rt.idle();
      const held = await call('GET', '/openadr3/events', tokens.ven);
      if (held.status === 200 && held.body.length > 0) venEvents = held.body.map((e: { id: string }) => e.id);
    }
  });

  it('sums up: every operation fuzzed, no 5xx, every refusal a problem, every answer documented', () => {
    const statuses = [...tally.statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    console.log(`OpenADR fuzz statuses: ${statuses.join(' ')} (seed ${SEED})`);
    console.log(
      [...tally.byOperation]
        .map(
          ([id, m]) =>
            `  ${id}: ${[...m]
              .sort(([a], [b]) => a - b)
              .map(([s, n]) => `${s}×${n}`)
              .join(' ')}`,
        )
        .join('\n'),
    );
    const byKind = new Map<string, Finding[]>();
    for (const f of findings.values()) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
    for (const [kind, list] of byKind) {
      console.log(`\n== ${kind}: ${list.reduce((n, f) => n + f.count, 0)} responses, ${list.length} kinds`);
      for (const f of list)
        console.log(`-- ${f.count}× ${f.key}\n   e.g. ${f.example.split('\n').join('\n        ')}`);
    }
    console.log(
      `OpenADR fuzz: ${tally.cases} cases over ${tally.operations.size} operations, ${tally.fiveXx} 5xx, ${tally.refusalsChecked} refusals with the store unchanged, ${tally.valid} responses valid against openadr3.yaml`,
    );
    expect(tally.operations.size).toBe(opIds.length);
    expect(unhandled).toEqual([]);
    expect(
      [...findings.values()]
        .filter((f) => f.kind !== UNDOCUMENTABLE)
        .map((f) => `${f.kind}: ${f.count}× ${f.key}`),
    ).toEqual([]);
  });
});
