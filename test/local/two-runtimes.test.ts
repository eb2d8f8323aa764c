/**
 * Two local runtimes in one process share nothing: each has its own store (and so its own
 * idempotency records), clock, development tokens and functions. An event dispatched in one is
 * neither seen nor deduplicated in the other, and their clocks move independently.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../infra/local/dynamodb-local.ts';
import { LOCAL_IDEMPOTENCY_TABLE } from '../../infra/local/functions.ts';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import {
  batteryBuilding,
  batteryTelemetry,
  jsonCall,
  mustCall,
  startOpenadrLocal,
} from '../support/openadr-local.ts';

const NOW = Date.parse('2026-12-14T01:00:00Z');
const PROGRAM = 'two-program';
const PARK = 'two-park';
const BUILDING = 'two-b1';

let a: LocalRuntime;
let b: LocalRuntime;

/** Idempotency records in a runtime's own DynamoDB Local. */
async function idempotencyRecords(rt: LocalRuntime): Promise<number> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: rt.dynamodbEndpoint, ...LOCAL_AWS }),
  );
  try {
    return (await client.send(new ScanCommand({ TableName: LOCAL_IDEMPOTENCY_TABLE }))).Items?.length ?? 0;
  } finally {
    client.destroy();
  }
}

/** Enrolls a program, a park and a battery building with telemetry, then issues one event. */
async function dispatchOneEvent(rt: LocalRuntime, eventId: string): Promise<void> {
  const operator = await rt.token({ role: 'operator', subject: 'op' });
  const must = (method: string, path: string, body: unknown, status: number, token = operator) =>
    mustCall(rt.url, method, path, status, { token, body });
  await must(
    'PUT',
    `/programs/${PROGRAM}`,
    {
      programId: PROGRAM,
      name: 'two runtimes',
      baseline: { method: 'N_DAY_AVERAGE', days: 5, dayFilter: 'WORKDAY' },
      settlement: { unit: 'YUAN_PER_KWH', price: 1, minRatio: 0.8, maxRatio: 1.2 },
    },
    200,
  );
  await must('PUT', `/parks/${PARK}`, { parkId: PARK, name: PARK, zone: 'mengxi', city: 'Hohhot' }, 200);
  await must('PUT', `/buildings/${BUILDING}`, batteryBuilding(BUILDING, PARK, 'two'), 200);
  const bms = await rt.token({ role: 'bms', subject: 'bms', buildingIds: [BUILDING] });
  await must(
    'POST',
    `/buildings/${BUILDING}/telemetry`,
    batteryTelemetry(BUILDING, NOW, '2026-12-14T00:45:00Z'),
    202,
    bms,
  );
  await must(
    'POST',
    '/events',
    {
      eventId,
      programId: PROGRAM,
      type: 'PEAK_SHAVING',
      start: '2026-12-14T18:00:00+08:00',
      end: '2026-12-14T19:00:00+08:00',
      targetsKw: [20, 20, 20, 20],
      scope: { buildingIds: [BUILDING] },
      noticeAt: new Date(NOW).toISOString(),
    },
    201,
  );
  await rt.idle();
}

beforeAll(async () => {
  [a, b] = await Promise.all([startOpenadrLocal(NOW), startOpenadrLocal(NOW)]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe('two local runtimes in one process', () => {
  it('keep their own data and idempotency records: an event dispatched in one is unknown to the other', async () => {
    // Act
    await dispatchOneEvent(a, 'two-e1');
    // Assess: dispatched in A (its dispatch consumer recorded its idempotency key), absent from B
    const operatorB = await b.token({ role: 'operator', subject: 'op' });
    const inA = await jsonCall(a.url, 'GET', '/events/two-e1', {
      token: await a.token({ role: 'operator' }),
    });
    const inB = await jsonCall(b.url, 'GET', '/events/two-e1', { token: operatorB });
    expect(inA.status).toBe(200);
    expect(inA.body.status).toBe('dispatched');
    expect(inB.status).toBe(404);
    expect(await idempotencyRecords(a)).toBeGreaterThan(0);
    expect(await idempotencyRecords(b)).toBe(0);
    expect(a.dynamodbEndpoint).not.toBe(b.dynamodbEndpoint);

    // Act: the same event in B is dispatched there too, not taken for a repeat of A's
    await dispatchOneEvent(b, 'two-e1');
    // Assess
    const again = await jsonCall(b.url, 'GET', '/events/two-e1', { token: operatorB });
    expect(again.body.status).toBe('dispatched');
    expect(await idempotencyRecords(b)).toBe(await idempotencyRecords(a));
  });

  it('accept only their own development tokens', async () => {
    const fromA = await a.token({ role: 'operator', subject: 'op' });
    expect((await jsonCall(a.url, 'GET', '/events', { token: fromA })).status).toBe(200);
    expect((await jsonCall(b.url, 'GET', '/events', { token: fromA })).status).toBe(401);
  });

  it('move their clocks independently', async () => {
    // Prepare
    const before = { a: a.now(), b: b.now() };
    // Act
    await a.advance(90);
    // Assess
    expect(a.now() - before.a).toBe(90 * 60_000);
    expect(b.now()).toBe(before.b);
    expect(a.clock).not.toBe(b.clock);
  });
});
