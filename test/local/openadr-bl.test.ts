/**
 * The BL side of the OpenADR 3.1 VTN through the local runtime over HTTP: the token flow,
 * programs CRUD (each a FlexDR program too), events that become FlexDR grid events (planned,
 * revised, cancelled), pagination and filters, and the refusals as RFC 7807 problems.
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
const PARK = 'oadr-park';
const OTHER_PARK = 'oadr-park-2';
const BUILDINGS = ['oadr-b1', 'oadr-b2', 'oadr-b3'];
const SETTLEMENT = { unit: 'YUAN_PER_KWH', price: 1.5, minRatio: 0.8, maxRatio: 1.2 };

interface Res {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers of many operations; each test asserts what it reads.
  body: any;
}

function program(programName: string, extra: Record<string, unknown> = {}) {
  return {
    programName,
    attributes: [{ type: 'FLEXDR_SETTLEMENT', values: [JSON.stringify(SETTLEMENT)] }],
    ...extra,
  };
}

/** A peak-shaving event: kW reductions per 15 minutes from `start` (Beijing time). */
function event(
  programID: string,
  kw: number[],
  start = '2026-12-14T17:00:00+08:00',
  targets = [`park:${PARK}`],
) {
  return {
    programID,
    eventName: 'evening peak',
    targets,
    payloadDescriptors: [
      { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'DISPATCH_SETPOINT_RELATIVE', units: 'KW' },
    ],
    intervalPeriod: { start, duration: 'PT15M' },
    intervals: kw.map((v, id) => ({ id, payloads: [{ type: 'DISPATCH_SETPOINT_RELATIVE', values: [v] }] })),
  };
}

function expectProblem(res: Res, status: number): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status });
  expect(typeof res.body.detail).toBe('string');
}

