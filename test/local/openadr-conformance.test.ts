/**
 * Issue 19's conformance table, the rows FlexDR now passes, case by case, over HTTP on the local
 * runtime (the same gateway routes as API Gateway, including the greedy fallback route). Every
 * answer the document describes is validated against openadr3.yaml.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { DEFAULT_SETTLEMENT, FLEXDR_BASELINE, FLEXDR_SETTLEMENT } from '../../lib/openadr/mapping.ts';
import { jsonCall, openadrClient, startOpenadrLocal } from '../support/openadr-local.ts';
import { validateResponse } from '../support/openadr-openapi.ts';

const NOW = Date.parse('2026-12-14T01:00:00Z');

describe('OpenADR 3.1 conformance (issue 19)', () => {
  let rt: LocalRuntime;
  let bl: { clientSecret: string; accessToken: string };

  const raw = (
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string } = {},
  ) =>
    fetch(`${rt.url}/openadr3${path}`, { method, ...init }).then(async (res) => ({
      status: res.status,
      headers: res.headers,
      body: JSON.parse((await res.text()) || 'null'),
    }));
  const isProblem = (r: { status: number; headers: Headers; body: Record<string, unknown> }) => {
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status: r.status, title: expect.any(String), detail: expect.any(String) });
  };

  beforeAll(async () => {
    rt = await startOpenadrLocal(NOW);
    const operator = await rt.token({ role: 'operator' });
    bl = await openadrClient(rt.url, operator, 'conf-bl', { role: 'BL' });
  });

  afterAll(async () => {
    await rt?.stop();
  });

  it('createProgram with only programName: 201, on FlexDR rules stated in its attributes', async () => {
    const res = await jsonCall(rt.url, 'POST', '/openadr3/programs', {
      token: bl.accessToken,
      body: { programName: 'conformance-minimal' },
    });
    expect(res.status).toBe(201);
    validateResponse({ method: 'POST', path: '/programs', ...res });
    const attributes = res.body.attributes as { type: string; values: string[] }[];
    expect(attributes.map((a) => a.type)).toEqual([FLEXDR_BASELINE, FLEXDR_SETTLEMENT]);
    expect(JSON.parse(attributes[1]?.values[0] as string)).toEqual(DEFAULT_SETTLEMENT);
    const read = await jsonCall(rt.url, 'GET', `/openadr3/programs/${res.body.id}`, {
      token: bl.accessToken,
    });
    expect(read.body.attributes).toEqual(attributes);
    const native = await rt.deps.programs.get(res.body.id);
    expect(native?.settlement).toEqual(DEFAULT_SETTLEMENT);
  });

  it('fetchToken without client_secret: an RFC 6749 §5.2 error body with error', async () => {
    const res = await jsonCall(rt.url, 'POST', '/openadr3/auth/token', {
      form: { grant_type: 'client_credentials', client_id: 'conf-bl' },
    });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    validateResponse({ method: 'POST', path: '/auth/token', ...res });
    const noGrant = await jsonCall(rt.url, 'POST', '/openadr3/auth/token', {
      form: { client_id: 'conf-bl', client_secret: bl.clientSecret },
    });
    expect(noGrant.status).toBe(400);
    expect(noGrant.body.error).toBe('invalid_request');
  });

  it('client authentication with HTTP Basic at the token URL (RFC 6749 §2.3.1), never twice', async () => {
    const basic = `Basic ${Buffer.from(`conf-bl:${encodeURIComponent(bl.clientSecret)}`).toString('base64')}`;
    const ok = await raw('POST', '/auth/token', {
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('Bearer');
    const programs = await jsonCall(rt.url, 'GET', '/openadr3/programs', { token: ok.body.access_token });
    expect(programs.status).toBe(200);
    const wrong = await raw('POST', '/auth/token', {
      headers: {
        authorization: `Basic ${Buffer.from('conf-bl:wrong').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    const twice = await raw('POST', '/auth/token', {
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=conf-bl&client_secret=${bl.clientSecret}`,
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error).toBe('invalid_request');
  });

  it.each([
    ['an unknown path', 'GET', '/nothing-here'],
    ['an MQTT topic route FlexDR does not serve', 'GET', '/notifiers/mqtt/topics/programs'],
    ['a path below a known one', 'GET', '/programs/p1/extra'],
  ])('%s: 404 with a problem body', async (_, method, path) => {
    const res = await raw(method, path, { headers: { authorization: `Bearer ${bl.accessToken}` } });
    expect(res.status).toBe(404);
    isProblem(res);
  });

  it.each([
    ['PATCH /programs/{id}', 'PATCH', '/programs/p1', 'DELETE, GET, PUT'],
    ['DELETE /programs', 'DELETE', '/programs', 'GET, POST'],
    ['PUT /auth/token', 'PUT', '/auth/token', 'POST'],
  ])('an unsupported method, %s: 405 with Allow and a problem body', async (_, method, path, allow) => {
    const res = await raw(method, path, { headers: { authorization: `Bearer ${bl.accessToken}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    isProblem(res);
  });

  it('a JSON body sent as text/plain: 415, and nothing is created', async () => {
    const before = await jsonCall(rt.url, 'GET', '/openadr3/programs', { token: bl.accessToken });
    const res = await raw('POST', '/programs', {
      headers: { authorization: `Bearer ${bl.accessToken}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ programName: 'sent-as-text' }),
    });
    expect(res.status).toBe(415);
    isProblem(res);
    const after = await jsonCall(rt.url, 'GET', '/openadr3/programs', { token: bl.accessToken });
    expect(after.body).toEqual(before.body);
    // application/json with parameters, and +json types, are JSON.
    const typed = await raw('POST', '/programs', {
      headers: {
        authorization: `Bearer ${bl.accessToken}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify({ programName: 'sent-as-json' }),
    });
    expect(typed.status).toBe(201);
  });
});
