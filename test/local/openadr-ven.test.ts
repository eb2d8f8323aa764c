/**
 * The VEN side of the OpenADR 3.1 VTN through the local runtime over HTTP: a VEN reads the events
 * of its own building's commands (and thereby accepts them), reports meter data into FlexDR
 * telemetry, opts out (the command is declined and redispatched), keeps its reports to itself,
 * and describes itself with vens and resources.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import {
  batteryBuilding,
  batteryTelemetry,
  jsonCall,
  mustCall,
  openadrClient,
  startOpenadrLocal,
} from '../support/openadr-local.ts';

/** The clock stands still at 09:00 Beijing time on a Monday; the event is in the evening. */
const NOW = Date.parse('2026-12-14T01:00:00Z');
const PARK = 'ven-park';
const PROGRAM = 'ven-program';
const EVENT = 'ven-evening-peak';
/** A and B are cheap to dispatch and share the target; C is dear, spare until A opts out. */
const [A, B, C] = ['ven-a1', 'ven-a2', 'ven-a3'] as const;
const CYCLE_COST: Record<string, number> = { [A]: 0.05, [B]: 0.06, [C]: 0.5 };

interface Res {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers of many operations; each test asserts what it reads.
  body: any;
}
interface CommandItem {
  status: string;
  reason?: string;
  command: { commandId: string; eventId: string; revision: number; kind: string; gridLimitKw: number[] };
}

const building = (buildingId: string) =>
  batteryBuilding(buildingId, PARK, 'ven', { cycleCostYuanPerKwh: CYCLE_COST[buildingId] });

/** A report of VEN A's meter: 15-minute intervals from 08:30 Beijing time, and other resources. */
const report = (
  eventID: string,
  payloads: { type: string; values: unknown[] }[][],
  others: Record<string, unknown>[] = [],
) => ({
  eventID,
  clientName: 'ven-a-bms',
  reportName: 'morning meter',
  resources: [
    {
      resourceName: 'AGGREGATED_REPORT',
      intervalPeriod: { start: '2026-12-14T08:30:00+08:00', duration: 'PT15M' },
      intervals: payloads.map((p, id) => ({ id, payloads: p })),
    },
    ...others,
  ],
});

function expectProblem(res: Res, status: number): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status });
}

