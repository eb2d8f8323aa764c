/**
 * OpenADR 3.1 end to end, on the local runtime over HTTP: a BL creates a program and events; two
 * VENs read the events meant for their buildings, post reports, opt out, and receive webhook
 * notifications at a local HTTPS receiver. Every response of the VTN is validated against the
 * official document (`openadr3.yaml`, through openapi-backend: test/support/openadr-openapi.ts),
 * and so is every notification body. The test ends by checking that every operation FlexDR
 * serves was exercised, and prints how many responses were validated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OperationId, openadrOperations } from '../../functions/openadr/operations.ts';
import { type LocalRuntime, startLocal } from '../../infra/local/runtime.ts';
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verify,
} from '../../lib/adapters/webhook/signature.ts';
import { programFromFlexdr } from '../../lib/openadr/mapping.ts';
import { type HttpsReceiver, type ReceivedRequest, startHttpsReceiver } from '../support/https-receiver.ts';
import { jsonCall } from '../support/openadr-local.ts';
import { operationOf, validateNotification, validateResponse } from '../support/openadr-openapi.ts';

/** A workday afternoon in Hohhot (14:00 Beijing); the event runs 17:00–18:00. */
const START_AT = Date.parse('2026-11-24T06:00:00Z');
const WINDOW_START = '2026-11-24T17:00:00+08:00';
const PARK = 'hohhot-jinqiao';

/** A JSON body: its shape is what openadr3.yaml says, checked by `validateResponse` before use. */
// biome-ignore lint/suspicious/noExplicitAny: the validator, not the type system, checks these bodies
type Json = any;

interface Reply<T = Json> {
  status: number;
  body: T;
}

const validated = new Map<string, Set<number>>();
let responses = 0;
let notificationsValidated = 0;

