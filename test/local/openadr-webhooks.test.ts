/**
 * OpenADR 3.1 subscriptions and webhooks on the local runtime over HTTP, with a real HTTPS
 * receiver: the echo check on create (http and unechoed callbacks refused, nothing stored); a
 * VEN's command delivered as its event (bearer token, HMAC signature) and acknowledged on receipt;
 * its report told to a BL subscribed to the program's reports; a revision and a cancellation as
 * EVENT UPDATE and DELETE; a new program told to a BL and a VEN, and a VEN's subscription to a BL
 * (without its token); a receiver that keeps failing, counted until its subscription is broken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verify,
} from '../../lib/adapters/webhook/signature.ts';
import type { Deps } from '../../lib/app/config.ts';
import { type HttpsReceiver, type ReceivedRequest, startHttpsReceiver } from '../support/https-receiver.ts';
import {
  batteryBuilding,
  batteryTelemetry,
  jsonCall,
  mustCall,
  openadrClient,
  startOpenadrLocal,
} from '../support/openadr-local.ts';

/** The clock stands still at 09:00 Beijing time on a Monday; events are in the evening. */
const NOW = Date.parse('2026-12-14T01:00:00Z');
const PARK = 'wh-park';
const GOOD = 'wh-b1';
const FAILING = 'wh-b2';
const PROGRAM = 'wh-program';
const SETTLEMENT = { unit: 'YUAN_PER_KWH', price: 1.5, minRatio: 0.8, maxRatio: 1.2 };
const VEN_TOKEN = 'ven-callback-token';

interface Res {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers of many operations; each test asserts what it reads.
  body: any;
}

/** Callbacks by path: `/no-echo` fails the check, `/failing` answers every POST 500. */
function respond(req: ReceivedRequest) {
  const echo = req.query.get('echo');
  if (req.method === 'GET') return { status: 200, body: req.path === '/no-echo' ? 'hello' : (echo ?? '') };
  return { status: req.path === '/failing' ? 500 : 200 };
}

