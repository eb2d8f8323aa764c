/**
 * The OpenADR token endpoint and revocation over HTTP on the local runtime: an over-long client id
 * is a 400 (never a DynamoDB key error), repeated wrong secrets are throttled with 429 and
 * Retry-After, and a client deleted, rotated or re-created under its id for another park makes its
 * old tokens useless at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { DEFAULT_CONFIG } from '../../lib/app/config.ts';
import {
  batteryBuilding,
  clientToken,
  jsonCall,
  mustCall,
  openadrClient,
  startOpenadrLocal,
} from '../support/openadr-local.ts';

const NOW = Date.parse('2026-12-14T01:00:00Z');
const [PARK_1, PARK_2] = ['cred-park-1', 'cred-park-2'] as const;

describe('OpenADR credentials over HTTP', () => {
  let rt: LocalRuntime;
  let operator: string;

  const token = (clientId: string, clientSecret: string) =>
    jsonCall(rt.url, 'POST', '/openadr3/auth/token', {
      form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
    });

  beforeAll(async () => {
    rt = await startOpenadrLocal(NOW);
    operator = await rt.token({ role: 'operator' });
    for (const [parkId, buildingId] of [
      [PARK_1, 'cred-b1'],
      [PARK_2, 'cred-b2'],
    ] as const) {
      await mustCall(rt.url, 'PUT', `/parks/${parkId}`, 200, {
        token: operator,
        body: { parkId, name: parkId, zone: 'mengxi', city: 'Hohhot' },
      });
      await mustCall(rt.url, 'PUT', `/buildings/${buildingId}`, 200, {
        token: operator,
        body: batteryBuilding(buildingId, parkId, 'cred'),
      });
    }
  });

  afterAll(async () => {
    await rt?.stop();
  });

  it('answers 400 to a client id longer than any client id, whatever the store’s key limit', async () => {
    // Act
    const res = await token('x'.repeat(3000), 'secret');

    // Assess
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/client_id/);
  });

  it('throttles repeated wrong secrets with 429 and Retry-After, even for the right secret then', async () => {
    // Prepare
    const { clientSecret } = await openadrClient(rt.url, operator, 'cred-bl', { role: 'BL' });
    for (let i = 0; i < DEFAULT_CONFIG.openadrTokenFailuresPerClient; i++)
      expect((await token('cred-bl', 'wrong')).status).toBe(401);

    // Act
    const res = await fetch(`${rt.url}/openadr3/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'cred-bl',
        client_secret: clientSecret,
      }).toString(),
    });

    // Assess: the clock stands at a window's start, so the whole window remains.
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(String(DEFAULT_CONFIG.openadrTokenThrottleWindowSeconds));
    expect(((await res.json()) as { status: number }).status).toBe(429);
  });

  it('refuses a deleted client’s token at once, and again after its id is re-created for another park', async () => {
    // Prepare: park 1's VEN holds a token that lists its building.
    const first = await openadrClient(rt.url, operator, 'cred-ven', { role: 'VEN', parkIds: [PARK_1] });
    const before = await mustCall(rt.url, 'GET', '/openadr3/vens', 200, { token: first.accessToken });
    expect(Array.isArray(before)).toBe(true);

    // Act
    await mustCall(rt.url, 'DELETE', '/openadr-clients/cred-ven', 204, { token: operator });
    const afterDelete = await jsonCall(rt.url, 'GET', '/openadr3/vens', { token: first.accessToken });
    const manager = await rt.token({ role: 'parkManager', parkIds: [PARK_2] });
    const again = await openadrClient(rt.url, manager, 'cred-ven', { role: 'VEN', parkIds: [PARK_2] });
    const afterRecreate = await jsonCall(rt.url, 'GET', '/openadr3/vens', { token: first.accessToken });

    // Assess
    expect(afterDelete.status).toBe(401);
    expect(afterRecreate.status).toBe(401);
    expect((await jsonCall(rt.url, 'GET', '/openadr3/vens', { token: again.accessToken })).status).toBe(200);
  });

  it('refuses the tokens issued before a secret rotation at once', async () => {
    // Prepare
    const first = await openadrClient(rt.url, operator, 'cred-rot', {
      role: 'VEN',
      buildingIds: ['cred-b1'],
    });

    // Act
    const { clientSecret } = await mustCall(rt.url, 'PUT', '/openadr-clients/cred-rot', 200, {
      token: operator,
      body: { role: 'VEN', buildingIds: ['cred-b1'] },
    });

    // Assess
    expect((await jsonCall(rt.url, 'GET', '/openadr3/vens', { token: first.accessToken })).status).toBe(401);
    const fresh = await clientToken(rt.url, 'cred-rot', clientSecret);
    expect((await jsonCall(rt.url, 'GET', '/openadr3/vens', { token: fresh })).status).toBe(200);
  });
});
