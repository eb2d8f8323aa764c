/**
 * Telemetry on DynamoDB Local: the repository (readings by interval, the newest state, the load
 * profile by kind of day and by weekday, robustness to data stamped in the future) and the
 * use-case and HTTP route that refuse reports from the future before storing anything.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dynamoRepositories, type Repositories } from '../../lib/adapters/dynamodb/index.ts';
import { keys } from '../../lib/adapters/dynamodb/table.ts';
import { stateItem } from '../../lib/adapters/dynamodb/telemetry-repository.ts';
import { DEFAULT_CONFIG, type Deps } from '../../lib/app/config.ts';
import { deleteBuilding } from '../../lib/app/enrollment.ts';
import { reportTelemetry } from '../../lib/app/telemetry.ts';
import { WorkCalendar } from '../../lib/domain/calendar.ts';
import { NotFoundError, ValidationError } from '../../lib/domain/errors.ts';
import { Building } from '../../lib/domain/model/building.ts';
import type { BuildingState, MeterReading } from '../../lib/domain/model/telemetry.ts';
import { DAY_MS, MINUTE_MS } from '../../lib/domain/time.ts';
import type { BusMessage } from '../../lib/ports.ts';
import { createTestTable, LOCAL_AWS, type TestTable } from '../support/dynamodb-local.ts';
import { buildingInput } from '../support/fixtures.ts';
import { bms, Harness, operator } from './harness.ts';

const RETENTION_DAYS = 60;
const at = (iso: string) => Date.parse(iso);
const reading = (buildingId: string, intervalStart: string, kw: number): MeterReading => ({
  buildingId,
  intervalStart,
  intervalMinutes: 15,
  kw,
});
const state = (buildingId: string, iso: string, netLoadKw: number): BuildingState => ({
  buildingId,
  at: iso,
  netLoadKw,
  assets: [{ kind: 'battery', assetId: 'bat', soc: 0.5, powerKw: 0 }],
});

/**
 * A fictional 2026 (the tests never depend on the installed `chinese-days`): Wednesday 2026-12-16
 * a holiday, Saturday 2026-12-19 a working day. 2027 is not held.
 */
const calendar = new WorkCalendar([
  { year: 2026, source: 'test', holidays: ['2026-12-16'], workdays: ['2026-12-19'], version: 1 },
]);

/** A fresh table and repositories over it whose clock the tests set. */
function useTable() {
  const ctx = { nowMs: at('2026-12-21T00:00:00Z') } as {
    table: TestTable;
    repos: Repositories;
    nowMs: number;
  };
  beforeAll(async () => {
    ctx.table = await createTestTable(inject('dynamodbEndpoint'));
    ctx.repos = dynamoRepositories(ctx.table.doc, ctx.table.tableName, {
      readingRetentionDays: RETENTION_DAYS,
      now: () => ctx.nowMs,
    });
  });
  afterAll(async () => {
    await ctx.table?.drop();
  });
  return ctx;
}

