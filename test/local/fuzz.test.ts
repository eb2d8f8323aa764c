/**
 * Property-based fuzzing of every HTTP route (over HTTP, through the local gateway, with a token of
 * a role the route allows) and of every bus consumer (its handler called directly with an
 * EventBridge envelope). Inputs come from the routes' and messages' own zod schemas
 * (`test/support/zod-arbitrary.ts`): valid-ish values, and values broken on purpose.
 *
 * Properties: never a 5xx; every 4xx answers JSON with a non-empty `message`; no unhandled
 * rejection; every refusal leaves both tables as they were (checked once per batch of requests that
 * all answered 4xx); a malformed bus message is refused without touching the store.
 *
 * Seeded: FUZZ_SEED=<n> replays a run (the seed is printed on failure); FUZZ_SHRINK=1 shrinks a
 * failing batch (slow: each step replays requests).
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { invocationOf, throwIfBatchFailed } from '../../functions/commons/bus.ts';
import { busFunctions } from '../../functions/definitions.ts';
import {
  type BusSubscription,
  busSubscriptions,
  type HttpRoute,
  httpRoutes,
  type RouteName,
} from '../../functions/routes.ts';
import { LOCAL_AWS } from '../../infra/local/dynamodb-local.ts';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import { type LocalRuntime, startLocal } from '../../infra/local/runtime.ts';
import { demoFleet } from '../../infra/local/sim/fleet.ts';
import { assertIsError, errorMessage } from '../../lib/caught-errors.ts';
import { mapLimit } from '../../lib/concurrency.ts';
import { Id } from '../../lib/domain/model/common.ts';
import { GridEvent } from '../../lib/domain/model/grid-event.ts';
import { messages } from '../../lib/messages.ts';
import { CONTENT_TYPES, nestedText, REFUSED_RAW_BODIES } from '../support/hostile-inputs.ts';
import { fingerprintTables, STORE_TABLES } from '../support/store-snapshot.ts';
import { broken, validish } from '../support/zod-arbitrary.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_601);
const SHRINK = process.env.FUZZ_SHRINK === '1';
/** Requests sent at once within a batch. */
const CONCURRENCY = 8;
/** Requests per batch; the store is compared once per batch. */
const BATCH = 25;
const REFUSAL_BATCHES = 300;
const VALID_BATCHES = 100;
const BUS_RUNS = 250;
const BUS_BATCH = 6;
/** The simulation clock stands still here, so nothing fires on its own while fuzzing. */
const CLOCK_AT = Date.parse('2026-11-26T04:00:00Z');

const fleet = demoFleet();
const PARK_IDS = fleet.parks.map((p) => p.parkId);
const BUILDING_IDS = fleet.buildings.map((b) => b.buildingId);
const POOL = [...PARK_IDS, ...BUILDING_IDS, 'mengxi-dr-2026', 'mengxi-valley-2026', 'sim'];

type Role = 'operator' | 'parkManager' | 'bms';

interface Case {
  route: RouteName;
  role: Role;
  /** Path segments of the route's parameters, as sent (already percent-encoded). */
  segments: Record<string, string>;
  query: Record<string, string>;
  /** Raw query string to append as is (duplicate keys and the like). */
  rawQuery?: string;
  body?: string;
  /** A body of this many bytes, made when sending (kept out of the case so failures print short). */
  bigBody?: number;
  contentType?: string;
  /** What was broken, for the failure message. */
  what: string;
}

interface Answer {
  status: number;
  text: string;
}

const routeNames = Object.keys(httpRoutes) as RouteName[];
const route = (name: RouteName): HttpRoute => httpRoutes[name];
const paramNames = (r: HttpRoute) => [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
const takesBody = (r: HttpRoute) => r.method !== 'GET';

// ---- the generators ----------------------------------------------------------------------------

const randomId = validish(Id) as fc.Arbitrary<string>;
const poolId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...POOL) },
  { weight: 2, arbitrary: randomId },
);

