/**
 * Client credentials against fakes: revocation that holds (a deleted, rotated or re-created
 * client's old tokens are refused at once) and the token endpoint's throttle (429 with the
 * seconds left in the window, per client id and per address, unknown ids counted alike).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../../lib/app/auth.ts';
import { DEFAULT_CONFIG, type Deps } from '../../../lib/app/config.ts';
import {
  callerOf,
  issueToken,
  OAuthError,
  provisionClient,
  removeClient,
  tokenRequest,
} from '../../../lib/app/openadr/credentials.ts';
import { TooManyRequestsError, UnauthorizedError } from '../../../lib/domain/errors.ts';
import type { OpenadrClient, OpenadrToken } from '../../../lib/ports.ts';

const OPERATOR: Principal = { subject: 'op', role: 'operator', parkIds: [], buildingIds: [] };
const WINDOW_START = Date.parse('2026-01-15T01:00:00Z');

/** The ports credentials touch, in memory: clients, tokens, failure counters, two parks of one building each. */
function fakeDeps() {
  const clients = new Map<string, OpenadrClient>();
  const tokens = new Map<string, OpenadrToken>();
  const failures = new Map<string, number>();
  const buildings = [
    { buildingId: 'b1', parkId: 'p1' },
    { buildingId: 'b2', parkId: 'p2' },
  ];
  const clock = { ms: WINDOW_START + 60_000 };
  const deps = {
    clock: { now: () => clock.ms },
    config: { ...DEFAULT_CONFIG, openadrTokenFailuresPerClient: 3, openadrTokenFailuresPerAddress: 5 },
    parks: { get: async (id: string) => (['p1', 'p2'].includes(id) ? { parkId: id } : undefined) },
    buildings: {
      getMany: async (ids: readonly string[]) => buildings.filter((b) => ids.includes(b.buildingId)),
      listByPark: async (parkId: string) => ({ items: buildings.filter((b) => b.parkId === parkId) }),
    },
    openadr: {
      putClient: async (c: OpenadrClient) => void clients.set(c.clientId, structuredClone(c)),
      getClient: async (id: string) => structuredClone(clients.get(id)),
      deleteClient: async (id: string) => void clients.delete(id),
      putToken: async (hash: string, t: OpenadrToken) => void tokens.set(hash, structuredClone(t)),
      getToken: async (hash: string) => structuredClone(tokens.get(hash)),
      tokenFailures: async (key: string, start: number) => failures.get(`${key}@${start}`) ?? 0,
      addTokenFailure: async (key: string, start: number) => {
        const n = (failures.get(`${key}@${start}`) ?? 0) + 1;
        failures.set(`${key}@${start}`, n);
        return n;
      },
    },
  };
  return { deps: deps as unknown as Deps, clock };
}

const credentials = (clientId: string, secret: string) => ({
  grant_type: 'client_credentials',
  client_id: clientId,
  client_secret: secret,
});

async function tokenOf(deps: Deps, clientId: string, secret: string, ip = '10.0.0.1'): Promise<string> {
  return (await issueToken(deps, credentials(clientId, secret), ip)).access_token;
}

/** What `fn` rejects with (it must reject). */
async function refusal(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a refusal');
}

describe('revocation of OpenADR tokens', () => {
  let f: ReturnType<typeof fakeDeps>;
  beforeEach(() => {
    f = fakeDeps();
  });

  it('refuses the tokens of a deleted client at once', async () => {
    // Prepare
    const { clientSecret } = await provisionClient(f.deps, OPERATOR, 'ven-1', {
      role: 'VEN',
      parkIds: ['p1'],
    });
    const token = await tokenOf(f.deps, 'ven-1', clientSecret);
    expect((await callerOf(f.deps, token)).buildingIds).toEqual(['b1']);

    // Act
    await removeClient(f.deps, OPERATOR, 'ven-1');

    // Assess
    expect(await refusal(() => callerOf(f.deps, token))).toBeInstanceOf(UnauthorizedError);
  });

  it('refuses the tokens issued before a rotation, and serves those issued after', async () => {
    // Prepare
    const first = await provisionClient(f.deps, OPERATOR, 'ven-1', { role: 'VEN', parkIds: ['p1'] });
    const before = await tokenOf(f.deps, 'ven-1', first.clientSecret);

    // Act
    const second = await provisionClient(f.deps, OPERATOR, 'ven-1', { role: 'VEN', parkIds: ['p1'] });
    const after = await tokenOf(f.deps, 'ven-1', second.clientSecret);

    // Assess
    expect(second.created).toBe(false);
    expect(await refusal(() => callerOf(f.deps, before))).toBeInstanceOf(UnauthorizedError);
    expect(await refusal(() => tokenOf(f.deps, 'ven-1', first.clientSecret))).toBeInstanceOf(OAuthError);
    expect((await callerOf(f.deps, after)).clientId).toBe('ven-1');
  });

  it('never revives an old token when its client id is re-created, even bound elsewhere', async () => {
    // Prepare: park p1's VEN holds a token, then is deleted.
    const first = await provisionClient(f.deps, OPERATOR, 'ven-1', { role: 'VEN', parkIds: ['p1'] });
    const old = await tokenOf(f.deps, 'ven-1', first.clientSecret);
    await removeClient(f.deps, OPERATOR, 'ven-1');

    // Act: the same id is created again for park p2.
    const again = await provisionClient(f.deps, OPERATOR, 'ven-1', { role: 'VEN', parkIds: ['p2'] });
    const fresh = await tokenOf(f.deps, 'ven-1', again.clientSecret);

    // Assess: the old token (park p1's buildings) is refused; the new one sees p2 only.
    expect(again.created).toBe(true);
    expect(await refusal(() => callerOf(f.deps, old))).toBeInstanceOf(UnauthorizedError);
    expect(await callerOf(f.deps, fresh)).toMatchObject({ parkIds: ['p2'], buildingIds: ['b2'] });
  });
});