describe('DynamoTelemetryRepository', () => {
  const t = useTable();
  const profileOf = async (id: string) => (await t.repos.telemetry.getTelemetry([id])).get(id)?.profile;

  it('stores one item per interval: a re-send overwrites, with its TTL, and ranges are half-open', async () => {
    // Prepare: the same instant written two ways, and twice in one call
    const { telemetry } = t.repos;
    t.nowMs = at('2026-12-21T00:00:00Z');
    const series = Array.from({ length: 12 }, (_, i) =>
      reading('r2', new Date(at('2026-12-14T02:00:00Z') + i * 15 * MINUTE_MS).toISOString(), i),
    );

    // Act
    await telemetry.putReadings('r1', [reading('r1', '2026-12-14T09:00:00+08:00', 100)], calendar);
    await telemetry.putReadings(
      'r1',
      [reading('r1', '2026-12-14T01:00:00Z', 110), reading('r1', '2026-12-14T01:00:00.000Z', 120)],
      calendar,
    );
    await telemetry.putReadings('r2', [...series].reverse(), calendar);

    // Assess: one item, the last value, expiring after the retention
    const start = at('2026-12-14T01:00:00Z');
    const stored = await telemetry.readings('r1', start, start + 15 * MINUTE_MS);
    expect(stored).toEqual([reading('r1', '2026-12-14T01:00:00.000Z', 120)]);
    const raw = await t.table.doc.send(
      new GetCommand({ TableName: t.table.tableName, Key: keys.reading('r1', '2026-12-14T01:00:00.000Z') }),
    );
    expect(raw.Item?.ttl).toBe(Math.floor((start + RETENTION_DAYS * DAY_MS) / 1000));
    // 12 quarter hours from 10:00 (China); [11:00, 12:00) holds 4 of them, oldest first.
    const hour = await telemetry.readings('r2', at('2026-12-14T03:00:00Z'), at('2026-12-14T04:00:00Z'));
    expect(hour.map((r) => r.kw)).toEqual([4, 5, 6, 7]);
    expect(await telemetry.readings('r2', at('2026-12-14T04:00:00Z'), at('2026-12-14T04:00:00Z'))).toEqual(
      [],
    );
    expect(await telemetry.readings('r1', at('2026-12-14T03:00:00Z'), at('2026-12-14T04:00:00Z'))).toEqual(
      [],
    );
  });

  it('folds readings into the workday / other-day profile by the calendar it is given, a re-send only once', async () => {
    // Prepare: Monday 2026-12-14 09:00 and 09:15 China time, slots 36 and 37
    const { telemetry } = t.repos;
    t.nowMs = at('2026-12-21T00:00:00Z');
    const monday = [
      reading('p1', '2026-12-14T09:00:00+08:00', 100),
      reading('p1', '2026-12-14T09:15:00+08:00', 200),
    ];

    // Act
    await telemetry.putReadings('p1', monday, calendar);
    const first = await profileOf('p1');
    await telemetry.putReadings('p1', monday, calendar);
    const resent = await profileOf('p1');

    // Assess: the first reading seeds every slot; the second moves its slot by 0.3 of the
    // difference; other days borrow the workday shape until they have readings of their own
    expect(first?.workday).toHaveLength(96);
    expect(first?.workday[0]).toBe(100);
    expect(first?.workday[36]).toBeCloseTo(100);
    expect(first?.workday[37]).toBeCloseTo(130);
    expect(first?.other).toEqual(first?.workday);
    expect(resent).toEqual(first);

    // Act: Tuesday, the holiday Wednesday, the working Saturday, an ordinary Sunday
    await telemetry.putReadings('p1', [reading('p1', '2026-12-15T09:00:00+08:00', 200)], calendar);
    await telemetry.putReadings('p1', [reading('p1', '2026-12-16T09:00:00+08:00', 0)], calendar);
    await telemetry.putReadings('p1', [reading('p1', '2026-12-19T09:00:00+08:00', 230)], calendar);
    await telemetry.putReadings('p1', [reading('p1', '2026-12-20T09:00:00+08:00', 170)], calendar);
    const p = await profileOf('p1');

    // Assess: workday 100 → 130 (Tuesday) → 0.7·130 + 0.3·230 = 160 (Saturday);
    // other 100 → 70 (holiday) → 0.7·70 + 0.3·170 = 100 (Sunday)
    expect(p?.workday[36]).toBeCloseTo(160);
    expect(p?.other[36]).toBeCloseTo(100);

    // Act: a late backfill of an older interval
    await telemetry.putReadings('p1', [reading('p1', '2026-12-17T09:00:00+08:00', 999)], calendar);

    // Assess: stored, but the profile is left alone
    expect(await profileOf('p1')).toEqual(p);
    const backfill = at('2026-12-17T01:00:00Z');
    expect(await telemetry.readings('p1', backfill, backfill + 1)).toHaveLength(1);
  });

  it('keeps a profile per China weekday, and only that one for a year the calendar does not hold', async () => {
    // Prepare: Monday and Wednesday in the held 2026, then the same weekdays in 2027, which the
    // calendar lacks; 07:00 on Wednesday 2027-01-06 in China is still Tuesday in UTC
    const { telemetry } = t.repos;
    t.nowMs = at('2027-01-10T00:00:00Z');
    await telemetry.putReadings('w1', [reading('w1', '2026-12-14T07:00:00+08:00', 100)], calendar);
    await telemetry.putReadings('w1', [reading('w1', '2026-12-23T07:00:00+08:00', 50)], calendar);
    const held = await profileOf('w1');

    // Act
    await telemetry.putReadings('w1', [reading('w1', '2027-01-04T07:00:00+08:00', 200)], calendar);
    await telemetry.putReadings('w1', [reading('w1', '2027-01-06T07:00:00+08:00', 150)], calendar);
    const p = await profileOf('w1');

    // Assess: slot 28 (07:00) of Monday 100 → 0.7·100 + 0.3·200 = 130; of Wednesday
    // 50 → 0.7·50 + 0.3·150 = 80; Tuesday never seen; workday and other untouched by 2027
    expect(p?.byWeekday).toHaveLength(7);
    expect(p?.byWeekday?.[1]?.[28]).toBeCloseTo(130);
    expect(p?.byWeekday?.[1]?.[0]).toBe(100);
    expect(p?.byWeekday?.[3]?.[28]).toBeCloseTo(80);
    expect(p?.byWeekday?.[2]).toEqual([]);
    expect(p?.byWeekday?.filter((d) => d.length === 96).length).toBe(2);
    expect(p?.workday).toEqual(held?.workday);
    expect(p?.other).toEqual(held?.other);
  });

  it('starts with empty workday and other profiles when the calendar knew none of the days', async () => {
    // Prepare
    const { telemetry } = t.repos;
    t.nowMs = at('2027-01-10T00:00:00Z');

    // Act
    await telemetry.putReadings('w2', [reading('w2', '2027-01-06T07:00:00+08:00', 150)], calendar);
    const p = await profileOf('w2');

    // Assess
    expect(p?.workday).toEqual([]);
    expect(p?.other).toEqual([]);
    expect(p?.byWeekday?.[3]).toEqual(new Array(96).fill(150));
  });

  it('reads a profile stored before the weekday part existed, and adds that part to it', async () => {
    // Prepare: an item as the earlier code wrote it
    const { telemetry } = t.repos;
    t.nowMs = at('2026-12-21T00:00:00Z');
    const old = { workday: new Array<number>(96).fill(10), other: new Array<number>(96).fill(20) };
    await t.table.doc.send(
      new PutCommand({
        TableName: t.table.tableName,
        Item: stateItem('o1', { profile: old, profiledThroughMs: at('2026-12-14T00:00:00Z') }, 1),
      }),
    );

    // Act
    const before = await profileOf('o1');
    await telemetry.putReadings('o1', [reading('o1', '2026-12-15T07:00:00+08:00', 110)], calendar);
    const after = await profileOf('o1');

    // Assess: readable as it was; then Tuesday folds into workday (10 → 40) and seeds Tuesday
    expect(before).toEqual(old);
    expect(after?.workday[28]).toBeCloseTo(40);
    expect(after?.other).toEqual(old.other);
    expect(after?.byWeekday?.[2]).toEqual(new Array(96).fill(110));
  });

  it('never lets a state or reading stamped in 2099 hold back the real ones', async () => {
    // Prepare: a BMS with a broken clock, written straight through the repository
    const { telemetry } = t.repos;
    t.nowMs = at('2026-12-21T00:00:00Z');
    await telemetry.putState(state('f1', '2099-01-01T00:00:00Z', 999));
    await telemetry.putReadings('f1', [reading('f1', '2099-01-01T00:00:00Z', 999)], calendar);

    // Act: real reports after it
    await telemetry.putState(state('f1', '2026-12-20T23:55:00Z', 300));
    await telemetry.putReadings('f1', [reading('f1', '2026-12-18T09:00:00+08:00', 100)], calendar);
    await telemetry.putReadings('f1', [reading('f1', '2026-12-18T09:15:00+08:00', 200)], calendar);
    await telemetry.putState(state('f1', '2026-12-20T23:50:00Z', 250)); // older, arriving late
    const got = (await telemetry.getTelemetry(['f1'])).get('f1');

    // Assess: the real state replaced the 2099 one, and the rule "newest wins" holds again among
    // real ones; the 2099 reading is stored but the profile learns only from the real ones
    expect(got?.state?.netLoadKw).toBe(300);
    expect(got?.profile?.workday[36]).toBeCloseTo(100);
    expect(got?.profile?.workday[37]).toBeCloseTo(130);
    const y2099 = at('2099-01-01T00:00:00Z');
    expect(await telemetry.readings('f1', y2099, y2099 + 1)).toHaveLength(1);
  });

  it('keeps folding readings under a watermark stored in the future by earlier code', async () => {
    // Prepare: an item as the earlier code left it after a reading in 2099
    const { telemetry } = t.repos;
    t.nowMs = at('2026-12-21T00:00:00Z');
    const frozen = { workday: new Array<number>(96).fill(10), other: new Array<number>(96).fill(20) };
    await t.table.doc.send(
      new PutCommand({
        TableName: t.table.tableName,
        Item: stateItem('f2', { profile: frozen, profiledThroughMs: at('2099-01-01T00:00:00Z') }, 1),
      }),
    );

    // Act
    await telemetry.putReadings('f2', [reading('f2', '2026-12-18T09:00:00+08:00', 110)], calendar);
    await telemetry.putReadings('f2', [reading('f2', '2026-12-18T09:15:00+08:00', 210)], calendar);
    await telemetry.putReadings('f2', [reading('f2', '2026-12-18T09:15:00+08:00', 210)], calendar); // re-send
    const p = await profileOf('f2');

    // Assess: 10 → 0.7·10 + 0.3·110 = 40, and 10 → 0.7·10 + 0.3·210 = 70 once
    expect(p?.workday[36]).toBeCloseTo(40);
    expect(p?.workday[37]).toBeCloseTo(70);
  });

  it('learns nothing from readings older than the retention horizon, however old', async () => {
    // Prepare: one reading a day past the 60-day retention, one from the first year there is
    const { telemetry } = t.repos;
    t.nowMs = at('2026-12-21T00:00:00Z');
    const stale = new Date(t.nowMs - (RETENTION_DAYS + 1) * DAY_MS).toISOString();

    // Act
    await telemetry.putReadings('h1', [reading('h1', stale, 500)], calendar);
    await telemetry.putReadings('h1', [reading('h1', '0000-01-01T00:00:00+14:00', 500)], calendar);
    await telemetry.putReadings('h1', [reading('h1', '2026-12-18T09:00:00+08:00', 100)], calendar);
    const p = await profileOf('h1');

    // Assess: the recent reading seeded the profile on its own
    expect(p?.workday).toEqual(new Array(96).fill(100));
    expect(p?.byWeekday?.filter((d) => d.length > 0)).toEqual([new Array(96).fill(100)]);
  });

  it('keeps the newest state and loses nothing when reports race', async () => {
    // Prepare
    const { telemetry } = t.repos;
    t.nowMs = at('2026-12-21T00:00:00Z');
    await telemetry.putState(state('s1', '2026-12-14T09:05:00+08:00', 300));

    // Act: an older state arriving late
    await telemetry.putState(state('s1', '2026-12-14T09:00:00+08:00', 100));
    const first = await telemetry.getTelemetry(['s1', 'none']);

    // Assess
    expect(first.get('s1')?.state?.netLoadKw).toBe(300);
    expect(first.get('s1')?.profile).toBeUndefined();
    expect(first.has('none')).toBe(false);

    // Act: concurrent writers of the same state item
    await Promise.all([
      telemetry.putState(state('s1', '2026-12-14T09:10:00+08:00', 310)),
      telemetry.putReadings('s1', [reading('s1', '2026-12-14T09:00:00+08:00', 50)], calendar),
      telemetry.putState(state('s1', '2026-12-14T09:20:00+08:00', 320)),
      telemetry.putReadings('s1', [reading('s1', '2026-12-14T09:15:00+08:00', 60)], calendar),
    ]);
    const raced = await telemetry.getTelemetry(['s1']);

    // Assess: the versioned retry keeps every change
    expect(raced.get('s1')?.state?.netLoadKw).toBe(320);
    expect(raced.get('s1')?.profile?.workday).toHaveLength(96);
  });
});