/** A grid event whose window, targets and notice agree, around the paused clock. */
const consistentEvent = fc
  .tuple(
    validish(GridEvent, { overrides: new Map([[Id, poolId]]) }) as fc.Arbitrary<Record<string, unknown>>,
    fc.integer({ min: -4, max: 96 }),
    fc.integer({ min: 1, max: 8 }),
    fc.integer({ min: 0, max: 8 }),
    fc.array(fc.double({ min: 0, max: 2_000, noNaN: true }), { minLength: 8, maxLength: 8 }),
    fc.constantFrom('mengxi-dr-2026', 'mengxi-valley-2026'),
    fc.subarray(PARK_IDS, { minLength: 1 }),
  )
  .map(([e, startQ, n, noticeQ, targets, programId, parkIds]) => {
    const minutes = (e.intervalMinutes as number | undefined) ?? 15;
    const step = minutes * 60_000;
    const start = Math.ceil((CLOCK_AT + startQ * 15 * 60_000) / step) * step;
    return {
      ...e,
      programId,
      scope: { parkIds },
      start: new Date(start).toISOString(),
      end: new Date(start + n * step).toISOString(),
      noticeAt: new Date(start - noticeQ * step).toISOString(),
      targetsKw: targets.slice(0, n),
    };
  });

const validOptions = {
  overrides: new Map<z.ZodType, fc.Arbitrary<unknown>>([
    [Id, poolId],
    [GridEvent, consistentEvent],
  ]),
};

/** Path segments that must not pass as an id: encoded hostile ids, bad percent-encoding, very long ids. */
const brokenSegment: fc.Arbitrary<string> = fc.oneof(
  (broken(Id) as fc.Arbitrary<unknown>)
    .filter((v): v is string => typeof v === 'string' && v.length > 0 && !Id.safeParse(v).success)
    // Lone surrogates cannot be percent-encoded as UTF-8; their WTF-8 bytes are sent raw below.
    .map((v) => encodeURIComponent(v.replace(/[\ud800-\udfff]/gu, '\ufffd'))),
  fc.constantFrom(
    '%zz',
    '%E0%A4%A',
    '%',
    '%%41',
    '%u0041',
    '%C0%AF',
    '%ED%A0%80',
    '%FF',
    'a%2F..%2F..%2Fetc',
    '..%2F',
    '%2e%2e%2f',
    'x%00',
    '%00',
  ),
  fc.integer({ min: 129, max: 8_000 }).map((n) => 'a'.repeat(n)),
);

const toQuery = (v: unknown): Record<string, string> =>
  Object.fromEntries(
    Object.entries(v as Record<string, unknown>).map(([k, x]) => [
      k,
      typeof x === 'string' ? x : typeof x === 'object' ? JSON.stringify(x) : String(x),
    ]),
  );

function validParts(r: HttpRoute, options = validOptions) {
  const segments = fc.record(
    Object.fromEntries(
      paramNames(r).map((p) => [p, (validish(Id, options) as fc.Arbitrary<string>).map(encodeURIComponent)]),
    ),
  ) as fc.Arbitrary<Record<string, string>>;
  const query = r.query ? validish(r.query, options).map(toQuery) : fc.constant({});
  const body = r.body ? validish(r.body, options).map((b) => JSON.stringify(b)) : fc.constant(undefined);
  return { segments, query, body };
}

/** A role the route allows (the public routes take any token). */
const roleOf = (r: HttpRoute): fc.Arbitrary<Role> =>
  r.roles.length
    ? fc.constantFrom(...(r.roles as readonly Role[]))
    : fc.constantFrom<Role>('operator', 'bms');
const contentType = fc.constantFrom(...CONTENT_TYPES);

/** Raw texts that are not JSON, or JSON the handlers must refuse whatever the route. */
const rawBodies = fc.constantFrom(...REFUSED_RAW_BODIES);

/** A text nested `depth` deep, written as text so the test itself does not recurse. */
const deepText = fc
  .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.boolean())
  .map(([depth, arr]) => nestedText(depth, arr));