describe('OpenADR 3.1 VTN end to end, validated against openadr3.yaml', () => {
  let rt: LocalRuntime;
  let receiver: HttpsReceiver;
  let operator: string;
  const secrets = new Map<string, string>();
  const tokens = new Map<string, string>();
  let buildingA = '';
  let buildingB = '';

  /** A native FlexDR call with a development token. */
  async function native<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    token = operator,
  ): Promise<Reply<T>> {
    const { status, body: answer } = await jsonCall(rt.url, method, path, { token, body });
    return { status, body: answer };
  }

  /** An OpenADR call; its response is validated against the document, whatever its status. */
  async function oa<T = Json>(
    method: string,
    path: string,
    options: { token?: string | undefined; body?: unknown; form?: Record<string, string> } = {},
  ): Promise<Reply<T>> {
    const res = await jsonCall(rt.url, method, `/openadr3${path}`, options);
    const body = res.body;
    validateResponse({
      method,
      path,
      status: res.status,
      body,
      contentType: res.contentType,
    });
    const id = operationOf(method, path);
    if (!validated.has(id)) validated.set(id, new Set());
    validated.get(id)?.add(res.status);
    responses++;
    return { status: res.status, body };
  }

  async function tokenOf(clientId: string): Promise<string> {
    const res = await oa('POST', '/auth/token', {
      form: {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secrets.get(clientId) as string,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('Bearer');
    return res.body.access_token;
  }

  /** Each subscription's signing secret, by callback path, as its creation answered it. */
  const signingSecrets = new Map<string, string>();

  /** Webhook deliveries to one path of the receiver, each checked: bearer token, HMAC, schema. */
  function notificationsTo(path: string, bearer: string): { operation: string; object: Json }[] {
    const deliveries = receiver.requests.filter(
      (r: ReceivedRequest) => r.method === 'POST' && r.path === path,
    );
    const ids = deliveries.map((r) => r.headers[DELIVERY_HEADER]);
    expect(new Set(ids).size).toBe(ids.length);
    return deliveries.map((r) => {
      expect(r.headers.authorization).toBe(`Bearer ${bearer}`);
      const signature = {
        signature: r.headers[SIGNATURE_HEADER] as string,
        timestamp: r.headers[TIMESTAMP_HEADER] as string,
        deliveryId: r.headers[DELIVERY_HEADER] as string,
      };
      const now = Math.floor(Date.now() / 1000);
      expect(verify(signingSecrets.get(path) as string, signature, r.body, now)).toBe(true);
      // The bearer token sent beside it is no signing key.
      expect(verify(bearer, signature, r.body, now)).toBe(false);
      const body = JSON.parse(r.body);
      validateNotification(body);
      notificationsValidated++;
      return body;
    });
  }

  beforeAll(async () => {
    receiver = await startHttpsReceiver();
    rt = await startLocal({
      inMemory: true,
      port: 0,
      quiet: true,
      startAt: START_AT,
      speed: 0,
      declineProbability: 0,
      openadrWebhookCa: receiver.ca,
    });
    operator = await rt.token({ role: 'operator' });
    // Two buildings of the park with the most evening flexibility: both are needed for the target.
    const { body: page } = await native('GET', `/parks/${PARK}/buildings?limit=50`);
    const ranked: { id: string; kw: number }[] = [];
    for (const b of page.items as { buildingId: string }[]) {
      const { body: flex } = await native('POST', '/flexibility', {
        scope: { buildingIds: [b.buildingId] },
        start: WINDOW_START,
        end: '2026-11-24T18:00:00+08:00',
        intervalMinutes: 15,
      });
      ranked.push({ id: b.buildingId, kw: Math.min(...(flex.total.PEAK_SHAVING.kw as number[])) });
    }
    ranked.sort((x, y) => y.kw - x.kw);
    [buildingA, buildingB] = ranked.slice(0, 2).map((r) => r.id) as [string, string];
    for (const [clientId, body] of [
      ['e2e-bl', { role: 'BL' }],
      ['e2e-ven-a', { role: 'VEN', buildingIds: [buildingA] }],
      ['e2e-ven-b', { role: 'VEN', buildingIds: [buildingB] }],
    ] as const) {
      const res = await native('PUT', `/openadr-clients/${clientId}`, body);
      expect(res.status).toBe(201);
      secrets.set(clientId, res.body.clientSecret);
    }
  }, 180_000);

  afterAll(async () => {
    await rt?.stop();
    await receiver?.close();
  });

  it('issues tokens by client credentials, names the token endpoint and its notifier', async () => {
    const server = await oa('GET', '/auth/server');
    expect(server.body.tokenURL).toBe(`${rt.url}/openadr3/auth/token`);
    for (const id of ['e2e-bl', 'e2e-ven-a', 'e2e-ven-b']) tokens.set(id, await tokenOf(id));
    const wrong = await oa('POST', '/auth/token', {
      form: { grant_type: 'client_credentials', client_id: 'e2e-bl', client_secret: 'wrong' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const grant = await oa('POST', '/auth/token', {
      form: { grant_type: 'password', client_id: 'e2e-bl', client_secret: 'x' },
    });
    expect(grant.status).toBe(400);
    expect((await oa('GET', '/notifiers', { token: tokens.get('e2e-bl') })).body).toEqual({ WEBHOOK: true });
    expect((await oa('GET', '/programs')).status).toBe(401);
    expect((await oa('GET', '/programs', { token: 'not-a-token' })).status).toBe(401);
  });

  it('plays the whole exchange: program, subscriptions, event, VEN events, reports, opt-out, revision, cancellation', async () => {
    const bl = tokens.get('e2e-bl') as string;
    const venA = tokens.get('e2e-ven-a') as string;
    const venB = tokens.get('e2e-ven-b') as string;

    // The BL creates a program; a second one with the same name is a conflict.
    const request = {
      ...programFromFlexdr({
        programId: 'unused',
        name: 'e2e-peak-2026',
        baseline: { method: 'N_DAY_AVERAGE', days: 5, dayFilter: 'WORKDAY', lookbackDays: 30 },
        settlement: { unit: 'YUAN_PER_KWH', price: 1.2, minRatio: 0.8, maxRatio: 1.2 },
      } as never),
    };
    const program = await oa('POST', '/programs', { token: bl, body: request });
    expect(program.status).toBe(201);
    const programID = program.body.id as string;
    expect((await oa('POST', '/programs', { token: bl, body: request })).status).toBe(409);
    expect((await oa('POST', '/programs', { token: venA, body: request })).status).toBe(403);
    expect((await oa('POST', '/programs', { token: bl, body: { programName: '' } })).status).toBe(400);
    expect((await oa('GET', `/programs/${programID}`, { token: venA })).body.programName).toBe(
      'e2e-peak-2026',
    );
    expect((await oa('GET', '/programs/nope', { token: bl })).status).toBe(404);
    expect((await oa('GET', '/programs?limit=51', { token: bl })).status).toBe(400);
    const programs = await oa('GET', '/programs?skip=0&limit=50', { token: bl });
    expect(programs.body.map((p: { id: string }) => p.id)).toContain(programID);

    // The VENs describe themselves; the BL sees both, each VEN only its own.
    for (const [token, name] of [
      [venA, 'ven-a'],
      [venB, 'ven-b'],
    ] as const) {
      const ven = await oa('POST', '/vens', {
        token,
        body: { objectType: 'VEN_VEN_REQUEST', venName: name },
      });
      expect(ven.status).toBe(201);
      const resource = await oa('POST', '/resources', {
        token,
        body: { objectType: 'VEN_RESOURCE_REQUEST', venID: ven.body.id, resourceName: 'AGGREGATED_REPORT' },
      });
      expect(resource.status).toBe(201);
    }
    expect(
      (await oa('GET', '/vens', { token: bl })).body.map((v: { venName: string }) => v.venName).sort(),
    ).toEqual(['ven-a', 'ven-b']);
    const ownVens = await oa('GET', '/vens', { token: venA });
    expect(ownVens.body.map((v: { venName: string }) => v.venName)).toEqual(['ven-a']);

    // Subscriptions: each VEN to its events, the BL to reports; the receiver echoes the challenge.
    const subscribe = (token: string, path: string, objects: string[], bearerToken: string) =>
      oa('POST', '/subscriptions', {
        token,
        body: {
          clientName: path,
          objectOperations: [
            {
              objects,
              operations: ['CREATE', 'UPDATE', 'DELETE'],
              callbackUrl: `${receiver.url}${path.slice(1)}`,
              bearerToken,
            },
          ],
        },
      });
    for (const [token, path, objects, bearerToken] of [
      [venA, '/ven-a', ['EVENT'], 'bearer-a'],
      [venB, '/ven-b', ['EVENT'], 'bearer-b'],
      [bl, '/bl', ['REPORT'], 'bearer-bl'],
    ] as const) {
      const created = await subscribe(token, path, [...objects], bearerToken);
      expect(created.status).toBe(201);
      expect(created.body.signingSecret).toMatch(/^[\w-]{43}$/);
      signingSecrets.set(path, created.body.signingSecret);
    }
    const echoes = receiver.requests.filter((r) => r.method === 'GET' && r.query.has('echo'));
    expect(echoes.length).toBe(3);

    // The BL's event: 90 % of what the two buildings offer together, on both of them.
    const { body: flex } = await native('POST', '/flexibility', {
      scope: { buildingIds: [buildingA, buildingB] },
      start: WINDOW_START,
      end: '2026-11-24T18:00:00+08:00',
      intervalMinutes: 15,
    });
    const targets = (flex.total.PEAK_SHAVING.kw as number[]).map((kw) => Math.floor(kw * 0.9));
    const eventBody = {
      programID,
      eventName: 'e2e evening peak',
      targets: [`building:${buildingA}`, `building:${buildingB}`],
      payloadDescriptors: [
        { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'DISPATCH_SETPOINT_RELATIVE', units: 'KW' },
      ],
      intervalPeriod: { start: WINDOW_START, duration: 'PT15M' },
      intervals: targets.map((kw, id) => ({
        id,
        payloads: [{ type: 'DISPATCH_SETPOINT_RELATIVE', values: [kw] }],
      })),
    };
    expect((await oa('POST', '/events', { token: venA, body: eventBody })).status).toBe(403);
    const created = await oa('POST', '/events', { token: bl, body: eventBody });
    expect(created.status).toBe(201);
    const eventID = created.body.id as string;
    await rt.idle();
    const plan = await native('GET', `/events/${eventID}/plan`);
    expect(plan.status).toBe(200);
    const commanded = new Set(
      (plan.body.commands as { command: { buildingId: string } }[]).map((c) => c.command.buildingId),
    );
    expect([...commanded].sort()).toEqual([buildingA, buildingB].sort());

    // Each VEN reads exactly its own event, whose set points are its command's grid limits.
    for (const [token, building, other] of [
      [venA, buildingA, buildingB],
      [venB, buildingB, buildingA],
    ] as const) {
      const events = await oa('GET', `/events?programID=${programID}&active=true`, { token });
      expect(events.status).toBe(200);
      expect(events.body).toHaveLength(1);
      const event = events.body[0];
      expect(event.targets).toContain(`building:${building}`);
      expect(event.targets).not.toContain(`building:${other}`);
      const { body: commands } = await native('GET', `/buildings/${building}/commands`);
      const command = (commands.items as { command: { eventId: string; gridLimitKw: number[] } }[]).find(
        (c) => c.command.eventId === eventID,
      )?.command;
      expect(
        event.intervals.map(
          (i: { payloads: { type: string; values: number[] }[] }) =>
            i.payloads.find((p) => p.type === 'DISPATCH_SETPOINT')?.values[0],
        ),
      ).toEqual(command?.gridLimitKw);
      expect((await oa('GET', `/events/${event.id}`, { token })).status).toBe(200);
      expect((await oa('GET', `/events/${event.id}`, { token: token === venA ? venB : venA })).status).toBe(
        404,
      );
    }
    const blEvents = await oa('GET', '/events?limit=10', { token: bl });
    expect(blEvents.body.map((e: { id: string }) => e.id)).toContain(eventID);
    expect((await oa('GET', `/events/${eventID}`, { token: bl })).body.intervals).toHaveLength(4);

    // The webhooks told each VEN of its own event, signed with its bearer token.
    const toA = notificationsTo('/ven-a', 'bearer-a');
    const toB = notificationsTo('/ven-b', 'bearer-b');
    expect(
      toA.some((n) => n.operation === 'CREATE' && n.object.targets.includes(`building:${buildingA}`)),
    ).toBe(true);
    expect(
      toB.some((n) => n.operation === 'CREATE' && n.object.targets.includes(`building:${buildingB}`)),
    ).toBe(true);
    expect(toA.every((n) => !n.object.targets?.includes(`building:${buildingB}`))).toBe(true);

    // VEN A reports its meter; the BL is notified and reads it; VEN B cannot.
    const { body: eventsA } = await oa('GET', '/events', { token: venA });
    const venEventA = eventsA[0];
    const report = await oa('POST', '/reports', {
      token: venA,
      body: {
        eventID: venEventA.id,
        clientName: 'ven-a',
        reportName: 'e2e meter',
        payloadDescriptors: [
          {
            objectType: 'REPORT_PAYLOAD_DESCRIPTOR',
            payloadType: 'USAGE',
            readingType: 'DIRECT_READ',
            units: 'KWH',
          },
        ],
        resources: [
          {
            resourceName: 'AGGREGATED_REPORT',
            intervalPeriod: { start: '2026-11-24T13:45:00+08:00', duration: 'PT15M' },
            intervals: [{ id: 0, payloads: [{ type: 'USAGE', values: [42.5] }] }],
          },
        ],
      },
    });
    expect(report.status).toBe(201);
    await rt.idle();
    const toBl = notificationsTo('/bl', 'bearer-bl');
    expect(toBl.some((n) => n.operation === 'CREATE' && n.object.id === report.body.id)).toBe(true);
    expect((await oa('GET', `/reports/${report.body.id}`, { token: bl })).status).toBe(200);
    expect((await oa('GET', `/reports/${report.body.id}`, { token: venB })).status).toBe(404);
    expect((await oa('GET', `/reports?eventID=${venEventA.id}`, { token: venA })).body).toHaveLength(1);

    // VEN B opts out: its command is declined and the coordinator re-plans around it.
    const { body: eventsB } = await oa('GET', '/events', { token: venB });
    const optOut = await oa('POST', '/reports', {
      token: venB,
      body: {
        eventID: eventsB[0].id,
        clientName: 'ven-b',
        resources: [
          {
            resourceName: 'AGGREGATED_REPORT',
            intervalPeriod: { start: '2026-11-24T14:00:00+08:00', duration: 'PT15M' },
            intervals: [{ id: 0, payloads: [{ type: 'OPERATING_STATE', values: ['RUNNING_OPTED_OUT'] }] }],
          },
        ],
      },
    });
    expect(optOut.status).toBe(201);
    await rt.idle();
    // The re-plan it asked for runs at the end of its debounce period (REPLAN_DEBOUNCE_SECONDS).
    await rt.advance(1);
    const { body: commandsB } = await native('GET', `/buildings/${buildingB}/commands`);
    const declined = (
      commandsB.items as { status: string; command: { eventId: string; revision: number } }[]
    ).find((c) => c.command.eventId === eventID && c.command.revision === 1);
    expect(declined?.status).toBe('DECLINED');
    const status = await native('GET', `/events/${eventID}`);
    expect(status.body.revision).toBeGreaterThan(1);

    // The BL revises the event (a smaller target), then cancels it; the VENs hear both.
    const revised = await oa('PUT', `/events/${eventID}`, {
      token: bl,
      body: {
        ...eventBody,
        intervals: targets.map((kw, id) => ({
          id,
          payloads: [{ type: 'DISPATCH_SETPOINT_RELATIVE', values: [Math.floor(kw / 2)] }],
        })),
      },
    });
    expect(revised.status).toBe(200);
    await rt.idle();
    // A revision changes the VEN's event in place: the same id, announced as an UPDATE.
    const afterRevision = await oa('GET', '/events?active=true', { token: venA });
    expect(afterRevision.body.map((e: { id: string }) => e.id)).toEqual([venEventA.id]);
    expect(
      notificationsTo('/ven-a', 'bearer-a').some(
        (n) => n.operation === 'UPDATE' && n.object.id === venEventA.id,
      ),
    ).toBe(true);
    const deleted = await oa('DELETE', `/events/${eventID}`, { token: bl });
    expect(deleted.status).toBe(200);
    expect(deleted.body.id).toBe(eventID);
    await rt.idle();
    expect((await native('GET', `/events/${eventID}`)).body.status).toBe('cancelled');
    expect((await oa('GET', `/events/${eventID}`, { token: bl })).status).toBe(404);
    const finalA = notificationsTo('/ven-a', 'bearer-a');
    expect(finalA.some((n) => n.operation === 'DELETE')).toBe(true);
    expect((await oa('GET', '/events?active=true', { token: venA })).body).toEqual([]);
  });

  it('serves the remaining operations: read, update and delete of each object, with their refusals', async () => {
    const bl = tokens.get('e2e-bl') as string;
    const venA = tokens.get('e2e-ven-a') as string;
    const venB = tokens.get('e2e-ven-b') as string;

    const { body: programs } = await oa('GET', '/programs', { token: bl });
    const program = programs.find((p: { programName: string }) => p.programName === 'e2e-peak-2026');
    const {
      id: _id,
      createdDateTime: _c,
      modificationDateTime: _m,
      objectType: _t,
      ...programRequest
    } = program;
    const updated = await oa('PUT', `/programs/${program.id}`, {
      token: bl,
      body: { ...programRequest, programName: 'e2e-peak-2026-renamed' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.programName).toBe('e2e-peak-2026-renamed');
    expect((await oa('PUT', `/programs/${program.id}`, { token: venA, body: programRequest })).status).toBe(
      403,
    );

    const { body: reports } = await oa('GET', '/reports', { token: venA });
    const report = reports[0];
    const {
      id: _rid,
      createdDateTime: _rc,
      modificationDateTime: _rm,
      objectType: _rt,
      clientID: _cid,
      ...reportRequest
    } = report;
    expect((await oa('PUT', `/reports/${report.id}`, { token: venA, body: reportRequest })).status).toBe(200);
    expect((await oa('PUT', `/reports/${report.id}`, { token: venB, body: reportRequest })).status).toBe(404);
    expect((await oa('DELETE', `/reports/${report.id}`, { token: venB })).status).toBe(404);
    expect((await oa('DELETE', `/reports/${report.id}`, { token: venA })).status).toBe(200);
    expect((await oa('GET', `/reports/${report.id}`, { token: venA })).status).toBe(404);

    const { body: subs } = await oa('GET', '/subscriptions', { token: venA });
    expect(subs).toHaveLength(1);
    const sub = subs[0];
    expect((await oa('GET', `/subscriptions/${sub.id}`, { token: venA })).status).toBe(200);
    expect((await oa('GET', `/subscriptions/${sub.id}`, { token: venB })).status).toBe(404);
    const {
      id: _sid,
      createdDateTime: _sc,
      modificationDateTime: _sm,
      objectType: _st,
      clientID: _scid,
      ...subRequest
    } = sub;
    const insecure = await oa('PUT', `/subscriptions/${sub.id}`, {
      token: venA,
      body: {
        ...subRequest,
        objectOperations: [{ ...subRequest.objectOperations[0], callbackUrl: 'http://127.0.0.1:9/x' }],
      },
    });
    expect(insecure.status).toBe(400);
    expect((await oa('PUT', `/subscriptions/${sub.id}`, { token: venA, body: subRequest })).status).toBe(200);
    expect((await oa('DELETE', `/subscriptions/${sub.id}`, { token: venA })).status).toBe(200);

    const { body: vens } = await oa('GET', '/vens?venName=ven-a', { token: bl });
    const ven = vens[0];
    expect((await oa('GET', `/vens/${ven.id}`, { token: venA })).status).toBe(200);
    expect((await oa('GET', `/vens/${ven.id}`, { token: venB })).status).toBe(404);
    expect(
      (
        await oa('PUT', `/vens/${ven.id}`, {
          token: venA,
          body: { objectType: 'VEN_VEN_REQUEST', venName: 'ven-b' },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await oa('PUT', `/vens/${ven.id}`, {
          token: venA,
          body: {
            objectType: 'VEN_VEN_REQUEST',
            venName: 'ven-a',
            attributes: [{ type: 'LOCATION', values: ['Hohhot'] }],
          },
        })
      ).status,
    ).toBe(200);
    const { body: resources } = await oa('GET', `/resources?venID=${ven.id}`, { token: venA });
    expect(resources).toHaveLength(1);
    const resource = resources[0];
    expect((await oa('GET', `/resources/${resource.id}`, { token: venA })).status).toBe(200);
    expect(
      (
        await oa('PUT', `/resources/${resource.id}`, {
          token: venA,
          body: { objectType: 'VEN_RESOURCE_REQUEST', venID: ven.id, resourceName: 'meter-1' },
        })
      ).status,
    ).toBe(200);
    expect((await oa('DELETE', `/resources/${resource.id}`, { token: venA })).status).toBe(200);
    expect((await oa('DELETE', `/vens/${ven.id}`, { token: venA })).status).toBe(200);
    expect((await oa('DELETE', `/programs/${program.id}`, { token: bl })).status).toBe(200);
    expect((await oa('DELETE', `/programs/${program.id}`, { token: bl })).status).toBe(404);
  });

  it('exercised every operation FlexDR serves, each response valid against openadr3.yaml', () => {
    const served = Object.keys(openadrOperations) as OperationId[];
    expect(served.filter((id) => !validated.has(id))).toEqual([]);
    const statuses = [...validated.values()].reduce((n, s) => n + s.size, 0);
    console.log(
      `OpenADR e2e: ${responses} responses validated against openadr3.yaml (${served.length} operations, ${statuses} operation × status pairs), ${notificationsValidated} webhook notifications validated and signature-checked`,
    );
  });
});
