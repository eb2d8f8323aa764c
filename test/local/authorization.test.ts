/**
 * The authorization matrix: every route of `functions/routes.ts` × every kind of caller, through the
 * local gateway (token checks as API Gateway's JWT authorizer) and the handlers (role and binding).
 * An allowed caller gets the route's success status; a forbidden one is refused (401 for no or an
 * invalid token, 403 for role or binding, 404 where hiding is documented) and leaves both tables
 * exactly as they were.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpRoute, httpRoutes, type RouteRole } from '../../functions/routes.ts';
import { DEV_AUDIENCE, DEV_ISSUER, DevTokens } from '../../infra/local/dev-tokens.ts';
import { LOCAL_AWS } from '../../infra/local/dynamodb-local.ts';
import { type LocalRuntime, startLocal } from '../../infra/local/runtime.ts';
import { snapshotTables, storeChanges } from '../support/store-snapshot.ts';

const TABLES = ['flexdr', 'flexdr-idempotency'];
const PROGRAM = 'authz-program';
const PARK_A = 'authz-park-a';
const PARK_B = 'authz-park-b';
/** Empty parks, one per side, that `DELETE /parks/{parkId}` may really delete (re-created before each try). */
const SPARE_A = 'authz-park-a-spare';
const SPARE_B = 'authz-park-b-spare';
const BUILDINGS: Record<string, string> = {
  'authz-a1': PARK_A,
  'authz-a2': PARK_A,
  'authz-a3': PARK_A,
  'authz-b1': PARK_B,
  'authz-b2': PARK_B,
};
/** The BMS under test speaks for X; Y is its neighbour in the same park. */
const X = 'authz-a1';
const Y = 'authz-a2';
const B1 = 'authz-b1';
const EVENT_A = 'authz-event-a';
const EVENT_B = 'authz-event-b';
/** The clock stands still at 09:00 Beijing time on a Monday; events are in the evening. */
const NOW = Date.parse('2026-12-14T01:00:00Z');
const ENDED_EVENT = 'authz-ended';
const WINDOW = { start: '2026-12-14T09:00:00Z', end: '2026-12-14T10:00:00Z' };

const program = {
  programId: PROGRAM,
  name: 'authorization matrix',
  baseline: { method: 'N_DAY_AVERAGE', days: 5, dayFilter: 'WORKDAY' },
  settlement: { unit: 'YUAN_PER_KWH', price: 1.5, minRatio: 0.8, maxRatio: 1.2 },
};
const park = (parkId: string) => ({ parkId, name: `Park ${parkId}`, zone: 'mengxi', city: 'Hohhot' });
const building = (buildingId: string, parkId: string) => ({
  buildingId,
  parkId,
  name: `Building ${buildingId}`,
  zone: 'mengxi',
  feederId: `f-${parkId}`,
  bmsIntegrationId: 'authz-bms',
  gridLimits: { importKw: 600, exportKw: 0 },
  assets: [
    {
      kind: 'battery',
      id: 'bat',
      capacityKwh: 200,
      maxChargeKw: 100,
      maxDischargeKw: 100,
      socMin: 0.1,
      socMax: 0.9,
    },
  ],
});
const telemetry = (buildingId: string) => ({
  state: {
    buildingId,
    at: new Date(NOW).toISOString(),
    netLoadKw: 220,
    assets: [{ kind: 'battery', assetId: 'bat', soc: 0.8, powerKw: 0 }],
  },
  readings: [{ buildingId, intervalStart: '2026-12-14T00:45:00Z', kw: 220 }],
});
/** More than the park can give, so every building of the scope gets a command. */
const gridEvent = (eventId: string, parkId: string, kw = 1_000) => ({
  eventId,
  programId: PROGRAM,
  type: 'PEAK_SHAVING',
  ...WINDOW,
  targetsKw: [kw, kw, kw, kw],
  scope: { parkIds: [parkId] },
  noticeAt: new Date(NOW).toISOString(),
});

/** What a caller acts on: its own side, or the other side of a binding. */
interface Target {
  parkId: string;
  spareParkId: string;
  buildingId: string;
  eventId: string;
  commandId: string;
}