/** JSON text of `value` with one key written twice: first valid, last the broken value. */
function duplicateKey(valid: Record<string, unknown>, key: string, bad: unknown): string {
  const { [key]: good, ...rest } = valid;
  const head = JSON.stringify({ ...rest, [key]: good ?? 1 }).slice(0, -1);
  return `${head},${JSON.stringify(key)}:${JSON.stringify(bad)}}`;
}

/** Whether the wire form of a body is refused by the route's schema (JSON as the handler parses it). */
function refusedBody(schema: z.ZodType, text: string): boolean {
  try {
    return !schema.safeParse(JSON.parse(text)).success;
  } catch {
    return true;
  }
}

/** Requests each route must refuse with a 4xx. */
function refusal(name: RouteName): fc.Arbitrary<Case> {
  const r = route(name);
  const ok = validParts(r);
  const params = paramNames(r);
  const base = fc.record({ role: roleOf(r), contentType, segments: ok.segments, query: ok.query });
  const choices: fc.Arbitrary<Case>[] = [];
  const withBody = (b: fc.Arbitrary<string | undefined>) => b;
  if (params.length > 0)
    choices.push(
      fc
        .tuple(base, withBody(ok.body), fc.constantFrom(...params), brokenSegment)
        .map(([c, body, p, seg]) => ({
          ...c,
          route: name,
          segments: { ...c.segments, [p]: seg },
          body,
          what: `path ${p}`,
        })),
    );
  if (r.query) {
    const schema = r.query;
    choices.push(
      fc
        .tuple(
          base,
          (broken(schema) as fc.Arbitrary<unknown>)
            .filter((q) => typeof q === 'object' && q !== null && !Array.isArray(q))
            .map(toQuery),
        )
        // Within Node's 16 KB request head (beyond it Node answers 431 before any handler runs).
        .filter(([, q]) => !schema.safeParse(q).success && new URLSearchParams(q).toString().length < 12_000)
        .map(([c, query]) => ({ ...c, route: name, query, what: 'query' })),
      fc
        .tuple(
          base,
          fc.constantFrom(
            'limit=5&limit=6',
            'limit=1&limit=',
            'cursor=a&cursor=b&limit=x',
            'limit=%zz',
            'limit[]=1',
            'LIMIT=5',
            '=1',
          ),
        )
        .map(([c, rawQuery]) => ({ ...c, route: name, query: {}, rawQuery, what: 'raw query' })),
    );
  }
  if (r.body) {
    const schema = r.body;
    const brokenText = (broken(schema) as fc.Arbitrary<unknown>)
      .map((b) => JSON.stringify(b))
      .filter((t) => refusedBody(schema, t));
    choices.push(
      fc.tuple(base, brokenText).map(([c, body]) => ({ ...c, route: name, body, what: 'body' })),
      fc.tuple(base, brokenText).map(([c, body]) => ({ ...c, route: name, body, what: 'body' })),
      fc.tuple(base, rawBodies).map(([c, body]) => ({ ...c, route: name, body, what: 'raw body' })),
      fc.tuple(base, deepText).map(([c, body]) => ({ ...c, route: name, body, what: 'deep body' })),
      fc
        .tuple(base, validish(schema, validOptions), fc.jsonValue({ maxDepth: 1 }))
        .map(([c, v, bad]) => {
          const obj = (typeof v === 'object' && v && !Array.isArray(v) ? v : {}) as Record<string, unknown>;
          const keys = Object.keys(obj);
          return { ...c, route: name, body: duplicateKey(obj, keys[0] ?? 'x', bad), what: 'duplicate key' };
        })
        .filter((c) => refusedBody(schema, c.body)),
    );
  }
  if (takesBody(r) && !r.body)
    choices.push(
      fc
        .tuple(
          base,
          fc.oneof(
            fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'),
            rawBodies,
          ),
        )
        .map(([c, body]) => ({ ...c, route: name, body, what: 'stray body' })),
    );
  if (takesBody(r))
    choices.push(
      fc
        .tuple(base, fc.integer({ min: 1_048_577, max: 1_300_000 }))
        .map(([c, bigBody]) => ({ ...c, route: name, bigBody, what: 'body over 1 MB' })),
    );
  return fc.oneof(...choices);
}