describe('reportTelemetry refuses telemetry from the future', () => {
  const t = useTable();
  const NOW = at('2026-12-21T01:00:00Z');
  const who = { subject: 'bms-1', role: 'bms' as const, parkIds: [], buildingIds: ['b1', 'b2', 'b3'] };
  const published: BusMessage[] = [];
  const depsWith = (toleranceMinutes: number) =>
    ({
      ...t.repos,
      clock: { now: () => NOW },
      config: { ...DEFAULT_CONFIG, telemetryFutureToleranceMinutes: toleranceMinutes },
      // The notice goes to the outbox now (relayed to the bus from the table's stream).
      outbox: { put: async (m: readonly BusMessage[]) => void published.push(...m) },
    }) as unknown as Deps;
  const storedOf = async (id: string) => ({
    telemetry: (await t.repos.telemetry.getTelemetry([id])).get(id),
    readings: await t.repos.telemetry.readings(id, 0, at('2100-01-01T00:00:00Z')),
  });
  const caught = async (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e,
    );
  beforeAll(async () => {
    for (const buildingId of ['b1', 'b2', 'b3'])
      await t.repos.buildings.put(Building.parse(buildingInput({ buildingId })));
  });

  it('answers a ValidationError naming each field and the clock, and stores nothing of the report', async () => {
    // Prepare: a good state, three good readings and one ending in 2099
    t.nowMs = NOW;
    published.length = 0;
    const good = (i: number) =>
      reading('b1', new Date(NOW - (4 - i) * 15 * MINUTE_MS).toISOString(), 100 + i);
    const report = {
      state: state('b1', '2099-03-01T00:00:00Z', 300),
      readings: [good(0), good(1), good(2), reading('b1', '2099-03-01T00:00:00Z', 999)],
    };

    // Act
    const error = await caught(reportTelemetry(depsWith(5), who, 'b1', report));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    const e = error as ValidationError;
    expect(e.issues.map((i) => i.path)).toEqual(['state.at', 'readings.3.intervalStart']);
    for (const text of [e.message, ...e.issues.map((i) => i.message)])
      expect(text).toContain('2026-12-21T01:00:00.000Z');
    expect(e.message).toContain('state.at');
    expect(e.message).toContain('readings.3.intervalStart');
    expect(e.issues[1]?.message).toContain('2099-03-01T00:15:00.000Z');
    expect(await storedOf('b1')).toEqual({ telemetry: undefined, readings: [] });
    expect(published).toEqual([]);
  });

  it('takes what lies within the tolerance, judging a reading by the end of its interval', async () => {
    // Prepare: a state 5 min ahead; a reading ending 5 min ahead; one ending 6 min ahead
    t.nowMs = NOW;
    published.length = 0;
    const ahead = (min: number) => new Date(NOW + min * MINUTE_MS).toISOString();
    const fine = { state: state('b2', ahead(5), 300), readings: [reading('b2', ahead(-10), 100)] };
    const late = { readings: [reading('b2', ahead(-9), 100)] };

    // Act
    const accepted = await reportTelemetry(depsWith(5), who, 'b2', fine);
    const refused = await caught(reportTelemetry(depsWith(5), who, 'b2', late));

    // Assess
    expect(accepted).toEqual({ readings: 1, state: true });
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues.map((i) => i.path)).toEqual(['readings.0.intervalStart']);
    const stored = await storedOf('b2');
    expect(stored.telemetry?.state?.at).toBe(ahead(5));
    expect(stored.readings.map((r) => r.intervalStart)).toEqual([ahead(-10)]);
    expect(published.map((m) => m.detailType)).toEqual(['TelemetryReported']);
  });

  it('reads the tolerance from the configuration', async () => {
    // Prepare: a state one minute ahead
    t.nowMs = NOW;
    const report = { state: state('b3', new Date(NOW + MINUTE_MS).toISOString(), 300), readings: [] };

    // Act
    const strict = await caught(reportTelemetry(depsWith(0), who, 'b3', report));
    const lenient = await reportTelemetry(depsWith(2), who, 'b3', report);

    // Assess
    expect((strict as ValidationError).issues.map((i) => i.path)).toEqual(['state.at']);
    expect((strict as ValidationError).message).toContain('at most 0 min');
    expect(lenient).toEqual({ readings: 0, state: true });
  });
});