describe('OpenADR 3.1, the VEN side', () => {
  let rt: LocalRuntime;
  let operator: string;
  const tokens: Record<string, string> = {};
  let venEventA: Res['body'];
  let reportId: string;

  const call = (method: string, path: string, token: string, body?: unknown): Promise<Res> =>
    jsonCall(rt.url, method, path, { token, body });
  const oadr = (method: string, path: string, who: string, body?: unknown) =>
    call(method, `/openadr3${path}`, tokens[who] as string, body);
  const must = (method: string, path: string, body: unknown, status: number, token = operator) =>
    mustCall(rt.url, method, path, status, { token, body });
  const commandsOf = async (buildingId: string): Promise<CommandItem[]> =>
    ((await must('GET', `/buildings/${buildingId}/commands`, undefined, 200)).items as CommandItem[]).filter(
      (c) => c.command.eventId === EVENT,
    );
  /** The building's current command of the event (the latest revision). */
  const currentOf = async (buildingId: string) =>
    (await commandsOf(buildingId)).sort((x, y) => y.command.revision - x.command.revision)[0] as CommandItem;

  beforeAll(async () => {
    rt = await startOpenadrLocal(NOW);
    operator = await rt.token({ role: 'operator', subject: 'ven-operator' });
    await must(
      'PUT',
      `/programs/${PROGRAM}`,
      {
        programId: PROGRAM,
        name: 'VEN side',
        baseline: { method: 'N_DAY_AVERAGE', days: 5, dayFilter: 'WORKDAY' },
        settlement: { unit: 'YUAN_PER_KWH', price: 1.5, minRatio: 0.8, maxRatio: 1.2 },
      },
      200,
    );
    await must('PUT', `/parks/${PARK}`, { parkId: PARK, name: PARK, zone: 'mengxi', city: 'Hohhot' }, 200);
    for (const id of [A, B, C]) await must('PUT', `/buildings/${id}`, building(id), 200);
    const seeder = await rt.token({ role: 'bms', buildingIds: [A, B, C], subject: 'ven-seeder' });
    for (const buildingId of [A, B, C])
      await must(
        'POST',
        `/buildings/${buildingId}/telemetry`,
        batteryTelemetry(buildingId, NOW, '2026-12-14T00:45:00Z'),
        202,
        seeder,
      );
    for (const [clientId, body] of [
      ['bl', { role: 'BL' }],
      ['venA', { role: 'VEN', buildingIds: [A] }],
      ['venB', { role: 'VEN', buildingIds: [B] }],
    ] as const) {
      tokens[clientId] = (await openadrClient(rt.url, operator, `ven-test-${clientId}`, body)).accessToken;
    }
    // A native event on the park: more than one cheap battery gives, less than the park's total.
    await must(
      'POST',
      '/events',
      {
        eventId: EVENT,
        programId: PROGRAM,
        type: 'PEAK_SHAVING',
        start: '2026-12-14T17:00:00+08:00',
        end: '2026-12-14T18:00:00+08:00',
        intervalMinutes: 15,
        targetsKw: [220, 220, 220, 220],
        scope: { parkIds: [PARK] },
        noticeAt: new Date(NOW).toISOString(),
      },
      201,
    );
    await rt.idle();
  }, 60_000);
  afterAll(async () => {
    await rt?.stop();
  });

  it('gives a VEN exactly its own event, whose set points are its command, and reading it accepts it', async () => {
    const [commandA] = await commandsOf(A);
    const [commandB] = await commandsOf(B);
    expect(commandA?.status).toBe('PUBLISHED');
    expect(commandB?.status).toBe('PUBLISHED');

    const events = await oadr('GET', '/events', 'venA');
    expect(events.status).toBe(200);
    expect(events.body).toHaveLength(1);
    venEventA = events.body[0];
    expect(venEventA).toMatchObject({
      objectType: 'EVENT',
      programID: PROGRAM,
      eventName: commandA?.command.commandId,
      targets: expect.arrayContaining([`building:${A}`]),
    });
    expect(venEventA.targets).not.toContain(`building:${B}`);
    const setpoints = venEventA.intervals.map(
      (i: { payloads: { type: string; values: number[] }[] }) =>
        i.payloads.find((p) => p.type === 'DISPATCH_SETPOINT')?.values[0],
    );
    expect(setpoints).toEqual(commandA?.command.gridLimitKw);
    // Receipt is acceptance: A's command is acknowledged, B's (unread) is not.
    expect((await commandsOf(A))[0]?.status).toBe('ACKNOWLEDGED');
    expect((await commandsOf(B))[0]?.status).toBe('PUBLISHED');

    expect((await oadr('GET', `/events/${venEventA.id}`, 'venA')).body).toEqual(venEventA);
    expectProblem(await oadr('GET', `/events/${venEventA.id}`, 'venB'), 404);
    expectProblem(await oadr('GET', '/events/no-such-event', 'venA'), 404);
    const ofB = await oadr('GET', '/events', 'venB');
    expect(ofB.body.map((e: { targets: string[] }) => e.targets)).toEqual([
      expect.arrayContaining([`building:${B}`]),
    ]);

    // Filters and pages.
    expect((await oadr('GET', `/events?programID=${PROGRAM}&active=true`, 'venA')).body).toHaveLength(1);
    expect((await oadr('GET', '/events?programID=other', 'venA')).body).toEqual([]);
    expect((await oadr('GET', `/events?targets=building:${B}`, 'venA')).body).toEqual([]);
    expect((await oadr('GET', `/events?targets=building:${A},x`, 'venA')).body).toHaveLength(1);
    expect((await oadr('GET', '/events?skip=1', 'venA')).body).toEqual([]);
    expectProblem(await oadr('GET', '/events?limit=51', 'venA'), 400);
  });

  it('feeds a VEN report into its building telemetry and keeps reports to their VEN and the BL', async () => {
    const meter = report(
      venEventA.id,
      [[{ type: 'USAGE', values: [70] }], [{ type: 'DEMAND', values: [260] }]],
      [
        {
          resourceName: 'bat',
          intervalPeriod: { start: '2026-12-14T08:45:00+08:00', duration: 'PT15M' },
          intervals: [{ id: 0, payloads: [{ type: 'STORAGE_CHARGE_LEVEL', values: [0.55] }] }],
        },
      ],
    );
    const created = await oadr('POST', '/reports', 'venA', meter);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    reportId = created.body.id;
    expect(created.body).toMatchObject({
      objectType: 'REPORT',
      clientID: 'ven-test-venA',
      eventID: venEventA.id,
    });
    const { state } = await must('GET', `/buildings/${A}`, undefined, 200);
    expect(state).toMatchObject({
      at: '2026-12-14T01:00:00.000Z',
      netLoadKw: 260,
      assets: [{ kind: 'battery', assetId: 'bat', soc: 0.55 }],
    });

    expectProblem(await oadr('GET', `/reports/${reportId}`, 'venB'), 404);
    expect((await oadr('GET', `/reports/${reportId}`, 'bl')).body).toEqual(created.body);
    expect((await oadr('GET', '/reports', 'venB')).body).toEqual([]);
    expect((await oadr('GET', `/reports?eventID=${venEventA.id}`, 'bl')).body).toHaveLength(1);
    // The event the VEN's was made from finds its reports too; VEN B sees none of them.
    expect(
      (await oadr('GET', `/reports?eventID=${EVENT}`, 'bl')).body.map((r: { id: string }) => r.id),
    ).toEqual([reportId]);
    expect((await oadr('GET', `/reports?eventID=${EVENT}`, 'venB')).body).toEqual([]);
    expect(
      (await oadr('GET', `/reports?programID=${PROGRAM}&clientName=ven-a-bms`, 'venA')).body,
    ).toHaveLength(1);
    expect((await oadr('GET', '/reports?clientName=someone-else', 'bl')).body).toEqual([]);

    // Only a VEN writes, only its own, only about its own events.
    const {
      id: _i,
      createdDateTime: _c,
      modificationDateTime: _m,
      objectType: _o,
      clientID: _id,
      ...request
    } = created.body;
    expectProblem(await oadr('POST', '/reports', 'bl', request), 403);
    expectProblem(await oadr('PUT', `/reports/${reportId}`, 'bl', request), 403);
    expectProblem(await oadr('PUT', `/reports/${reportId}`, 'venB', request), 404);
    expectProblem(await oadr('DELETE', `/reports/${reportId}`, 'venB'), 404);
    const foreign = await oadr('POST', '/reports', 'venB', request);
    expectProblem(foreign, 400);
    expect(foreign.body.detail).toContain('eventID');
    const updated = await oadr('PUT', `/reports/${reportId}`, 'venA', {
      ...request,
      reportName: 'corrected',
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: reportId, reportName: 'corrected', clientID: 'ven-test-venA' });
    expect(updated.body.modificationDateTime > created.body.modificationDateTime).toBe(true);
  });

  it('declines the command of a VEN that opts out after accepting, and redispatches its share', async () => {
    const optOut = await oadr(
      'POST',
      '/reports',
      'venA',
      report(venEventA.id, [[{ type: 'OPERATING_STATE', values: ['RUNNING_OPTED_OUT'] }]]),
    );
    expect(optOut.status, JSON.stringify(optOut.body)).toBe(201);
    const [declined] = await commandsOf(A);
    expect(declined?.status).toBe('DECLINED');
    expect(declined?.reason).toContain('opted out');
    await rt.idle();
    // The re-plan it asked for runs at the end of its debounce period (REPLAN_DEBOUNCE_SECONDS).
    await rt.advance(1);
    const event = await must('GET', `/events/${EVENT}`, undefined, 200);
    expect(event.revision).toBeGreaterThan(1);
    // The spare building takes the share; VEN A still sees the event it opted out of.
    expect((await currentOf(C)).status).toBe('PUBLISHED');
    expect((await oadr('GET', '/events', 'venA')).body.map((e: { id: string }) => e.id)).toEqual([
      venEventA.id,
    ]);
    const ofB = await oadr('GET', '/events', 'venB');
    expect(ofB.body).toHaveLength(1);
    expect(ofB.body[0].eventName).toBe((await currentOf(B)).command.commandId);
    // Deleting the report answers it; the opt-out stands.
    const deleted = await oadr('DELETE', `/reports/${optOut.body.id}`, 'venA');
    expect(deleted.body).toEqual(optOut.body);
    expectProblem(await oadr('GET', `/reports/${optOut.body.id}`, 'venA'), 404);
    expect((await commandsOf(A))[0]?.status).toBe('DECLINED');
  });

  it('lets VENs describe themselves and their resources, and a BL register any VEN', async () => {
    const venA = await oadr('POST', '/vens', 'venA', { objectType: 'VEN_VEN_REQUEST', venName: 'ven-a' });
    expect(venA.status).toBe(201);
    expect(venA.body).toMatchObject({
      objectType: 'VEN',
      clientID: 'ven-test-venA',
      venName: 'ven-a',
      targets: [`building:${A}`],
    });
    expect(venA.body).not.toHaveProperty('attributes');
    // The VEN's events now carry its name.
    expect((await oadr('GET', '/events', 'venA')).body[0].targets).toContain('ven-a');
    // Names are unique; createVen lists no 409 in the document, so its conflict is a 400.
    expectProblem(
      await oadr('POST', '/vens', 'venB', { objectType: 'VEN_VEN_REQUEST', venName: 'ven-a' }),
      400,
    );
    const byBl = await oadr('POST', '/vens', 'bl', {
      objectType: 'BL_VEN_REQUEST',
      venName: 'ven-b',
      clientID: 'ven-test-venB',
      targets: [`building:${B}`, 'group:north'],
    });
    expect(byBl.status).toBe(201);
    for (const clientID of ['nobody', 'ven-test-bl'])
      expectProblem(
        await oadr('POST', '/vens', 'bl', { objectType: 'BL_VEN_REQUEST', venName: 'x', clientID }),
        400,
      );
    expectProblem(await oadr('POST', '/vens', 'bl', { objectType: 'VEN_VEN_REQUEST', venName: 'x' }), 400);

    const names = async (who: string, query = '') =>
      (await oadr('GET', `/vens${query}`, who)).body.map((v: { venName: string }) => v.venName);
    // The clock stands still, so both were created in the same millisecond: their order is the store's.
    const all = await names('bl');
    expect([...all].sort()).toEqual(['ven-a', 'ven-b']);
    expect(await names('venA')).toEqual(['ven-a']);
    expect(await names('venB')).toEqual(['ven-b']);
    expect(await names('bl', '?venName=ven-b')).toEqual(['ven-b']);
    expect(await names('bl', '?targets=group:north')).toEqual(['ven-b']);
    expect(await names('bl', '?skip=1&limit=1')).toEqual([all[1]]);
    expectProblem(await oadr('GET', '/vens?limit=51', 'bl'), 400);
    expectProblem(await oadr('GET', `/vens/${venA.body.id}`, 'venB'), 404);

    // A VEN renames itself but keeps its client id and targets; a taken name is a 409.
    const renamed = await oadr('PUT', `/vens/${venA.body.id}`, 'venA', {
      objectType: 'VEN_VEN_REQUEST',
      venName: 'ven-a-renamed',
      attributes: [{ type: 'LOCATION', values: ['Hohhot'] }],
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ clientID: 'ven-test-venA', targets: [`building:${A}`] });
    expectProblem(
      await oadr('PUT', `/vens/${venA.body.id}`, 'venA', { objectType: 'VEN_VEN_REQUEST', venName: 'ven-b' }),
      409,
    );
    expectProblem(
      await oadr('PUT', `/vens/${venA.body.id}`, 'venA', {
        objectType: 'BL_VEN_REQUEST',
        venName: 'ven-a',
        clientID: 'ven-test-venA',
        targets: [`building:${B}`],
      }),
      403,
    );
    expectProblem(
      await oadr('PUT', `/vens/${venA.body.id}`, 'venB', { objectType: 'VEN_VEN_REQUEST', venName: 'mine' }),
      404,
    );

    // Resources: unique per ven, on a ven the caller sees.
    const resource = { objectType: 'VEN_RESOURCE_REQUEST', venID: venA.body.id, resourceName: 'bat' };
    const created = await oadr('POST', '/resources', 'venA', resource);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      objectType: 'RESOURCE',
      clientID: 'ven-test-venA',
      venID: venA.body.id,
    });
    expectProblem(await oadr('POST', '/resources', 'venA', resource), 409);
    expect((await oadr('POST', '/resources', 'bl', { ...resource, venID: byBl.body.id })).status).toBe(201);
    expectProblem(await oadr('POST', '/resources', 'venB', resource), 400);
    expectProblem(await oadr('POST', '/resources', 'venA', { ...resource, venID: 'no-such-ven' }), 400);
    expectProblem(
      await oadr('POST', '/resources', 'bl', {
        ...resource,
        objectType: 'BL_RESOURCE_REQUEST',
        clientID: 'x',
      }),
      400,
    );
    expect((await oadr('GET', '/resources?resourceName=bat', 'bl')).body).toHaveLength(2);
    expect((await oadr('GET', '/resources', 'venA')).body.map((r: { id: string }) => r.id)).toEqual([
      created.body.id,
    ]);
    expect((await oadr('GET', `/resources?venID=${byBl.body.id}`, 'venA')).body).toEqual([]);
    expectProblem(await oadr('GET', `/resources/${created.body.id}`, 'venB'), 404);
    const moved = await oadr('PUT', `/resources/${created.body.id}`, 'venA', {
      ...resource,
      resourceName: 'battery',
    });
    expect(moved.status).toBe(200);
    expect(moved.body.resourceName).toBe('battery');
    expectProblem(
      await oadr('PUT', `/resources/${created.body.id}`, 'venA', { ...resource, venID: byBl.body.id }),
      400,
    );

    // Deleting a ven deletes its resources.
    const gone = await oadr('DELETE', `/vens/${venA.body.id}`, 'venA');
    expect(gone.status).toBe(200);
    expect(gone.body.venName).toBe('ven-a-renamed');
    expectProblem(await oadr('GET', `/resources/${created.body.id}`, 'venA'), 404);
    expectProblem(await oadr('GET', `/vens/${venA.body.id}`, 'bl'), 404);
    expect((await oadr('GET', '/resources', 'bl')).body).toHaveLength(1);
  });
});
