/**
 * The OpenADR webhook sender against a real local HTTPS receiver: the echo check, signed
 * deliveries, retries with backoff, and the SSRF guards (https only, no private addresses, no
 * redirects, timeouts, capped answers); and the address classifier on its own.
 */
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AddressCategory,
  classifyAddress,
  type HttpsWebhookSenderOptions,
  httpsWebhookSender,
} from '../../lib/adapters/webhook/sender.ts';
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  type SignedHeaders,
  TIMESTAMP_HEADER,
  verify,
} from '../../lib/adapters/webhook/signature.ts';
import { defaultResponder, type HttpsReceiver, startHttpsReceiver } from '../support/https-receiver.ts';

let receiver: HttpsReceiver;
let delays: number[];

beforeAll(async () => {
  receiver = await startHttpsReceiver();
});
afterAll(async () => {
  await receiver.close();
});
afterEach(() => {
  receiver.requests.length = 0;
  receiver.respond(defaultResponder);
});

/** A sender that trusts the receiver, may reach 127.0.0.1 and records its backoff instead of waiting. */
function testSender(options: HttpsWebhookSenderOptions = {}) {
  delays = [];
  return httpsWebhookSender({
    ca: receiver.ca,
    allowPrivateAddresses: true,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...options,
  });
}

/** Answers the first `failures` requests with `status`, the rest with 200. */
function failFirst(failures: number, status: number) {
  let seen = 0;
  receiver.respond(() => (++seen <= failures ? { status } : { status: 200 }));
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The signature headers of a received request. */
function signatureOf(request: { headers: Record<string, unknown> } | undefined): SignedHeaders {
  return {
    signature: request?.headers[SIGNATURE_HEADER] as string | undefined,
    timestamp: request?.headers[TIMESTAMP_HEADER] as string | undefined,
    deliveryId: request?.headers[DELIVERY_HEADER] as string | undefined,
  };
}

describe('classifyAddress', () => {
  it.each<[string, AddressCategory]>([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.254', 'CGNAT'],
    ['100.128.0.1', 'public'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['203.0.113.5', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['::1', 'loopback'],
    ['::', 'reserved'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a00:1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::c0a8:101', 'private'],
    ['64:ff9b::808:808', 'public'],
    ['2002:a9fe:a9fe::1', 'link-local'],
    ['not an address', 'reserved'],
  ])('%s is %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });
});

describe('verify', () => {
  it('passes when the receiver echoes the challenge, and sends it as a query parameter', async () => {
    const result = await testSender().verify({ url: `${receiver.url}hooks/ven-1?x=1`, bearerToken: 'tok' });

    expect(result).toEqual({ ok: true, attempts: 1, status: 200 });
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe('/hooks/ven-1');
    expect(request?.query.get('x')).toBe('1');
    expect(request?.query.get('echo')).toMatch(/^[0-9a-f]{32}$/);
    expect(request?.headers.authorization).toBe('Bearer tok');
    expect(request?.headers['user-agent']).toBe('FlexDR-VTN');
  });

  it('accepts the challenge anywhere in a JSON answer, and a fresh one each time', async () => {
    receiver.respond((request) => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ven: 'v1', challenge: { echo: request.query.get('echo') } }),
    }));
    const sender = testSender();

    expect((await sender.verify({ url: receiver.url })).ok).toBe(true);
    expect((await sender.verify({ url: receiver.url })).ok).toBe(true);
    const [first, second] = receiver.requests.map((r) => r.query.get('echo'));
    expect(first).not.toBe(second);
  });

  it('fails when the answer lacks the challenge', async () => {
    receiver.respond(() => ({ status: 200, body: 'hello' }));

    const result = await testSender().verify({ url: receiver.url });

    expect(result).toEqual({
      ok: false,
      attempts: 1,
      status: 200,
      error: 'echo value missing from the response',
    });
  });

  it('fails on a status other than 200, even with the challenge in the body', async () => {
    receiver.respond((request) => ({ status: 201, body: request.query.get('echo') ?? '' }));

    const result = await testSender().verify({ url: receiver.url });

    expect(result).toEqual({ ok: false, attempts: 1, status: 201, error: 'status 201' });
  });

  it('reads at most 64 KiB of the answer', async () => {
    const filler = 'x'.repeat(70 * 1024);
    receiver.respond((request) => ({ status: 200, body: `${filler}${request.query.get('echo')}` }));
    const missing = await testSender().verify({ url: receiver.url });

    receiver.respond((request) => ({ status: 200, body: `${request.query.get('echo')}${filler}` }));
    const found = await testSender().verify({ url: receiver.url });

    expect(missing.error).toBe('echo value missing from the response');
    expect(found.ok).toBe(true);
  });

  it('refuses an http: URL without sending anything', async () => {
    const result = await testSender().verify({ url: receiver.url.replace('https:', 'http:') });

    expect(result).toEqual({
      ok: false,
      attempts: 0,
      error: 'refused: the callback URL must use https, not http',
    });
    expect(receiver.requests).toHaveLength(0);
  });

  it('refuses a malformed URL', async () => {
    const result = await testSender().verify({ url: 'not a url' });

    expect(result).toEqual({ ok: false, attempts: 0, error: 'refused: the callback URL is not a valid URL' });
  });

  it('refuses private addresses unless allowed, by IP and by host name, without sending anything', async () => {
    const sender = testSender({ allowPrivateAddresses: false });
    const byName = receiver.url.replace('127.0.0.1', 'localhost');

    const byIp = await sender.verify({ url: receiver.url });
    const resolved = await sender.verify({ url: byName });

    expect(byIp).toEqual({ ok: false, attempts: 0, error: 'refused: 127.0.0.1 is a loopback address' });
    expect(resolved.ok).toBe(false);
    expect(resolved.attempts).toBe(0);
    expect(resolved.error).toMatch(/^refused: (127\.0\.0\.1|::1) is a loopback address$/);
    expect(receiver.requests).toHaveLength(0);
  });

  it('refuses a certificate it does not trust', async () => {
    const result = await testSender({ ca: undefined }).verify({ url: receiver.url });

    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^certificate refused: .*self-signed/);
  });

  it('does not follow a redirect', async () => {
    receiver.respond(() => ({ status: 302, headers: { location: `${receiver.url}elsewhere` } }));

    const result = await testSender().verify({ url: receiver.url });

    expect(result).toEqual({ ok: false, attempts: 1, status: 302, error: 'redirect (302) not followed' });
    expect(receiver.requests.map((r) => r.path)).toEqual(['/']);
  });
});