interface Req {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

interface Recipe {
  /** Whether the request acts on the target's park, building, event or command (so bindings apply). */
  bound: boolean;
  /**
   * Roles that, acting outside their bindings, are answered 404 rather than 403, by design: the
   * resource is hidden from them so that ids cannot be probed.
   */
  hiddenFrom?: readonly RouteRole[];
  /** Puts in place what the request needs (as the operator), before the store is compared. */
  prepare?(t: Target): Promise<void>;
  request(t: Target, n: number): Req;
}

/** One recipe per route name of `httpRoutes`; the matrix fails for a route without one. */
const recipes: Record<string, Recipe> = {
  health: { bound: false, request: () => ({}) },
  'openapi-document': { bound: false, request: () => ({}) },
  // A park manager lists their own parks whoever they are: nothing to be outside of.
  'list-parks': { bound: false, request: () => ({ query: { limit: '50' } }) },
  'put-park': { bound: true, request: (t) => ({ params: { parkId: t.parkId }, body: park(t.parkId) }) },
  'get-park': { bound: true, request: (t) => ({ params: { parkId: t.parkId } }) },
  'delete-park': {
    bound: true,
    prepare: (t) => put(`/parks/${t.spareParkId}`, park(t.spareParkId)),
    request: (t) => ({ params: { parkId: t.spareParkId } }),
  },
  'list-buildings': {
    bound: true,
    request: (t) => ({ params: { parkId: t.parkId }, query: { limit: '2' } }),
  },
  'park-settlements': { bound: true, request: (t) => ({ params: { parkId: t.parkId } }) },
  'put-building': {
    bound: true,
    request: (t) => ({
      params: { buildingId: t.buildingId },
      body: building(t.buildingId, BUILDINGS[t.buildingId] as string),
    }),
  },
  'get-building': { bound: true, request: (t) => ({ params: { buildingId: t.buildingId } }) },
  'delete-building': {
    bound: true,
    prepare: (t) => put(`/buildings/authz-spare-${t.parkId}`, building(`authz-spare-${t.parkId}`, t.parkId)),
    request: (t) => ({ params: { buildingId: `authz-spare-${t.parkId}` } }),
  },
  'report-telemetry': {
    bound: true,
    request: (t) => ({ params: { buildingId: t.buildingId }, body: telemetry(t.buildingId) }),
  },
  'building-commands': { bound: true, request: (t) => ({ params: { buildingId: t.buildingId } }) },
  'acknowledge-command': {
    bound: true,
    // docs/api.md, roles and tokens: others' commands answer 404 to a BMS, so ids cannot be probed.
    hiddenFrom: ['bms'],
    request: (t) => ({ params: { commandId: t.commandId }, body: { status: 'ACCEPTED' } }),
  },
  'put-program': { bound: false, request: () => ({ params: { programId: PROGRAM }, body: program }) },
  'get-calendar': { bound: false, request: () => ({}) },
  'put-calendar-year': {
    bound: false,
    request: () => ({
      params: { year: '2031' },
      body: { source: 'fictional calendar for a test', holidays: ['2031-01-01'], workdays: [] },
    }),
  },
  // An event whose window is over (see beforeAll), so an operator's re-run is served.
  'reevaluate-event': { bound: false, request: () => ({ params: { eventId: ENDED_EVENT } }) },
  'get-program': { bound: false, request: () => ({ params: { programId: PROGRAM } }) },
  'query-flexibility': {
    bound: true,
    request: (t) => ({ body: { scope: { parkIds: [t.parkId] }, ...WINDOW } }),
  },
  // A new id each time, so a refusal that was not one would show as a new event in the store.
  'create-event': { bound: true, request: (t, n) => ({ body: gridEvent(`authz-new-${n}`, t.parkId, 100) }) },
  'list-events': { bound: false, request: () => ({ query: { limit: '10' } }) },
  // lib/app/events.ts: a park manager sees an event only if one of its commands went to their parks;
  // any other event is not found for them (the same for its plan, delivery and performance).
  'get-event': {
    bound: true,
    hiddenFrom: ['parkManager'],
    request: (t) => ({ params: { eventId: t.eventId } }),
  },
  'revise-event': {
    bound: true,
    request: (t) => ({
      params: { eventId: t.eventId },
      body: gridEvent(t.eventId, t.parkId, 900),
    }),
  },
  'cancel-event': { bound: true, request: (t) => ({ params: { eventId: t.eventId } }) },
  'event-plan': {
    bound: true,
    hiddenFrom: ['parkManager'],
    request: (t) => ({ params: { eventId: t.eventId } }),
  },
  'event-performance': {
    bound: true,
    hiddenFrom: ['parkManager'],
    request: (t) => ({ params: { eventId: t.eventId } }),
  },
  'event-delivery': {
    bound: true,
    hiddenFrom: ['parkManager'],
    request: (t) => ({ params: { eventId: t.eventId } }),
  },
  // A new client each time, so the success is a creation (201) and a refusal would show in the store.
  'put-openadr-client': {
    bound: true,
    request: (t, n) => ({
      params: { clientId: `authz-ven-${n}` },
      body: { role: 'VEN', buildingIds: [t.buildingId] },
    }),
  },
  'delete-openadr-client': {
    bound: true,
    prepare: (t) =>
      put(`/openadr-clients/authz-del-${t.buildingId}`, { role: 'VEN', buildingIds: [t.buildingId] }),
    request: (t) => ({ params: { clientId: `authz-del-${t.buildingId}` } }),
  },
  // A binding over the target's park (or a new one naming its park and building): a park manager
  // outside that park may neither read, set nor remove it.
  'get-user-bindings': {
    bound: true,
    prepare: (t) => put(`/users/authz-user-${t.parkId}/bindings`, { parkIds: [t.parkId] }),
    request: (t) => ({ params: { userId: `authz-user-${t.parkId}` } }),
  },
  'put-user-bindings': {
    bound: true,
    request: (t, n) => ({
      params: { userId: `authz-new-user-${n}` },
      body: { parkIds: [t.parkId], buildingIds: [t.buildingId] },
    }),
  },
  'delete-user-bindings': {
    bound: true,
    prepare: (t) => put(`/users/authz-del-user-${t.parkId}/bindings`, { parkIds: [t.parkId] }),
    request: (t) => ({ params: { userId: `authz-del-user-${t.parkId}` } }),
  },
};

interface Caller {
  name: string;
  token: string | undefined;
  /** `valid`: one FlexDR role; `invalid`: no or a bad token (401); `roleless`: verified, but not one role (403). */
  kind: 'valid' | 'invalid' | 'roleless';
  role?: RouteRole;
  target: Target;
  /** Whether the target is within the caller's bindings. */
  own: boolean;
}

type Expectation = { allowed: true } | { allowed: false; status: 401 | 403 | 404; why: string };

function expectation(route: HttpRoute, recipe: Recipe, c: Caller): Expectation {
  if (route.roles.length === 0) return { allowed: true };
  if (c.kind === 'invalid') return { allowed: false, status: 401, why: 'no valid token' };
  if (c.kind === 'roleless' || !c.role) return { allowed: false, status: 403, why: 'not exactly one role' };
  if (!(route.roles as readonly string[]).includes(c.role))
    return { allowed: false, status: 403, why: `route closed to ${c.role}` };
  if (c.role === 'operator' || c.own || !recipe.bound) return { allowed: true };
  if (recipe.hiddenFrom?.includes(c.role))
    return { allowed: false, status: 404, why: `hidden from a ${c.role} outside its bindings` };
  return { allowed: false, status: 403, why: 'outside the bindings' };
}

let rt: LocalRuntime;
let ddb: DynamoDBClient;
let operatorToken: string;

async function call(
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${rt.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, text: await res.text() };
}

async function put(path: string, body: unknown): Promise<void> {
  const res = await call('PUT', path, operatorToken, body);
  if (res.status !== 200 && res.status !== 201) throw new Error(`PUT ${path}: ${res.status} ${res.text}`);
}

function urlOf(route: HttpRoute, req: Req): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_, p: string) => {
    const v = req.params?.[p];
    if (v === undefined) throw new Error(`the recipe of ${route.method} ${route.path} gives no ${p}`);
    return encodeURIComponent(v);
  });
  const q = new URLSearchParams(req.query ?? {}).toString();
  return q ? `${path}?${q}` : path;
}