/** Requests each route may accept or refuse; only 5xx and unexplained refusals are failures. */
function attempt(name: RouteName): fc.Arbitrary<Case> {
  const r = route(name);
  const ok = validParts(r);
  return fc
    .record({
      role: roleOf(r),
      contentType,
      segments: ok.segments,
      query: ok.query,
      body: ok.body,
    })
    .map((c) => ({ ...c, route: name, what: 'valid-ish' }));
}

// ---- sending -----------------------------------------------------------------------------------

let rt: LocalRuntime;
const tokens = new Map<Role, string>();

function urlOf(c: Case): string {
  let path = route(c.route).path;
  for (const [p, seg] of Object.entries(c.segments)) path = path.replace(`{${p}}`, seg);
  const qs = new URLSearchParams(c.query).toString();
  const all = [qs, c.rawQuery].filter(Boolean).join('&');
  return `${rt.url}${path}${all ? `?${all}` : ''}`;
}

function bodyOf(c: Case): string | undefined {
  if (c.bigBody !== undefined) return `{"name":"${'x'.repeat(c.bigBody)}"}`;
  return c.body;
}

async function send(c: Case): Promise<Answer> {
  const r = route(c.route);
  const headers: Record<string, string> = { authorization: `Bearer ${tokens.get(c.role)}` };
  if (c.contentType) headers['content-type'] = c.contentType;
  const body = r.method === 'GET' ? undefined : bodyOf(c);
  const res = await fetch(urlOf(c), { method: r.method, headers, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, text: await res.text() };
}

const describeCase = (c: Case, a?: Answer) =>
  `${route(c.route).method} ${urlOf(c).slice(0, 300)} as ${c.role} (${c.what}, content-type ${JSON.stringify(c.contentType)}) body ${
    c.bigBody ? `<${c.bigBody} bytes>` : JSON.stringify(c.body?.slice(0, 300))
  }${a ? ` → ${a.status} ${a.text.slice(0, 300)}` : ''}`;

/** The 4xx property: a JSON body with a non-empty message. */
function explainedRefusal(a: Answer): boolean {
  try {
    const body = JSON.parse(a.text) as { message?: unknown };
    return typeof body.message === 'string' && body.message.length > 0;
  } catch {
    return false;
  }
}

// ---- the store's fingerprint -------------------------------------------------------------------

let dynamo: DynamoDBClient;

const fingerprint = (tables: readonly string[] = STORE_TABLES): Promise<string> =>
  fingerprintTables(dynamo, tables);

// ---- the tallies -------------------------------------------------------------------------------

const tally = {
  httpCases: 0,
  routes: new Set<RouteName>(),
  statuses: new Map<number, number>(),
  refusalsChecked: 0,
  busCases: 0,
  fiveXx: 0,
};
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

function count(c: Case, a: Answer) {
  tally.httpCases++;
  tally.routes.add(c.route);
  tally.statuses.set(a.status, (tally.statuses.get(a.status) ?? 0) + 1);
  if (a.status >= 500) tally.fiveXx++;
}

const fcParams = <T>(numRuns: number): fc.Parameters<T> => ({
  seed: SEED,
  numRuns,
  endOnFailure: !SHRINK,
  reporter: (details) => {
    // The property's own error names the offending request; the whole batch would drown it.
    if (details.failed)
      throw new Error(
        `property failed after ${details.numRuns} runs (seed ${SEED}, path ${details.counterexamplePath}; replay with FUZZ_SEED=${SEED}${SHRINK ? '' : ', FUZZ_SHRINK=1 to shrink'}):\n${errorMessage(details.errorInstance)}`,
      );
  },
});

describe('fuzzing every HTTP route and bus consumer', () => {
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    rt = await startLocal({
      inMemory: true,
      port: 0,
      simulator: false,
      quiet: true,
      speed: 0,
      startAt: CLOCK_AT,
    });
    tokens.set('operator', await rt.token({ role: 'operator' }));
    tokens.set('parkManager', await rt.token({ role: 'parkManager', parkIds: PARK_IDS }));
    tokens.set('bms', await rt.token({ role: 'bms', buildingIds: BUILDING_IDS }));
    dynamo = new DynamoDBClient({ endpoint: rt.dynamodbEndpoint, ...LOCAL_AWS });
  });

  afterAll(async () => {
    dynamo?.destroy();
    await rt?.stop();
    process.off('unhandledRejection', onUnhandled);
  });

  it('the generators: broken values are refused by their own schema; valid-ish ones pass the shape', () => {
    const schemas = new Set<z.ZodType>();
    for (const r of Object.values(httpRoutes) as HttpRoute[])
      for (const s of [r.params, r.query, r.body]) if (s) schemas.add(s);
    for (const m of Object.values(messages)) schemas.add(m.schema);
    for (const s of schemas) {
      for (const v of fc.sample(broken(s), { seed: SEED, numRuns: 40 })) {
        const wire = JSON.parse(JSON.stringify(v) ?? 'null');
        // Query schemas coerce text; their broken values are checked as the route sees them.
        if (s === httpRoutes['list-parks'].query) continue;
        expect(s.safeParse(wire).success, JSON.stringify(v)?.slice(0, 200)).toBe(false);
      }
      // Valid-ish values may miss object-level refinements, but never the basic shape.
      fc.sample(validish(s, validOptions), { seed: SEED, numRuns: 20 });
    }
  });

  it('refuses every broken request with a 4xx and an explained message, leaving the store as it was', async () => {
    const refusable = routeNames.filter((n) => {
      const r = route(n);
      return r.params || r.query || r.body || takesBody(r);
    });
    // Bodies over API Gateway's 10 MB, sent once per route that takes a body (the gateway's own 413).
    const huge = refusable
      .filter((n) => takesBody(route(n)))
      .slice(0, 3)
      .map(
        (n): Case => ({
          route: n,
          role: route(n).roles[0] as Role,
          segments: Object.fromEntries(paramNames(route(n)).map((p) => [p, 'x'])),
          query: {},
          bigBody: 10 * 1024 * 1024 + 1,
          what: 'body over 10 MB',
        }),
      );
    const before = await fingerprint();
    for (const c of huge) {
      const a = await send(c);
      count(c, a);
      expect(a.status, describeCase(c, a)).toBe(413);
      expect(explainedRefusal(a), describeCase(c, a)).toBe(true);
    }
    expect(await fingerprint()).toBe(before);
    tally.refusalsChecked += huge.length;

    // Regressions the fuzzer found: both were 500s.
    const regressions: Case[] = [
      // Malformed percent-encoding in a path parameter (the gateway's decodeURIComponent threw).
      ...['%zz', '%FF', '%E0%A4%A', '%ED%A0%80'].map(
        (seg): Case => ({
          route: 'get-park',
          role: 'operator',
          segments: { parkId: seg },
          query: {},
          what: 'regression',
        }),
      ),
      // A number DynamoDB cannot store (magnitude below 1e-130) reached the write and failed it.
      {
        route: 'create-event',
        role: 'operator',
        segments: {},
        query: {},
        what: 'regression',
        body: JSON.stringify({
          eventId: 'fz-tiny',
          programId: 'mengxi-dr-2026',
          type: 'VALLEY_FILLING',
          start: '2026-11-26T22:30:00.000Z',
          end: '2026-11-26T23:00:00.000Z',
          targetsKw: [5e-324, 100],
          scope: { parkIds: ['hohhot-jinqiao'] },
          noticeAt: '2026-11-26T22:15:00.000Z',
        }),
      },
    ];
    for (const c of regressions) {
      const a = await send(c);
      count(c, a);
      expect(a.status, describeCase(c, a)).toBe(400);
      expect(explainedRefusal(a), describeCase(c, a)).toBe(true);
    }
    expect(await fingerprint()).toBe(before);
    tally.refusalsChecked += regressions.length;

    const anyRefusal = fc.oneof(...refusable.map(refusal));
    await fc.assert(
      fc.asyncProperty(fc.array(anyRefusal, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const fp = await fingerprint();
        const answers = await mapLimit(batch, CONCURRENCY, send);
        for (const [i, c] of batch.entries()) count(c, answers[i] as Answer);
        batch.forEach((c, i) => {
          const a = answers[i] as Answer;
          if (a.status < 400 || a.status >= 500) throw new Error(`expected a 4xx: ${describeCase(c, a)}`);
          if (!explainedRefusal(a)) throw new Error(`a 4xx without a JSON message: ${describeCase(c, a)}`);
        });
        const after = await fingerprint();
        if (after !== fp)
          throw new Error(
            `the store changed (${fp} → ${after}) in a batch of refusals:\n${batch.map((c) => describeCase(c)).join('\n')}`,
          );
        tally.refusalsChecked += batch.length;
      }),
      fcParams(REFUSAL_BATCHES),
    );
    expect(unhandled).toEqual([]);
  });

  it('answers valid-ish requests to every route without a 5xx; batches of refusals leave the store as it was', async () => {
    const anyAttempt = fc.oneof(...routeNames.map(attempt));
    await fc.assert(
      fc.asyncProperty(fc.array(anyAttempt, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        await rt.idle();
        const fp = await fingerprint();
        const answers = await mapLimit(batch, CONCURRENCY, send);
        for (const [i, c] of batch.entries()) count(c, answers[i] as Answer);
        batch.forEach((c, i) => {
          const a = answers[i] as Answer;
          if (a.status >= 500) throw new Error(`a 5xx: ${describeCase(c, a)}`);
          if (a.status >= 400 && !explainedRefusal(a))
            throw new Error(`a 4xx without a JSON message: ${describeCase(c, a)}`);
        });
        if (answers.every((a) => a.status >= 400 && a.status < 500)) {
          await rt.idle();
          const after = await fingerprint();
          if (after !== fp)
            throw new Error(
              `the store changed (${fp} → ${after}) in a batch of refusals:\n${batch.map((c) => describeCase(c)).join('\n')}`,
            );
          tally.refusalsChecked += batch.length;
        }
      }),
      fcParams(VALID_BATCHES),
    );
    await rt.idle();
    expect(unhandled).toEqual([]);
  });

  it('bus consumers refuse malformed messages without touching the store; well-formed ones for unknown events change nothing', async () => {
    const context = (name: string) =>
      lambdaContext(name, { timeoutMs: 60_000, memoryMb: 1024, logStream: 'fuzz' });
    type Handler = (event: unknown, context: Context) => Promise<unknown>;
    const handlers = new Map<string, Handler>();
    for (const sub of busSubscriptions)
      handlers.set(sub.name, rt.functions.get(busFunctions[sub.name].id)?.handler as Handler);

    const envelope = (detailType: string, source: string, detail: unknown) => ({
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: '000000000000',
      time: new Date(CLOCK_AT).toISOString(),
      region: LOCAL_AWS.region,
      resources: [],
      detail,
    });
    // Ids no event has: a well-formed message about them must change nothing.
    const unknownId = (validish(Id) as fc.Arbitrary<string>).map((s) => `fz-${s}`.slice(0, 128));
    const brokenEnvelope = fc.constantFrom<(e: Record<string, unknown>) => unknown>(
      ({ detail: _, ...e }) => e,
      (e) => ({ ...e, detail: JSON.stringify(e.detail) }),
      (e) => ({ ...e, detail: null }),
      (e) => ({ ...e, time: 'yesterday' }),
      ({ 'detail-type': _, ...e }) => e,
      (e) => ({ ...e, resources: 'none' }),
      () => null,
      () => 'text',
      () => [],
    );
    const busCase = fc.constantFrom(...busSubscriptions).chain((sub) => {
      const m = messages[sub.message];
      const valid = validish(m.schema, { overrides: new Map([[Id, unknownId]]) });
      return fc.oneof(
        valid.map((detail) => ({ sub, event: envelope(sub.message, m.source, detail), ok: true })),
        (broken(m.schema) as fc.Arbitrary<unknown>)
          .filter((d) => !m.schema.safeParse(JSON.parse(JSON.stringify(d) ?? 'null')).success)
          .map((detail) => ({ sub, event: envelope(sub.message, m.source, detail), ok: false })),
        fc.tuple(valid, brokenEnvelope).map(([detail, breakIt]) => ({
          sub,
          event: breakIt(envelope(sub.message, m.source, detail)),
          ok: false,
        })),
      );
    });
    const refusedBy = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(busCase, { minLength: BUS_BATCH, maxLength: BUS_BATCH }), async (batch) => {
        const main = await fingerprint(['flexdr']);
        const both = await fingerprint();
        let allRefused = true;
        for (const c of batch) {
          const handler = handlers.get(c.sub.name) as Handler;
          // A queued consumer gets its SQS batch (of the one message), and names a refused message
          // back instead of throwing: that is its refusal.
          const sub = c.sub as BusSubscription;
          const outcome = await handler(invocationOf(sub, c.event), context(c.sub.name)).then(
            (result) => {
              try {
                throwIfBatchFailed(sub, result);
                return undefined;
              } catch (e) {
                assertIsError(e);
                return Object.assign(e, { name: 'BatchItemFailure' });
              }
            },
            (e: unknown) => {
              assertIsError(e);
              return e;
            },
          );
          tally.busCases++;
          const shown = `${c.sub.name} ${JSON.stringify(c.event)?.slice(0, 400)}`;
          if (c.ok && outcome) throw new Error(`a well-formed message failed: ${shown}: ${outcome.stack}`);
          if (!c.ok) {
            if (!outcome) throw new Error(`a malformed message was accepted: ${shown}`);
            if (outcome.name !== 'ParseError' && !(sub.queue && outcome.name === 'BatchItemFailure'))
              throw new Error(`refused with ${outcome.name}, not a parse error: ${shown}: ${outcome.stack}`);
            refusedBy.set(c.sub.name, (refusedBy.get(c.sub.name) ?? 0) + 1);
          } else allRefused = false;
        }
        await rt.idle();
        if ((await fingerprint(['flexdr'])) !== main)
          throw new Error(`the store changed:\n${batch.map((c) => c.sub.name).join('\n')}`);
        if (allRefused && (await fingerprint()) !== both)
          throw new Error(
            `the idempotency table changed on refusals:\n${batch.map((c) => c.sub.name).join('\n')}`,
          );
      }),
      fcParams(BUS_RUNS),
    );
    expect([...refusedBy.keys()].sort()).toEqual(busSubscriptions.map((s) => s.name).sort());
    expect(unhandled).toEqual([]);
  });

  it('sums up: at least 10,000 HTTP cases over every route, no 5xx, no unhandled rejection', () => {
    const statuses = [...tally.statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    console.log(
      `fuzzing statuses: ${statuses.join(' ')}; refusals with the store compared: ${tally.refusalsChecked}`,
    );
    console.log(
      `fuzzing: ${tally.httpCases} HTTP cases over ${tally.routes.size} routes, ${tally.busCases} bus cases; ${tally.fiveXx} 5xx, ${unhandled.length} unhandled rejections, store unchanged on every refusal`,
    );
    expect(tally.httpCases).toBeGreaterThanOrEqual(10_000);
    expect(tally.routes.size).toBe(routeNames.length);
    expect(tally.fiveXx).toBe(0);
    expect(unhandled).toEqual([]);
  });
});