describe('deliver', () => {
  const body = JSON.stringify({ objectType: 'EVENT', operation: 'POST', object: { id: 'e1', 名称: '削峰' } });

  it('posts the exact body as JSON with the bearer token, signed with the signing secret and never the token', async () => {
    const result = await testSender({ secret: 'default-secret' }).deliver(
      { url: `${receiver.url}notify`, bearerToken: 'ven-token', signingSecret: 'subscription-key' },
      body,
    );

    expect(result).toEqual({ ok: true, attempts: 1, status: 200 });
    const [request] = receiver.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/notify');
    expect(request?.body).toBe(body);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBe('Bearer ven-token');
    const signature = signatureOf(request);
    expect(signature.deliveryId).toMatch(/^[0-9a-f]{32}$/);
    const now = Math.floor(Date.now() / 1000);
    expect(verify('subscription-key', signature, body, now)).toBe(true);
    expect(verify('ven-token', signature, body, now)).toBe(false);
    expect(verify('default-secret', signature, body, now)).toBe(false);
    expect(verify('subscription-key', signature, `${body} `, now)).toBe(false);
    expect(verify('subscription-key', { ...signature, deliveryId: 'another' }, body, now)).toBe(false);
    expect(verify('subscription-key', signature, body, now + 301)).toBe(false);
  });

  it('signs with the default secret when the target has no signing secret, and sends no Authorization', async () => {
    const result = await testSender({ secret: 'default-secret' }).deliver(
      { url: receiver.url, bearerToken: null },
      body,
    );

    expect(result.ok).toBe(true);
    const [request] = receiver.requests;
    expect(request?.headers.authorization).toBeUndefined();
    expect(verify('default-secret', signatureOf(request), body, Math.floor(Date.now() / 1000))).toBe(true);
  });

  it('names one delivery with one id on every retry, and each delivery with its own', async () => {
    failFirst(1, 503);
    const sender = testSender({ backoffMs: 1, secret: 'default-secret' });

    await sender.deliver({ url: receiver.url }, body);
    await sender.deliver({ url: receiver.url }, body);

    const ids = receiver.requests.map((r) => r.headers[DELIVERY_HEADER]);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('retries a 503 with doubling backoff until it succeeds', async () => {
    failFirst(2, 503);

    const result = await testSender({ backoffMs: 100 }).deliver({ url: receiver.url }, body);

    expect(result).toEqual({ ok: true, attempts: 3, status: 200 });
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests.every((r) => r.body === body)).toBe(true);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(100);
    expect(delays[0]).toBeLessThanOrEqual(110);
    expect(delays[1]).toBeGreaterThanOrEqual(200);
    expect(delays[1]).toBeLessThanOrEqual(220);
  });

  it.each([408, 429, 500, 502])('retries a %i', async (status) => {
    failFirst(1, status);

    const result = await testSender().deliver({ url: receiver.url }, body);

    expect(result).toEqual({ ok: true, attempts: 2, status: 200 });
  });

  it('gives up after the configured attempts with the last status', async () => {
    receiver.respond(() => ({ status: 503 }));

    const result = await testSender().deliver({ url: receiver.url }, body);

    expect(result).toEqual({ ok: false, attempts: 4, status: 503, error: 'status 503' });
    expect(receiver.requests).toHaveLength(4);
    expect(delays.map((d, i) => Math.floor(d / (500 * 2 ** i)))).toEqual([1, 1, 1]);
  });

  it('does not retry a 400', async () => {
    receiver.respond(() => ({ status: 400, body: 'bad' }));

    const result = await testSender().deliver({ url: receiver.url }, body);

    expect(result).toEqual({ ok: false, attempts: 1, status: 400, error: 'status 400' });
    expect(receiver.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('neither follows nor retries a redirect', async () => {
    receiver.respond((request) =>
      request.path === '/' ? { status: 307, headers: { location: `${receiver.url}moved` } } : { status: 200 },
    );

    const result = await testSender().deliver({ url: receiver.url }, body);

    expect(result).toEqual({ ok: false, attempts: 1, status: 307, error: 'redirect (307) not followed' });
    expect(receiver.requests.map((r) => r.path)).toEqual(['/']);
  });

  it('times out a slow receiver and retries', async () => {
    receiver.respond(() => ({ status: 200, delayMs: 2_000 }));
    const started = Date.now();

    const result = await testSender({ timeoutMs: 150, attempts: 2 }).deliver({ url: receiver.url }, body);

    expect(result).toEqual({ ok: false, attempts: 2, error: 'timeout after 150 ms' });
    expect(receiver.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('retries a refused connection and reports it', async () => {
    const port = await closedPort();

    const result = await testSender({ attempts: 3 }).deliver({ url: `https://127.0.0.1:${port}/` }, body);

    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(3);
    expect(result.error).toMatch(/^network error: .*ECONNREFUSED/);
    expect(delays).toHaveLength(2);
  });

  it('refuses a private address and an http: URL without retrying', async () => {
    const sender = testSender({ allowPrivateAddresses: false });

    const privateResult = await sender.deliver({ url: 'https://10.0.0.1/notify' }, body);
    const httpResult = await sender.deliver({ url: 'http://example.com/notify' }, body);

    expect(privateResult).toEqual({
      ok: false,
      attempts: 0,
      error: 'refused: 10.0.0.1 is a private address',
    });
    expect(httpResult).toEqual({
      ok: false,
      attempts: 0,
      error: 'refused: the callback URL must use https, not http',
    });
    expect(delays).toEqual([]);
    expect(receiver.requests).toHaveLength(0);
  });
});
