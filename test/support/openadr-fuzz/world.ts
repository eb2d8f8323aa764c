import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type OpenadrOperation,
  type OperationId,
  openadrOperations,
} from '../../../functions/openadr/operations.ts';
import { LOCAL_AWS } from '../../../infra/local/dynamodb-local.ts';
import type { LocalRuntime } from '../../../infra/local/runtime.ts';
import { type ClientRole, hasScope, ROLE_SCOPES, type Scope } from '../../../lib/openadr/access.ts';
import { programFromFlexdr } from '../../../lib/openadr/mapping.ts';
import { type HttpsReceiver, startHttpsReceiver } from '../https-receiver.ts';
import { jsonCall, mustCall, openadrClient, startOpenadrLocal } from '../openadr-local.ts';

export const SEED = Number(process.env.FUZZ_SEED ?? 20_260_602);
/** Requests sent at once within a batch. */
export const CONCURRENCY = 8;
/** Requests per batch; the store is compared once per batch of refusals. */
export const BATCH = 25;
export const REFUSAL_BATCHES = Number(process.env.FUZZ_REFUSAL_BATCHES ?? 40);
export const VALID_BATCHES = Number(process.env.FUZZ_VALID_BATCHES ?? 40);
/** FUZZ_TRACE=<operationId,…> prints every case of those operations with its answer. */
export const TRACE = new Set((process.env.FUZZ_TRACE ?? '').split(',').filter(Boolean));
/** 12:00 in Beijing; the simulation clock stands still here. */
export const CLOCK_AT = Date.parse('2026-11-26T04:00:00Z');
export const QUARTER = 15 * 60_000;
/** The VEN's building (a battery and an HVAC), and its park. */
export const BUILDING = 'bt-office-1';
export const PARK = 'baotou-rare-earth';
export const BL_CLIENT = 'fz-bl';
export const VEN_CLIENT = 'fz-ven';

export type Who = 'bl' | 'ven' | 'none' | 'garbage';
export type Family = 'program' | 'event' | 'report' | 'subscription' | 'ven' | 'resource';

export interface Case {
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

export interface Answer {
  status: number;
  text: string;
  contentType: string | undefined;
}

export const ops = openadrOperations as Record<OperationId, OpenadrOperation>;
export const opIds = Object.keys(openadrOperations) as OperationId[];
export const paramNames = (op: OpenadrOperation) =>
  [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
export const FAMILY_OF_PARAM: Record<string, Family> = {
  programID: 'program',
  eventID: 'event',
  reportID: 'report',
  subscriptionID: 'subscription',
  venID: 'ven',
  resourceID: 'resource',
};
/** The clients whose token carries the scope the operation needs. */
export const allowed = (op: OpenadrOperation): ClientRole[] =>
  op.scope
    ? (['BL', 'VEN'] as const).filter((r) => hasScope({ scopes: ROLE_SCOPES[r] }, op.scope as Scope))
    : [];
export const whoOf = (r: ClientRole): Who => (r === 'BL' ? 'bl' : 'ven');

export let rt: LocalRuntime;
export let receiver: HttpsReceiver;
export let dynamo: DynamoDBClient;
export const tokens: Record<'bl' | 'ven', string> = { bl: '', ven: '' };
export const secrets: Record<string, string> = {};
export const ids: Record<Family, string[]> = {
  program: [],
  event: [],
  report: [],
  subscription: [],
  ven: [],
  resource: [],
};
/** The events a VEN reads (ids of its own view of a command). */
export const venEvents: string[] = [];
/** Events (the BL's and the VEN's view of them) kept from updates, deletes and opt-outs. */
export const reservedBl: string[] = [];
/** Programs never deleted (updated, read and used by events, though). */
export const keptPrograms: string[] = [];
export const reservedVen: string[] = [];
/** Ids of objects deleted while fuzzing (404s to come). */
export const gone: string[] = [];
const FAMILY_OF_TYPE: Record<string, Family> = {
  PROGRAM: 'program',
  EVENT: 'event',
  REPORT: 'report',
  SUBSCRIPTION: 'subscription',
  VEN: 'ven',
  RESOURCE: 'resource',
};

/** Keeps the pools of ids current: objects created are fuzzed on, deleted ones move to `gone`. */
export function harvest(c: Case, a: Answer): void {
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
export const owners = new Map<string, Who>();
export const programOf = new Map<string, string>();

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
export function tame(v: unknown): unknown {
  if (typeof v === 'number') return v !== 0 && Math.abs(v) < 1e-130 ? 0 : v;
  if (Array.isArray(v)) return v.map(tame);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tame(x)]));
  return v;
}

export function pick<T>(items: readonly T[], fallback: T): readonly T[] {
  return items.length > 0 ? items : [fallback];
}

/** An instant in `offset` (`Z` or `+08:00`). */
export function instant(ms: number, offset: 'Z' | '+08:00'): string {
  if (offset === 'Z') return new Date(ms).toISOString();
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, -1)}+08:00`;
}

// ---- the world, created through the API ------------------------------------------------------------

export const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
  jsonCall(rt.url, method, path, { token, body });

export const must = (
  method: string,
  path: string,
  token: string | undefined,
  body: unknown,
  status: number,
) => mustCall(rt.url, method, path, status, { token, body });

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

/** Starts the local VTN with an HTTPS receiver for callbacks, and creates the world the fuzz works on. */
export async function startFuzzWorld(): Promise<void> {
  receiver = await startHttpsReceiver();
  rt = await startOpenadrLocal(CLOCK_AT, { seed: true, openadrWebhookCa: receiver.ca });
  dynamo = new DynamoDBClient({ endpoint: rt.dynamodbEndpoint, ...LOCAL_AWS });
  await createWorld();
}

/** Stops what {@link startFuzzWorld} started. */
export async function stopFuzzWorld(): Promise<void> {
  dynamo?.destroy();
  await rt?.stop();
  await receiver?.close();
}