describe('POST /buildings/{id}/telemetry from the future', () => {
  const NOW = at('2026-12-21T01:00:00Z');
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.startAt(NOW);
    await h.http('put-park', operator, {
      params: { parkId: 'p1' },
      body: { parkId: 'p1', name: 'P1', zone: 'mengxi', city: 'Hohhot' },
    });
    await h.http('put-building', operator, {
      params: { buildingId: 'h1' },
      body: buildingInput({ buildingId: 'h1' }),
    });
  });
  afterAll(() => h?.stop());

  it('answers 400 with the field and the clock, and the building keeps its real state', async () => {
    // Prepare: a real state first
    const caller = bms('h1');
    const real = state('h1', new Date(NOW - MINUTE_MS).toISOString(), 300);
    expect(
      (await h.http('report-telemetry', caller, { params: { buildingId: 'h1' }, body: { state: real } }))
        .status,
    ).toBe(202);

    // Act
    const res = await h.http('report-telemetry', caller, {
      params: { buildingId: 'h1' },
      body: { state: state('h1', '2099-01-01T00:00:00+08:00', 999) },
    });

    // Assess: refused, and the stored state is still the real one
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([
      { path: 'state.at', message: expect.stringContaining('2026-12-21T01:00:00.000Z') },
    ]);
    expect(res.body.message).toContain('state.at');
    const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), ...LOCAL_AWS });
    const repos = dynamoRepositories(DynamoDBDocumentClient.from(client), String(process.env.TABLE_NAME), {
      readingRetentionDays: RETENTION_DAYS,
      now: () => NOW,
    });
    const stored = (await repos.telemetry.getTelemetry(['h1'])).get('h1');
    client.destroy();
    expect(stored?.state).toEqual(real);
  });
});