/** A token signed with the runtime's own key, with exactly these claims (no `sub` unless given). */
async function signed(claims: Record<string, unknown>, opts: { sub?: string; expiresIn?: number } = {}) {
  const key = (rt.tokens as unknown as { key: Uint8Array }).key;
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setIssuedAt(now - 7_200)
    .setExpirationTime(now + (opts.expiresIn ?? 3_600));
  if (opts.sub !== undefined) jwt.setSubject(opts.sub);
  return jwt.sign(key);
}

describe('authorization matrix', () => {
  let callers: Caller[];

  beforeAll(async () => {
    rt = await startLocal({
      inMemory: true,
      port: 0,
      simulator: false,
      seed: false,
      speed: 0,
      startAt: NOW,
      quiet: true,
    });
    ddb = new DynamoDBClient({ endpoint: rt.dynamodbEndpoint, ...LOCAL_AWS });
    operatorToken = await rt.token({ role: 'operator', subject: 'authz-operator' });

    // The store, through the API: a program, two parks with buildings, their state, an event each.
    await put(`/programs/${PROGRAM}`, program);
    for (const p of [PARK_A, PARK_B, SPARE_A, SPARE_B]) await put(`/parks/${p}`, park(p));
    for (const [id, p] of Object.entries(BUILDINGS)) await put(`/buildings/${id}`, building(id, p));
    const seeder = await rt.token({
      role: 'bms',
      buildingIds: Object.keys(BUILDINGS),
      subject: 'authz-seeder',
    });
    for (const id of Object.keys(BUILDINGS)) {
      const res = await call('POST', `/buildings/${id}/telemetry`, seeder, telemetry(id));
      if (res.status !== 202) throw new Error(`telemetry of ${id}: ${res.status} ${res.text}`);
    }
    // An event over before the others are issued: 01:15–01:30, then the clock moves past it.
    const ended = await call('POST', '/events', operatorToken, {
      ...gridEvent(ENDED_EVENT, PARK_A),
      start: new Date(NOW + 15 * 60_000).toISOString(),
      end: new Date(NOW + 30 * 60_000).toISOString(),
      targetsKw: [1_000],
    });
    if (ended.status !== 201) throw new Error(`event ${ENDED_EVENT}: ${ended.status} ${ended.text}`);
    await rt.idle();
    await rt.advance(40);
    for (const [eventId, p] of [
      [EVENT_A, PARK_A],
      [EVENT_B, PARK_B],
    ] as const) {
      const res = await call('POST', '/events', operatorToken, gridEvent(eventId, p));
      if (res.status !== 201) throw new Error(`event ${eventId}: ${res.status} ${res.text}`);
    }
    await rt.idle();
    const commandOf = async (eventId: string, buildingId: string) => {
      const res = await call('GET', `/events/${eventId}/plan`, operatorToken);
      const plan = JSON.parse(res.text) as {
        commands: { command: { commandId: string; buildingId: string; kind: string }; status: string }[];
      };
      const c = plan.commands.find(
        (x) => x.command.buildingId === buildingId && x.command.kind === 'DISPATCH',
      );
      if (!c) throw new Error(`event ${eventId} has no command for ${buildingId}: ${res.text}`);
      expect(c.status).toBe('PUBLISHED');
      return c.command.commandId;
    };

    const ownA: Target = {
      parkId: PARK_A,
      spareParkId: SPARE_A,
      buildingId: X,
      eventId: EVENT_A,
      commandId: await commandOf(EVENT_A, X),
    };
    const parkB: Target = {
      parkId: PARK_B,
      spareParkId: SPARE_B,
      buildingId: B1,
      eventId: EVENT_B,
      commandId: await commandOf(EVENT_B, B1),
    };
    const buildingY: Target = { ...ownA, buildingId: Y, commandId: await commandOf(EVENT_A, Y) };

    const manager = { 'cognito:groups': ['park-manager'], 'custom:parkIds': `${PARK_A},${SPARE_A}` };
    const managerToken = await signed(manager, { sub: 'authz-manager-a' });
    const bmsToken = (await rt.tokens.issue({ role: 'bms', buildingIds: [X], subject: 'authz-bms-x' })).token;
    callers = [
      { name: 'operator', token: operatorToken, kind: 'valid', role: 'operator', target: ownA, own: true },
      {
        name: 'park manager of A on A',
        token: managerToken,
        kind: 'valid',
        role: 'parkManager',
        target: ownA,
        own: true,
      },
      {
        name: 'park manager of A on B',
        token: managerToken,
        kind: 'valid',
        role: 'parkManager',
        target: parkB,
        own: false,
      },
      { name: 'BMS of X on X', token: bmsToken, kind: 'valid', role: 'bms', target: ownA, own: true },
      { name: 'BMS of X on Y', token: bmsToken, kind: 'valid', role: 'bms', target: buildingY, own: false },
      { name: 'no token', token: undefined, kind: 'invalid', target: ownA, own: false },
      {
        name: 'expired operator token',
        token: await signed(
          { 'cognito:groups': ['grid-operator'] },
          { sub: 'authz-late', expiresIn: -3_600 },
        ),
        kind: 'invalid',
        target: ownA,
        own: false,
      },
      {
        name: 'operator token signed with another secret',
        token: (await new DevTokens().issue({ role: 'operator', subject: 'authz-forger' })).token,
        kind: 'invalid',
        target: ownA,
        own: false,
      },
      {
        name: 'operator token without sub',
        token: await signed({ 'cognito:groups': ['grid-operator'] }),
        kind: 'invalid',
        target: ownA,
        own: false,
      },
      {
        name: 'groups grid-operator and park-manager',
        token: await signed(
          { 'cognito:groups': ['grid-operator', 'park-manager'], 'custom:parkIds': PARK_A },
          { sub: 'authz-two-roles' },
        ),
        kind: 'roleless',
        target: ownA,
        own: false,
      },
      {
        name: 'an unknown group only',
        token: await signed(
          { 'cognito:groups': ['flexdr-admins'], 'custom:parkIds': PARK_A, 'custom:buildingIds': X },
          { sub: 'authz-unknown-group' },
        ),
        kind: 'roleless',
        target: ownA,
        own: false,
      },
      {
        name: 'park manager of A on A, with extra unknown claims',
        token: await signed(
          {
            ...manager,
            'cognito:username': 'someone',
            'custom:tenant': 'other-tenant',
            'custom:role': 'grid-operator',
            scope: 'aws.cognito.signin.user.admin',
            email_verified: true,
            nested: { groups: ['grid-operator'] },
            auth_time: 1_700_000_000,
          },
          { sub: 'authz-manager-a-extra' },
        ),
        kind: 'valid',
        role: 'parkManager',
        target: ownA,
        own: true,
      },
    ];
  });

  afterAll(async () => {
    ddb?.destroy();
    await rt?.stop();
  });

  it('has a request recipe for every route, and none for a route that is gone', () => {
    const routes = Object.keys(httpRoutes);
    expect(routes.filter((r) => !recipes[r])).toEqual([]);
    expect(Object.keys(recipes).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it('refuses every forbidden caller (401, 403, or a documented 404) without changing the store, and serves every allowed one', async () => {
    const problems: string[] = [];
    const successes = new Map<string, number>();
    let requests = 0;
    let forbidden = 0;
    let n = 0;
    for (const [name, route] of Object.entries(httpRoutes) as [string, HttpRoute][]) {
      const recipe = recipes[name];
      if (!recipe) {
        problems.push(`${name}: no request recipe`);
        continue;
      }
      for (const c of callers) {
        const expected = expectation(route, recipe, c);
        await recipe.prepare?.(c.target);
        const req = recipe.request(c.target, ++n);
        const url = urlOf(route, req);
        const label = `${route.method} ${url} as ${c.name}`;
        await rt.idle();
        const before = expected.allowed ? undefined : await snapshotTables(ddb, TABLES);
        const res = await call(route.method, url, c.token, req.body);
        requests++;
        await rt.idle();
        if (expected.allowed) {
          // Recipes are valid requests, so an allowed caller gets the route's own success status.
          if (res.status !== route.success)
            problems.push(`${label}: ${res.status} ${res.text.slice(0, 200)}, expected ${route.success}`);
          else successes.set(name, (successes.get(name) ?? 0) + 1);
          continue;
        }
        forbidden++;
        if (res.status !== expected.status)
          problems.push(
            `${label}: ${res.status} ${res.text.slice(0, 200)}, expected ${expected.status} (${expected.why})`,
          );
        const after = await snapshotTables(ddb, TABLES);
        for (const { table, added, removed } of storeChanges(before, after))
          if (added.length || removed.length)
            problems.push(
              `${label} changed ${table}: +${added.map((i) => i.slice(0, 160)).join(' ')} -${removed.map((i) => i.slice(0, 160)).join(' ')}`,
            );
      }
    }
    expect(problems).toEqual([]);
    // Every route was served to someone, so no refusal above stands for a broken recipe.
    expect(Object.keys(httpRoutes).filter((r) => !successes.has(r))).toEqual([]);
    expect(forbidden).toBeGreaterThan(0);
    const routes = Object.keys(httpRoutes).length;
    console.log(
      `authorization matrix: ${routes} routes × ${callers.length} callers = ${requests} requests, ${forbidden} forbidden, all refused, store unchanged`,
    );
  });
});