describe('OpenADR 3.1, the BL side', () => {
  let rt: LocalRuntime;
  let operator: string;
  let bl: string;
  let ven: string;

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<Res> =>
    jsonCall(rt.url, method, path, { token, body });
  const oadr = (method: string, path: string, token?: string, body?: unknown) =>
    call(method, `/openadr3${path}`, token, body);
  const must = (method: string, path: string, body: unknown, status = 200) =>
    mustCall(rt.url, method, path, status, { token: operator, body });

  beforeAll(async () => {
    rt = await startOpenadrLocal(NOW);
    operator = await rt.token({ role: 'operator', subject: 'oadr-operator' });
    for (const parkId of [PARK, OTHER_PARK])
      await must('PUT', `/parks/${parkId}`, { parkId, name: parkId, zone: 'mengxi', city: 'Hohhot' });
    for (const buildingId of BUILDINGS)
      await must('PUT', `/buildings/${buildingId}`, batteryBuilding(buildingId, PARK, 'oadr'));
    const bms = await rt.token({ role: 'bms', buildingIds: BUILDINGS, subject: 'oadr-seeder' });
    for (const buildingId of BUILDINGS)
      await mustCall(rt.url, 'POST', `/buildings/${buildingId}/telemetry`, 202, {
        token: bms,
        body: batteryTelemetry(buildingId, NOW, '2026-12-14T00:45:00Z'),
      });
    bl = (await openadrClient(rt.url, operator, 'oadr-bl', { role: 'BL' })).accessToken;
    ven = (await openadrClient(rt.url, operator, 'oadr-ven', { role: 'VEN', buildingIds: ['oadr-b1'] }))
      .accessToken;
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('issues tokens for client credentials, and refuses no token, a bad token and a wrong secret', async () => {
    const wrong = await jsonCall(rt.url, 'POST', '/openadr3/auth/token', {
      form: { grant_type: 'client_credentials', client_id: 'oadr-bl', client_secret: 'not-the-secret' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ status: 401, error: 'invalid_client' });
    expectProblem(await oadr('GET', '/programs'), 401);
    expectProblem(await oadr('GET', '/programs', 'made-up-token'), 401);
    expectProblem(await oadr('GET', '/events'), 401);
  });

  it('lets a VEN neither write programs nor events (403)', async () => {
    expectProblem(await oadr('POST', '/programs', ven, program('ven program')), 403);
    expectProblem(await oadr('POST', '/events', ven, event('whatever', [100])), 403);
    expectProblem(await oadr('PUT', '/events/whatever', ven, event('whatever', [100])), 403);
    expectProblem(await oadr('DELETE', '/events/whatever', ven), 403);
    expectProblem(await oadr('DELETE', '/programs/whatever', ven), 403);
  });

  it('creates a program (201, metadata, the FlexDR program too) and refuses a taken name (409) and bad bodies (400)', async () => {
    const created = await oadr('POST', '/programs', bl, program('Mengxi peak', { targets: [] }));
    expect(created.status).toBe(201);
    const p = created.body;
    expect(p).toMatchObject({ objectType: 'PROGRAM', programName: 'Mengxi peak', targets: [] });
    expect(p.id).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(p.createdDateTime).toBe(new Date(NOW).toISOString());
    expect(p.modificationDateTime).toBe(p.createdDateTime);
    expect((await oadr('GET', `/programs/${p.id}`, bl)).body).toEqual(p);
    // The FlexDR program: default baseline, the settlement rules sent.
    expect(await must('GET', `/programs/${p.id}`, undefined)).toMatchObject({
      programId: p.id,
      name: 'Mengxi peak',
      baseline: { method: 'N_DAY_AVERAGE' },
      settlement: SETTLEMENT,
    });

    expectProblem(await oadr('POST', '/programs', bl, program('Mengxi peak')), 409);
    expectProblem(await oadr('POST', '/programs', bl, { attributes: [] }), 400);
    // A settlement that is not JSON is refused; none at all takes FlexDR's default (openadr-conformance).
    const badPrice = await oadr('POST', '/programs', bl, {
      programName: 'bad price',
      attributes: [{ type: 'FLEXDR_SETTLEMENT', values: ['price=3'] }],
    });
    expectProblem(badPrice, 400);
    expect(badPrice.body.detail).toContain('FLEXDR_SETTLEMENT');
    // Nothing of the refused ones was kept.
    const all = (await oadr('GET', '/programs', bl)).body as { programName: string }[];
    expect(all.map((x) => x.programName)).toEqual(['Mengxi peak']);
  });

  it('pages and filters programs, shows a VEN only its own, and updates and deletes them', async () => {
    const b1 = (await oadr('POST', '/programs', bl, program('for b1', { targets: ['building:oadr-b1'] })))
      .body;
    const elsewhere = (
      await oadr('POST', '/programs', bl, program('elsewhere', { targets: [`park:${OTHER_PARK}`] }))
    ).body;
    const names = async (query: string, token = bl) =>
      ((await oadr('GET', `/programs${query}`, token)).body as { programName: string }[]).map(
        (x) => x.programName,
      );

    // Oldest first; objects made in the same (stopped) millisecond come in id order.
    const all = await names('');
    expect([...all].sort()).toEqual(['Mengxi peak', 'elsewhere', 'for b1']);
    expect(await names('?limit=2')).toEqual(all.slice(0, 2));
    expect(await names('?skip=1&limit=1')).toEqual(all.slice(1, 2));
    expect(await names('?skip=3')).toEqual([]);
    expectProblem(await oadr('GET', '/programs?limit=51', bl), 400);
    expectProblem(await oadr('GET', '/programs?skip=-1', bl), 400);
    expect(await names('?targets=building:oadr-b1')).toEqual(['for b1']);
    expect(await names(`?targets=building:oadr-b1&targets=park:${OTHER_PARK}`)).toEqual(
      all.filter((n) => n !== 'Mengxi peak'),
    );
    expect(await names('?targets=building:nowhere')).toEqual([]);

    // A VEN: programs for everyone, and those sharing one of its targets; another's is hidden.
    expect((await names('', ven)).sort()).toEqual(['Mengxi peak', 'for b1']);
    expectProblem(await oadr('GET', `/programs/${elsewhere.id}`, ven), 404);
    expect((await oadr('GET', `/programs/${b1.id}`, ven)).status).toBe(200);

    const renamed = await oadr('PUT', `/programs/${elsewhere.id}`, bl, program('elsewhere, renamed'));
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: elsewhere.id, programName: 'elsewhere, renamed' });
    expect(renamed.body.createdDateTime).toBe(elsewhere.createdDateTime);
    expect(renamed.body.modificationDateTime > elsewhere.modificationDateTime).toBe(true);
    expect(renamed.body.targets).toBeUndefined();
    expect(await must('GET', `/programs/${elsewhere.id}`, undefined)).toMatchObject({
      name: 'elsewhere, renamed',
    });
    expectProblem(await oadr('PUT', `/programs/${elsewhere.id}`, bl, program('for b1')), 409);
    expectProblem(await oadr('PUT', '/programs/no-such-program', bl, program('ghost')), 404);

    const deleted = await oadr('DELETE', `/programs/${elsewhere.id}`, bl);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual(renamed.body);
    expectProblem(await oadr('GET', `/programs/${elsewhere.id}`, bl), 404);
    expectProblem(await oadr('DELETE', `/programs/${elsewhere.id}`, bl), 404);
    // The name is free again.
    expect((await oadr('POST', '/programs', bl, program('elsewhere, renamed'))).status).toBe(201);
  });

  it('turns an event into a FlexDR grid event that is planned, revised by PUT and cancelled by DELETE', async () => {
    const programs = (await oadr('GET', '/programs?targets=building:oadr-b1', bl)).body as { id: string }[];
    const programID = programs[0]?.id as string;
    const before = (await oadr('GET', '/events', bl)).body as unknown[];

    const created = await oadr('POST', '/events', bl, event(programID, [200, 300, 300, 200]));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const e = created.body;
    expect(e).toMatchObject({
      objectType: 'EVENT',
      programID,
      eventName: 'evening peak',
      targets: [`park:${PARK}`],
    });
    expect((await oadr('GET', `/events/${e.id}`, bl)).body).toEqual(e);

    await rt.idle();
    const native = await must('GET', `/events/${e.id}`, undefined);
    expect(native.event).toMatchObject({
      eventId: e.id,
      programId: programID,
      type: 'PEAK_SHAVING',
      start: '2026-12-14T17:00:00+08:00',
      end: '2026-12-14T18:00:00+08:00',
      targetsKw: [200, 300, 300, 200],
      scope: { parkIds: [PARK] },
      noticeAt: new Date(NOW).toISOString(),
    });
    expect(['planned', 'dispatched']).toContain(native.status);
    const plan = await must('GET', `/events/${e.id}/plan`, undefined);
    expect(plan.plan.targetsKw).toEqual([200, 300, 300, 200]);
    expect(plan.commands.length).toBeGreaterThan(0);

    // Refusals store nothing: an unknown program (400 naming programID), a window already over,
    // a payload FlexDR does not take, and a body that is not an event.
    const unknown = await oadr('POST', '/events', bl, event('no-such-program', [100]));
    expectProblem(unknown, 400);
    expect(unknown.body.detail).toContain('programID');
    expectProblem(
      await oadr('POST', '/events', bl, event(programID, [100], '2026-12-14T08:00:00+08:00')),
      400,
    );
    const ceiling = event(programID, [100]);
    ceiling.intervals = [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [100] }] }];
    expectProblem(await oadr('POST', '/events', bl, ceiling), 400);
    expectProblem(await oadr('POST', '/events', bl, {}), 400);
    expect((await oadr('GET', '/events', bl)).body).toHaveLength(before.length + 1);

    // PUT: a new FlexDR revision, planned again.
    const revised = await oadr('PUT', `/events/${e.id}`, bl, event(programID, [250, 250, 250, 250]));
    expect(revised.status, JSON.stringify(revised.body)).toBe(200);
    expect(revised.body.createdDateTime).toBe(e.createdDateTime);
    expect(revised.body.modificationDateTime > e.modificationDateTime).toBe(true);
    expect(revised.body.intervals[0].payloads[0].values).toEqual([250]);
    await rt.idle();
    const second = await must('GET', `/events/${e.id}`, undefined);
    expect(second.revision).toBe(2);
    expect(second.event.targetsKw).toEqual([250, 250, 250, 250]);
    expect(second.event.noticeAt).toBe(native.event.noticeAt);
    expect((await must('GET', `/events/${e.id}/plan`, undefined)).plan.targetsKw).toEqual([
      250, 250, 250, 250,
    ]);
    const otherProgram = ((await oadr('GET', '/programs', bl)).body as { id: string }[]).find(
      (x) => x.id !== programID,
    )?.id as string;
    expectProblem(await oadr('PUT', `/events/${e.id}`, bl, event(otherProgram, [250])), 400);
    expectProblem(await oadr('PUT', '/events/no-such-event', bl, event(programID, [250])), 404);

    // DELETE: the FlexDR event is cancelled, the object answered and gone.
    const deleted = await oadr('DELETE', `/events/${e.id}`, bl);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual(revised.body);
    await rt.idle();
    expect((await must('GET', `/events/${e.id}`, undefined)).status).toBe('cancelled');
    expectProblem(await oadr('GET', `/events/${e.id}`, bl), 404);
    expectProblem(await oadr('DELETE', `/events/${e.id}`, bl), 404);
  });

  it('tells the BL when its event failed: no building in the scope could respond', async () => {
    const programs = (await oadr('GET', '/programs?targets=building:oadr-b1', bl)).body as { id: string }[];
    const created = await oadr(
      'POST',
      '/events',
      bl,
      event(programs[0]?.id as string, [100, 100], '2026-12-14T19:00:00+08:00', ['park:oadr-no-buildings']),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await rt.idle();
    expect((await must('GET', `/events/${created.body.id}`, undefined)).status).toBe('failed');
    const read = await oadr('GET', `/events/${created.body.id}`, bl);
    expect(read.status).toBe(200);
    const payloads = read.body.intervals[0].payloads as { type: string; values: string[] }[];
    expect(payloads.find((p) => p.type === 'FLEXDR_STATUS')?.values).toEqual([
      'FAILED',
      expect.stringContaining('no building in the scope could respond'),
    ]);
    // The other intervals and the BL's own payloads are as sent.
    expect(payloads[0]).toEqual({ type: 'DISPATCH_SETPOINT_RELATIVE', values: [100] });
    expect(read.body.intervals[1]).toEqual(created.body.intervals[1]);
    expect(read.body.modificationDateTime > created.body.modificationDateTime).toBe(true);
    // Deleting it takes the object away; the failed grid event stays as it was.
    expect((await oadr('DELETE', `/events/${created.body.id}`, bl)).status).toBe(200);
    expect((await must('GET', `/events/${created.body.id}`, undefined)).status).toBe('failed');
  });

  it('lists events by programID, targets and active, with skip and limit', async () => {
    const programs = (await oadr('GET', '/programs', bl)).body as { id: string }[];
    const [p1, p2] = programs.map((p) => p.id) as [string, string];
    const post = async (body: unknown) => {
      const res = await oadr('POST', '/events', bl, body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    // Soon over: 09:15 to 09:30 Beijing time.
    const soon = await post(event(p1, [50], '2026-12-14T09:15:00+08:00'));
    const evening = await post(event(p2, [100, 100], '2026-12-14T19:00:00+08:00', ['building:oadr-b2']));
    const ids = async (query: string) =>
      ((await oadr('GET', `/events${query}`, bl)).body as { id: string }[]).map((x) => x.id);

    const all = await ids('');
    expect([...all].sort()).toEqual([soon, evening].sort());
    expect(await ids(`?programID=${p2}`)).toEqual([evening]);
    expect(await ids('?targets=building:oadr-b2')).toEqual([evening]);
    expect(await ids(`?targets=park:${PARK}`)).toEqual([soon]);
    expect(await ids('?skip=1&limit=1')).toEqual(all.slice(1));
    expect(await ids('?limit=0')).toEqual([]);
    expectProblem(await oadr('GET', '/events?limit=51', bl), 400);
    expectProblem(await oadr('GET', '/events?active=maybe', bl), 400);
    expect(await ids('?active=true')).toEqual(all);

    await rt.advance(45);
    expect(await ids('?active=true')).toEqual([evening]);
    expect(await ids('?active=false')).toEqual(all);
    // An event that is over is deleted without a cancellation; its FlexDR history stays.
    expect((await oadr('DELETE', `/events/${soon}`, bl)).status).toBe(200);
    expect((await must('GET', `/events/${soon}`, undefined)).status).not.toBe('cancelled');
    await rt.idle();
    expect(rt.bus.deadLetters).toEqual([]);
  });
});
