/**
 * Bindings through the API reach the handlers through tokens (issue 16, item 2): an operator or a
 * park manager sets them with PUT /users/{userId}/bindings, the token hook (the pre-token function,
 * as Cognito's trigger on AWS) writes them into the user's next token, and the handlers act on
 * them. A token request that names no bindings gets exactly the stored ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocal } from '../../infra/local/runtime.ts';

const PARK = 'bind-park';
const OTHER = 'bind-other-park';
const BUILDING = 'bind-b1';
const NOW = Date.parse('2026-12-14T01:00:00Z');

let rt: LocalRuntime;
let operator: string;

async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${rt.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const park = (parkId: string) => ({ parkId, name: `Park ${parkId}`, zone: 'mengxi', city: 'Hohhot' });

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
  operator = await rt.token({ role: 'operator', subject: 'bind-operator' });
  for (const p of [PARK, OTHER])
    expect((await call('PUT', `/parks/${p}`, operator, park(p))).status).toBe(200);
  const building = {
    buildingId: BUILDING,
    parkId: PARK,
    name: 'Building 1',
    zone: 'mengxi',
    feederId: 'f1',
    bmsIntegrationId: 'bind-bms',
    gridLimits: { importKw: 600, exportKw: 0 },
    assets: [],
  };
  const put = await call('PUT', `/buildings/${BUILDING}`, operator, building);
  expect(put.status, JSON.stringify(put.body)).toBe(200);
});

afterAll(async () => {
  await rt?.stop();
});

describe('bindings set through the API', () => {
  it("enter the user's next token and decide what the handlers let them see", async () => {
    // Prepare: a park manager nobody has bound yet.
    const unbound = await rt.token({ role: 'parkManager', subject: 'bind-manager' });
    expect((await call('GET', `/parks/${PARK}`, unbound)).status).toBe(403);

    // Act: the operator binds them to the park.
    const set = await call('PUT', '/users/bind-manager/bindings', operator, { parkIds: [PARK] });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ userId: 'bind-manager', parkIds: [PARK], updatedBy: 'bind-operator' });

    // Assess: their next token carries the binding, and the handlers honour it.
    const issued = await rt.tokens.issue({ role: 'parkManager', subject: 'bind-manager' });
    expect(issued.claims['custom:parkIds']).toBe(PARK);
    expect((await call('GET', `/parks/${PARK}`, issued.token)).status).toBe(200);
    expect((await call('GET', `/parks/${OTHER}`, issued.token)).status).toBe(403);
  });

  it("let a park manager bind their park's BMS, never to another park", async () => {
    const manager = await rt.token({ role: 'parkManager', subject: 'bind-manager' });
    const bound = await call('PUT', '/users/bind-bms/bindings', manager, { buildingIds: [BUILDING] });
    expect(bound.status, JSON.stringify(bound.body)).toBe(200);
    expect((await call('PUT', '/users/bind-bms-2/bindings', manager, { parkIds: [OTHER] })).status).toBe(403);
    expect((await call('GET', '/users/bind-bms-2/bindings', operator)).status).toBe(404);

    // The BMS's token speaks for its building: its telemetry is taken.
    const bms = await rt.token({ role: 'bms', subject: 'bind-bms' });
    const reported = await call('POST', `/buildings/${BUILDING}/telemetry`, bms, {
      readings: [{ buildingId: BUILDING, intervalStart: '2026-12-14T00:45:00Z', kw: 220 }],
    });
    expect(reported.status, JSON.stringify(reported.body)).toBe(202);
  });

  it('once removed, are gone from the next token', async () => {
    expect((await call('DELETE', '/users/bind-manager/bindings', operator)).status).toBe(204);
    const issued = await rt.tokens.issue({ role: 'parkManager', subject: 'bind-manager' });
    expect(issued.claims['custom:parkIds']).toBeUndefined();
    expect((await call('GET', `/parks/${PARK}`, issued.token)).status).toBe(403);
  });
});