describe('a building is its data: unenrolled ids store nothing, a deleted building takes its data along', () => {
  const t = useTable();
  const NOW = at('2026-12-21T01:00:00Z');
  const who = { subject: 'bms-9', role: 'bms' as const, parkIds: [], buildingIds: ['gone', 'never'] };
  const operatorOf = { subject: 'op', role: 'operator' as const, parkIds: [], buildingIds: [] };
  const deps = () =>
    ({
      ...t.repos,
      clock: { now: () => NOW },
      config: DEFAULT_CONFIG,
      eventPublisher: { publish: async () => {} },
    }) as unknown as Deps;
  const rawItems = async (buildingId: string) =>
    (
      await t.table.doc.send(
        new QueryCommand({
          TableName: t.table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.building(buildingId).pk },
        }),
      )
    ).Items ?? [];

  it('refuses telemetry for a building that is not enrolled, storing nothing', async () => {
    // Act
    const refusal = await reportTelemetry(deps(), who, 'never', {
      state: state('never', new Date(NOW - MINUTE_MS).toISOString(), 300),
      readings: [],
    }).catch((e: unknown) => e);

    // Assess
    expect(refusal).toBeInstanceOf(NotFoundError);
    expect(await rawItems('never')).toEqual([]);
  });

  it('deletes the state, every reading and the reservations with the building; the id re-created starts empty', async () => {
    // Prepare: 30 days of quarter-hour readings (2,880 items: many pages and batches), a state, a reservation.
    t.nowMs = NOW;
    await t.repos.buildings.put(Building.parse(buildingInput({ buildingId: 'gone', parkId: 'p1' })));
    const readings = Array.from({ length: 30 * 96 }, (_, i) =>
      reading('gone', new Date(NOW - (i + 1) * 15 * MINUTE_MS).toISOString(), 100 + (i % 7)),
    );
    await reportTelemetry(deps(), who, 'gone', {
      state: state('gone', new Date(NOW - MINUTE_MS).toISOString(), 300),
      readings,
    });
    await t.repos.reservations.commit('ev-1', NOW + DAY_MS, [
      {
        buildingId: 'gone',
        expectedVersion: 0,
        reservations: [
          {
            eventId: 'ev-1',
            assetId: 'bat',
            direction: 'PEAK_SHAVING',
            startMs: NOW + 8 * 60 * MINUTE_MS,
            intervalMinutes: 15,
            kw: [50],
            kwh: 12.5,
          },
        ],
      },
    ]);
    expect((await rawItems('gone')).length).toBe(1 + 1 + 1 + readings.length);

    // Act
    await deleteBuilding(deps(), operatorOf, 'gone');
    await t.repos.buildings.put(Building.parse(buildingInput({ buildingId: 'gone', parkId: 'p2' })));

    // Assess: only the new building's own item is left under its partition.
    expect((await rawItems('gone')).map((i) => i.sk)).toEqual(['#BLDG']);
    expect((await t.repos.telemetry.getTelemetry(['gone'])).get('gone')).toBeUndefined();
    expect(await t.repos.telemetry.readings('gone', 0, NOW)).toEqual([]);
    const held = await t.repos.reservations.ofBuildings(['gone'], 0, NOW + 2 * DAY_MS);
    expect(held.get('gone')?.reservations ?? []).toEqual([]);
  });
});