describe('OpenADR 3.1 subscriptions and webhooks', () => {
  let rt: LocalRuntime;
  let receiver: HttpsReceiver;
  let deps: () => Deps;
  let operator: string;
  const tokens: Record<string, string> = {};
  let eventCount = 0;

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<Res> =>
    jsonCall(rt.url, method, path, { token, body });
  const must = (method: string, path: string, token: string, body: unknown, status: number) =>
    mustCall(rt.url, method, path, status, { token, body });
  const oadr = (method: string, path: string, token: string, body?: unknown) =>
    call(method, `/openadr3${path}`, token, body);
  const received = (path: string, method = 'POST') =>
    receiver.requests.filter((r) => r.path === path && r.method === method);
  const subscription = (objects: string[], operations: string[], path: string, extra: object = {}) => ({
    clientName: 'webhook test',
    objectOperations: [
      { objects, operations, callbackUrl: `${receiver.url}${path.slice(1)}`, bearerToken: VEN_TOKEN },
    ],
    ...extra,
  });
  /** A native peak-shaving event on one building, in an evening hour. */
  const gridEvent = (eventId: string, buildingId: string, hour: number, kw: number) => ({
    eventId,
    programId: PROGRAM,
    type: 'PEAK_SHAVING',
    start: `2026-12-14T${hour}:00:00+08:00`,
    end: `2026-12-14T${hour + 1}:00:00+08:00`,
    targetsKw: [kw, kw, kw, kw],
    scope: { buildingIds: [buildingId] },
    noticeAt: new Date(NOW).toISOString(),
  });
  const commandsOf = async (eventId: string) =>
    (await must('GET', `/events/${eventId}/plan`, operator, undefined, 200)).commands as {
      command: { commandId: string; kind: string; supersedes?: string };
      status: string;
    }[];
  /**
   * Issues an event on one building, in its own hour, and waits for the bus; returns its command. The
   * events stand on one battery (266 kWh above its minimum, shared across all of them: one timeline per
   * asset), so each asks 20 kWh.
   */
  const dispatch = async (buildingId: string) => {
    const hour = 17 + (eventCount % 6);
    const eventId = `wh-event-${++eventCount}`;
    await must('POST', '/events', operator, gridEvent(eventId, buildingId, hour, 20), 201);
    await rt.idle();
    const command = (await commandsOf(eventId)).find((c) => c.command.kind === 'DISPATCH');
    if (!command) throw new Error(`event ${eventId} has no command`);
    return { eventId, hour, ...command };
  };

  beforeAll(async () => {
    receiver = await startHttpsReceiver({ respond });
    rt = await startOpenadrLocal(NOW, {
      openadrWebhookCa: receiver.ca,
      // Retries still happen (four attempts each), only with 20 ms instead of 500 ms between them.
      settings: { OPENADR_WEBHOOK_BACKOFF_MS: '20' },
    });
    deps = () => rt.deps;
    operator = await rt.token({ role: 'operator', subject: 'wh-operator' });
    await must(
      'PUT',
      `/programs/${PROGRAM}`,
      operator,
      {
        programId: PROGRAM,
        name: 'webhooks',
        baseline: { method: 'N_DAY_AVERAGE', days: 5, dayFilter: 'WORKDAY' },
        settlement: SETTLEMENT,
      },
      200,
    );
    await must(
      'PUT',
      `/parks/${PARK}`,
      operator,
      { parkId: PARK, name: PARK, zone: 'mengxi', city: 'Hohhot' },
      200,
    );
    const bms = await rt.token({ role: 'bms', buildingIds: [GOOD, FAILING], subject: 'wh-seeder' });
    for (const buildingId of [GOOD, FAILING]) {
      await must('PUT', `/buildings/${buildingId}`, operator, batteryBuilding(buildingId, PARK, 'wh'), 200);
      await must(
        'POST',
        `/buildings/${buildingId}/telemetry`,
        bms,
        batteryTelemetry(buildingId, NOW, '2026-12-14T00:45:00Z'),
        202,
      );
    }
    for (const [clientId, body] of [
      ['wh-bl', { role: 'BL' }],
      ['wh-ven', { role: 'VEN', buildingIds: [GOOD] }],
      ['wh-ven-2', { role: 'VEN', buildingIds: [FAILING] }],
    ] as const) {
      tokens[clientId] = (await openadrClient(rt.url, operator, clientId, body)).accessToken;
    }
  });
  afterAll(async () => {
    await rt?.stop();
    await receiver?.close();
  });

  let venSigningSecret = '';

  it('creates a subscription only after the echo check; refuses http and unechoed callbacks, storing nothing', async () => {
    const ven = tokens['wh-ven'] as string;
    const created = await oadr('POST', '/subscriptions', ven, subscription(['EVENT'], ['CREATE'], '/ven'));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      objectType: 'SUBSCRIPTION',
      clientID: 'wh-ven',
      objectOperations: [{ bearerToken: VEN_TOKEN }],
    });
    // The signing secret is answered to its creator this once, never read back.
    venSigningSecret = created.body.signingSecret;
    expect(venSigningSecret).toMatch(/^[\w-]{43}$/);
    const readBack = await oadr('GET', `/subscriptions/${created.body.id}`, ven);
    expect(readBack.body.signingSecret).toBeUndefined();
    expect(JSON.stringify(readBack.body)).not.toContain(venSigningSecret);
    const [check] = received('/ven', 'GET');
    expect(check?.query.get('echo')).toMatch(/^[0-9a-f]{32}$/);
    expect(check?.headers.authorization).toBe(`Bearer ${VEN_TOKEN}`);

    const http = await oadr('POST', '/subscriptions', ven, {
      ...subscription(['EVENT'], ['CREATE'], '/ven'),
      objectOperations: [
        { objects: ['EVENT'], operations: ['CREATE'], callbackUrl: 'http://127.0.0.1:9/hook' },
      ],
    });
    expect(http.status).toBe(400);
    expect(http.body).toMatchObject({ status: 400, detail: expect.stringContaining('must use https') });

    const unechoed = await oadr(
      'POST',
      '/subscriptions',
      ven,
      subscription(['EVENT'], ['CREATE'], '/no-echo'),
    );
    expect(unechoed.status).toBe(400);
    expect(unechoed.body.detail).toContain(
      `${receiver.url}no-echo failed the echo check: echo value missing`,
    );
    expect(received('/no-echo', 'GET')).toHaveLength(1);

    const listed = await oadr('GET', '/subscriptions', ven);
    expect(listed.body.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
  });

  it("delivers a building's command to its VEN as a signed EVENT CREATE, acknowledged; its report to a BL", async () => {
    const before = received('/ven').length;
    const { command, status } = await dispatch(GOOD);
    const [delivery, ...more] = received('/ven').slice(before);
    expect(more).toEqual([]);
    expect(delivery?.headers.authorization).toBe(`Bearer ${VEN_TOKEN}`);
    const body = delivery?.body ?? '';
    const signature = {
      signature: delivery?.headers[SIGNATURE_HEADER] as string | undefined,
      timestamp: delivery?.headers[TIMESTAMP_HEADER] as string | undefined,
      deliveryId: delivery?.headers[DELIVERY_HEADER] as string | undefined,
    };
    const now = Math.floor(Date.now() / 1000);
    expect(verify(venSigningSecret, signature, body, now)).toBe(true);
    // Not keyed by the bearer token sent beside it; a replay after the window fails.
    expect(verify(VEN_TOKEN, signature, body, now)).toBe(false);
    expect(verify(venSigningSecret, signature, body, now + 301)).toBe(false);
    expect(JSON.parse(body)).toMatchObject({
      objectType: 'EVENT',
      operation: 'CREATE',
      targets: ['wh-ven', `building:${GOOD}`],
      object: { objectType: 'EVENT', programID: PROGRAM, eventName: command.commandId },
    });
    expect(status).toBe('ACKNOWLEDGED');

    // The VEN reports on that event: a BL subscribed to its program's reports hears of it.
    const bl = tokens['wh-bl'] as string;
    const blSubscription = (programID: string, path: string) => ({
      clientName: 'grid operator',
      programID,
      objectOperations: [
        { objects: ['REPORT'], operations: ['CREATE'], callbackUrl: `${receiver.url}${path}` },
      ],
    });
    expect((await oadr('POST', '/subscriptions', bl, blSubscription(PROGRAM, 'bl-reports'))).status).toBe(
      201,
    );
    expect((await oadr('POST', '/subscriptions', bl, blSubscription('another', 'bl-other'))).status).toBe(
      201,
    );
    const eventID = JSON.parse(body).object.id as string;
    const report = await oadr('POST', '/reports', tokens['wh-ven'] as string, {
      eventID,
      clientName: 'wh-ven',
      payloadDescriptors: [
        { objectType: 'REPORT_PAYLOAD_DESCRIPTOR', payloadType: 'DEMAND', readingType: 'MEAN', units: 'KW' },
      ],
      resources: [
        {
          resourceName: 'AGGREGATED_REPORT',
          intervalPeriod: { start: '2026-12-14T00:45:00Z', duration: 'PT15M' },
          intervals: [{ id: 0, payloads: [{ type: 'DEMAND', values: [290] }] }],
        },
      ],
    });
    expect(report.status, JSON.stringify(report.body)).toBe(201);
    await rt.idle();
    expect(received('/bl-reports').map((r) => JSON.parse(r.body))).toEqual([
      { objectType: 'REPORT', operation: 'CREATE', object: report.body, targets: null },
    ]);
    expect(received('/bl-other')).toEqual([]);
  });

  it('tells the VEN of a revision (EVENT UPDATE, acknowledged) and of a cancellation (EVENT DELETE)', async () => {
    const ven = tokens['wh-ven'] as string;
    const sub = subscription(['EVENT'], ['UPDATE', 'DELETE'], '/ven-changes');
    expect((await oadr('POST', '/subscriptions', ven, sub)).status).toBe(201);
    const first = await dispatch(GOOD);
    await must(
      'PUT',
      `/events/${first.eventId}`,
      operator,
      gridEvent(first.eventId, GOOD, first.hour, 80),
      202,
    );
    await rt.idle();
    const revised = (await commandsOf(first.eventId)).find(
      (c) => c.command.kind === 'DISPATCH' && c.command.supersedes === first.command.commandId,
    );
    expect(revised?.status).toBe('ACKNOWLEDGED');
    await must('POST', `/events/${first.eventId}/cancel`, operator, undefined, 202);
    await rt.idle();
    const told = received('/ven-changes').map((r) => JSON.parse(r.body));
    expect(told.map((n) => [n.objectType, n.operation, n.object.eventName])).toEqual([
      ['EVENT', 'UPDATE', revised?.command.commandId],
      ['EVENT', 'DELETE', revised?.command.commandId],
    ]);
  });

  it('tells a BL and a VEN of a new program, and a BL of a VEN subscription without its token', async () => {
    const bl = tokens['wh-bl'] as string;
    const ven = tokens['wh-ven'] as string;
    const blSub = await oadr('POST', '/subscriptions', bl, {
      clientName: 'grid operator',
      objectOperations: [
        { objects: ['PROGRAM'], operations: ['CREATE'], callbackUrl: `${receiver.url}bl-programs` },
        { objects: ['SUBSCRIPTION'], operations: ['CREATE'], callbackUrl: `${receiver.url}bl-subscriptions` },
      ],
    });
    expect(blSub.status, JSON.stringify(blSub.body)).toBe(201);
    expect(
      (await oadr('POST', '/subscriptions', ven, subscription(['PROGRAM'], ['CREATE'], '/ven-programs')))
        .status,
    ).toBe(201);
    await rt.idle();
    // Its own subscription and the VEN's, in either order: each notification is delivered on its
    // own, and webhooks promise no order.
    const told = received('/bl-subscriptions')
      .map((r) => JSON.parse(r.body))
      .sort((a, b) => String(a.object.clientID).localeCompare(String(b.object.clientID)));
    expect(told.map((n) => [n.objectType, n.operation, n.object.clientID])).toEqual([
      ['SUBSCRIPTION', 'CREATE', 'wh-bl'],
      ['SUBSCRIPTION', 'CREATE', 'wh-ven'],
    ]);
    expect(JSON.stringify(told[1])).not.toContain(VEN_TOKEN);

    const program = await oadr('POST', '/programs', bl, {
      programName: 'webhook program',
      attributes: [{ type: 'FLEXDR_SETTLEMENT', values: [JSON.stringify(SETTLEMENT)] }],
    });
    expect(program.status, JSON.stringify(program.body)).toBe(201);
    await rt.idle();
    for (const path of ['/bl-programs', '/ven-programs']) {
      const bodies = received(path).map((r) => JSON.parse(r.body));
      expect(bodies).toEqual([
        { objectType: 'PROGRAM', operation: 'CREATE', object: program.body, targets: null },
      ]);
    }
  });

  it('counts failed deliveries, marks the subscription broken after 5, then sends it nothing', async () => {
    const ven = tokens['wh-ven-2'] as string;
    const created = await oadr(
      'POST',
      '/subscriptions',
      ven,
      subscription(['EVENT'], ['CREATE'], '/failing'),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const state = async () => (await deps().openadr.get('SUBSCRIPTION', id))?.internal;
    for (let n = 1; n <= 5; n++) {
      const { status } = await dispatch(FAILING);
      expect(status).toBe('PUBLISHED');
      expect(await state()).toMatchObject({
        failures: n,
        broken: n === 5,
        lastError: expect.stringContaining('500'),
      });
    }
    const posts = received('/failing').length;
    expect(posts).toBeGreaterThanOrEqual(5);
    await dispatch(FAILING);
    expect(received('/failing')).toHaveLength(posts);
    expect(await state()).toMatchObject({ failures: 5, broken: true });
    // The books are not served; an update (the owner fixing its receiver) starts them afresh.
    const served = await oadr('GET', `/subscriptions/${id}`, ven);
    expect(Object.keys(served.body)).not.toContain('internal');
    expect(JSON.stringify(served.body)).not.toContain('broken');
    const updated = await oadr(
      'PUT',
      `/subscriptions/${id}`,
      ven,
      subscription(['EVENT'], ['CREATE'], '/ven-2'),
    );
    expect(updated.status).toBe(200);
    // Fresh books, the same signing secret (not answered again: its creator holds it).
    expect(await state()).toEqual({ failures: 0, broken: false, signingSecret: created.body.signingSecret });
    expect(updated.body.signingSecret).toBeUndefined();
    expect(rt.bus.deadLetters).toEqual([]);
  });
});