describe('throttling of the token endpoint', () => {
  let f: ReturnType<typeof fakeDeps>;
  let secret: string;
  beforeEach(async () => {
    f = fakeDeps();
    secret = (await provisionClient(f.deps, OPERATOR, 'bl', { role: 'BL' })).clientSecret;
  });

  it('answers 429 with the seconds left in the window after too many wrong secrets for one client id', async () => {
    // Prepare: three wrong secrets (the limit) from three addresses.
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
      expect(await refusal(() => tokenOf(f.deps, 'bl', 'wrong', ip))).toMatchObject({
        error: 'invalid_client',
      });

    // Act: even the right secret, from a fourth address.
    const throttled = await refusal(() => tokenOf(f.deps, 'bl', secret, '10.0.0.4'));

    // Assess: 240 s remain of the 300 s window that began 60 s ago; the next window serves again.
    expect(throttled).toBeInstanceOf(TooManyRequestsError);
    expect((throttled as TooManyRequestsError).retryAfterSeconds).toBe(240);
    f.clock.ms = WINDOW_START + 300_000;
    expect(await tokenOf(f.deps, 'bl', secret, '10.0.0.4')).toMatch(/^[\w-]{43}$/);
  });

  it('throttles one address trying many client ids, known or not, without telling them apart', async () => {
    // Prepare: five failures (the address limit) spread over unknown ids and a wrong secret.
    for (const id of ['ghost-1', 'ghost-2', 'ghost-3', 'ghost-4'])
      expect(await refusal(() => tokenOf(f.deps, id, 'guess', '10.9.9.9'))).toMatchObject({
        error: 'invalid_client',
      });
    expect(await refusal(() => tokenOf(f.deps, 'bl', 'guess', '10.9.9.9'))).toMatchObject({
      error: 'invalid_client',
    });

    // Act
    const fromThere = await refusal(() => tokenOf(f.deps, 'ghost-5', 'guess', '10.9.9.9'));
    const elsewhere = await tokenOf(f.deps, 'bl', secret, '10.0.0.1');

    // Assess: the address is throttled; the client, below its own limit, is served elsewhere.
    expect(fromThere).toBeInstanceOf(TooManyRequestsError);
    expect((await callerOf(f.deps, elsewhere)).role).toBe('BL');
  });

  it('spends as long on an unknown client id as on a wrong secret (a scrypt either way)', async () => {
    // Prepare
    const time = async (id: string) => {
      const started = performance.now();
      await refusal(() => tokenOf(f.deps, id, 'guess', `10.1.0.${id.length}`));
      return performance.now() - started;
    };
    await time('warm-up');

    // Act: medians of several tries each.
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      known.push(await time('bl'));
      unknown.push(await time(`nobody-${i}`));
    }

    // Assess: within a factor of two (the gap was 55 ms against 12 ms without the dummy scrypt).
    expect(median(unknown)).toBeGreaterThan(median(known) / 2);
    expect(median(known)).toBeGreaterThan(median(unknown) / 2);
  });
});

describe('the token request: HTTP Basic or the body, RFC 6749 errors', () => {
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  const refusal = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof OAuthError ? e.error : `not an OAuthError: ${String(e)}`;
    }
    return 'accepted';
  };

  it('takes form-encoded Basic credentials, a colon in the secret included', () => {
    const secret = 'a:b+c d%';
    const header = basic('bl-1', encodeURIComponent(secret).replace(/%20/g, '+'));
    expect(tokenRequest({ grant_type: 'client_credentials' }, header)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'bl-1',
      client_secret: secret,
    });
    expect(
      tokenRequest({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' }, undefined),
    ).toEqual({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' });
    // A bearer header at the token URL is no client authentication: the body's fields decide.
    expect(refusal(() => tokenRequest({ grant_type: 'client_credentials' }, 'Bearer abc'))).toBe(
      'invalid_client',
    );
  });

  it.each([
    ['no grant_type', { client_id: 'x', client_secret: 'y' }, undefined, 'invalid_request'],
    ['no client_secret', { grant_type: 'client_credentials', client_id: 'x' }, undefined, 'invalid_client'],
    ['no credentials at all', { grant_type: 'client_credentials' }, undefined, 'invalid_client'],
    [
      'Basic and the body both',
      { grant_type: 'client_credentials', client_id: 'x' },
      basic('x', 'y'),
      'invalid_request',
    ],
    [
      'Basic without a colon',
      { grant_type: 'client_credentials' },
      `Basic ${Buffer.from('xy').toString('base64')}`,
      'invalid_client',
    ],
    [
      'Basic not form-encoded',
      { grant_type: 'client_credentials' },
      basic('x', '%E0%A4%A'),
      'invalid_request',
    ],
    [
      'a client id longer than any',
      { grant_type: 'client_credentials', client_id: 'x'.repeat(200), client_secret: 'y' },
      undefined,
      'invalid_request',
    ],
  ])('%s', (_, body, header, error) => {
    expect(refusal(() => tokenRequest(body, header))).toBe(error);
  });
});
