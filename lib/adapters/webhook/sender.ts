/**
 * The OpenADR 3.1 webhook sender (Definition.md "Webhooks"): the `echo` check of a callback URL
 * and the signed POST of notifications, with the spec's guards against SSRF. The URL must be
 * https; its host is resolved once and every address is checked against private and reserved
 * ranges; the request connects to the checked address (no second resolution, so DNS rebinding
 * cannot move it); redirects are never followed; one timeout covers connect and response; at most
 * 64 KiB of an answer is read. node:https rather than fetch, so that an extra CA can be trusted.
 */
import { randomBytes } from 'node:crypto';
import { lookup as lookupHost } from 'node:dns/promises';
import { request } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { errorCode, errorMessage } from '../../caught-errors.ts';
import type { DeliveryResult, WebhookSender, WebhookTarget } from '../../ports.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, sign, TIMESTAMP_HEADER } from './signature.ts';

export interface HttpsWebhookSenderOptions {
  /** Over the whole request, connect to last byte. Default 10 s (the spec recommends 10–30 s). */
  timeoutMs?: number;
  /** Requests per delivery, the first included. Default 4. */
  attempts?: number;
  /** Delay before the first retry, doubling after each, plus up to 10% jitter. Default 500 ms. */
  backoffMs?: number;
  /** Lets callbacks reach private and reserved addresses: local runs and tests only. */
  allowPrivateAddresses?: boolean;
  /** An extra trusted CA (PEM), such as a local receiver's self-signed certificate. */
  ca?: string | Buffer;
  /** HMAC key of targets without a signing secret of their own; without either, deliveries are not signed. */
  secret?: string;
  sleep?: (ms: number) => Promise<void>;
  userAgent?: string;
}

/** Where an address points; anything but `public` is refused unless private addresses are allowed. */
export type AddressCategory =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'CGNAT'
  | 'multicast'
  | 'reserved';

/** IANA special-purpose ranges (RFC 6890 and successors), checked in this order. */
const RANGES: ReadonlyArray<[Exclude<AddressCategory, 'public'>, string[]]> = [
  ['loopback', ['127.0.0.0/8', '::1/128']],
  ['private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '64:ff9b:1::/48', 'fec0::/10']],
  ['link-local', ['169.254.0.0/16', 'fe80::/10']],
  ['unique-local', ['fc00::/7']],
  ['CGNAT', ['100.64.0.0/10']],
  ['multicast', ['224.0.0.0/4', 'ff00::/8']],
  [
    'reserved',
    [
      '0.0.0.0/8',
      '192.0.0.0/24',
      '192.0.2.0/24',
      '192.88.99.0/24',
      '198.18.0.0/15',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '240.0.0.0/4',
      '::/128',
      '100::/64',
      '2001::/23',
      '2001:db8::/32',
      '3fff::/20',
      '5f00::/16',
    ],
  ],
];

const BLOCK_LISTS = RANGES.map(([category, subnets]) => {
  const list = new BlockList();
  for (const subnet of subnets) {
    const [network = '', prefix] = subnet.split('/');
    list.addSubnet(network, Number(prefix), isIP(network) === 6 ? 'ipv6' : 'ipv4');
  }
  return [category, list] as const;
});

/** Global unicast IPv6; everything outside it is unassigned or special. */
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');

/**
 * The category of an IP address. IPv6 addresses that carry an IPv4 address (IPv4-mapped
 * `::ffff:0:0/96`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) take the category of that IPv4
 * address; other IPv6 outside `2000::/3` is reserved, and so is anything that is not an address.
 */
export function classifyAddress(address: string): AddressCategory {
  const family = isIP(address);
  if (family === 0) return 'reserved';
  if (family === 6) {
    const embedded = embeddedIpv4(address);
    if (embedded) return classifyAddress(embedded);
  }
  const type = family === 6 ? 'ipv6' : 'ipv4';
  for (const [category, list] of BLOCK_LISTS) if (list.check(address, type)) return category;
  if (family === 6 && !GLOBAL_UNICAST.check(address, 'ipv6')) return 'reserved';
  return 'public';
}

function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  const at = (i: number) => g[i] ?? 0;
  if (zeros(0, 5) && at(5) === 0xffff) return v4(at(6), at(7));
  if (at(0) === 0x64 && at(1) === 0xff9b && zeros(2, 6)) return v4(at(6), at(7));
  if (at(0) === 0x2002) return v4(at(1), at(2));
  return undefined;
}

/** The eight 16-bit groups of a valid IPv6 address (zone id dropped, dotted tail folded in). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const groups = (part: string | undefined) =>
    part ? part.split(':').map((h) => Number.parseInt(h, 16)) : [];
  const [head, tail] = text.split('::');
  if (tail === undefined) return groups(head);
  const h = groups(head);
  const t = groups(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

const MAX_BODY_BYTES = 64 * 1024;

/** Certificate errors: retrying cannot fix them. */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID/;

type Outcome =
  | { kind: 'response'; status: number; body: string }
  | { kind: 'failure'; error: string; retryable: boolean; sent: boolean };

interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Webhooks over node:https with the OpenADR 3.1 security guidance applied. */
export class HttpsWebhookSender implements WebhookSender {
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly userAgent: string;

  constructor(private readonly options: HttpsWebhookSenderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.attempts = Math.max(1, options.attempts ?? 4);
    this.backoffMs = options.backoffMs ?? 500;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.userAgent = options.userAgent ?? 'FlexDR-VTN';
  }

  async verify(target: WebhookTarget): Promise<DeliveryResult> {
    const url = httpsUrl(target.url);
    if (typeof url === 'string') return { ok: false, attempts: 0, error: url };
    const echo = randomBytes(16).toString('hex');
    url.searchParams.set('echo', echo);
    const outcome = await this.send(
      url,
      'GET',
      this.headers(target, { accept: 'text/plain, application/json' }),
    );
    if (outcome.kind === 'failure') {
      return { ok: false, attempts: outcome.sent ? 1 : 0, error: outcome.error };
    }
    const { status, body } = outcome;
    if (status !== 200) return { ok: false, attempts: 1, status, error: statusError(status) };
    if (!body.includes(echo)) {
      return { ok: false, attempts: 1, status, error: 'echo value missing from the response' };
    }
    return { ok: true, attempts: 1, status };
  }

  async deliver(target: WebhookTarget, body: string): Promise<DeliveryResult> {
    const url = httpsUrl(target.url);
    if (typeof url === 'string') return { ok: false, attempts: 0, error: url };
    // Never the bearer token: it travels in the same request, so it would prove nothing.
    const key = target.signingSecret || this.options.secret;
    // One id per delivery, the same on each retry, so the receiver can drop a copy it already took.
    const deliveryId = randomBytes(16).toString('hex');
    let sent = 0;
    let last: DeliveryResult = { ok: false, attempts: 0 };
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await this.sleep(this.backoff(attempt - 1));
      // A fresh timestamp each time, so a late retry still passes the receiver's freshness check.
      const timestamp = Math.floor(Date.now() / 1000);
      const headers = this.headers(target, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        [DELIVERY_HEADER]: deliveryId,
        ...(key
          ? {
              [SIGNATURE_HEADER]: sign(key, timestamp, deliveryId, body),
              [TIMESTAMP_HEADER]: String(timestamp),
            }
          : {}),
      });
      const outcome = await this.send(url, 'POST', headers, body);
      if (outcome.kind === 'failure') {
        if (outcome.sent) sent++;
        last = { ok: false, attempts: sent, error: outcome.error };
        if (!outcome.retryable) return last;
        continue;
      }
      sent++;
      const { status } = outcome;
      if (status >= 200 && status < 300) return { ok: true, attempts: sent, status };
      last = { ok: false, attempts: sent, status, error: statusError(status) };
      if (!isRetryableStatus(status)) return last;
    }
    return last;
  }

  /** The n-th retry waits backoffMs · 2^(n-1), plus up to 10% so that retries do not march in step. */
  private backoff(retry: number): number {
    const base = this.backoffMs * 2 ** (retry - 1);
    return Math.round(base * (1 + Math.random() * 0.1));
  }

  private headers(target: WebhookTarget, extra: Record<string, string>): Record<string, string> {
    return {
      'user-agent': this.userAgent,
      ...(target.bearerToken ? { authorization: `Bearer ${target.bearerToken}` } : {}),
      ...extra,
    };
  }

  /** Resolves and checks the host, then sends one request to the checked address. */
  private async send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<Outcome> {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    let resolved: ResolvedAddress;
    try {
      const addresses = await lookupHost(host, { all: true, verbatim: true });
      const first = addresses[0];
      if (!first) return { kind: 'failure', error: `no address for ${host}`, retryable: true, sent: false };
      if (!this.options.allowPrivateAddresses) {
        // Every address, not just the first: the host decides which one a later lookup returns.
        for (const { address } of addresses) {
          const category = classifyAddress(address);
          if (category !== 'public') {
            const error = `refused: ${address} is ${article(category)} ${category} address`;
            return { kind: 'failure', error, retryable: false, sent: false };
          }
        }
      }
      resolved = { address: first.address, family: first.family === 6 ? 6 : 4 };
    } catch (e) {
      return {
        kind: 'failure',
        error: `cannot resolve ${host}: ${errorMessage(e)}`,
        retryable: true,
        sent: false,
      };
    }
    try {
      return await this.sendTo(url, host, resolved, method, headers, body);
    } catch (e) {
      // `https.request` throws synchronously on a header it cannot send (a control character, say).
      return {
        kind: 'failure',
        error: `request not sent: ${errorMessage(e)}`,
        retryable: false,
        sent: false,
      };
    }
  }

  private sendTo(
    url: URL,
    host: string,
    resolved: ResolvedAddress,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<Outcome> {
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if (options.all) callback(null, [resolved]);
      else callback(null, resolved.address, resolved.family);
    };
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const finish = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(outcome);
      };
      const req = request(
        {
          hostname: host,
          port: url.port || 443,
          path: `${url.pathname}${url.search}`,
          method,
          headers,
          lookup: pinned,
          // No pooled sockets: a pool is keyed by host name, not by the address that was checked.
          agent: false,
          ...(this.options.ca ? { ca: this.options.ca } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const chunks: Buffer[] = [];
          let size = 0;
          const answer = (): Outcome => ({
            kind: 'response',
            status,
            body: Buffer.concat(chunks).toString('utf8'),
          });
          res.on('data', (chunk: Buffer) => {
            const kept = chunk.subarray(0, MAX_BODY_BYTES - size);
            chunks.push(kept);
            size += kept.length;
            if (size >= MAX_BODY_BYTES) finish(answer());
          });
          res.on('end', () => finish(answer()));
          res.on('error', (e) => finish(networkFailure(e)));
          res.on('close', () => {
            if (!res.complete)
              finish(networkFailure(new Error('connection closed before the response ended')));
          });
        },
      );
      const timer = setTimeout(() => {
        finish({ kind: 'failure', error: `timeout after ${this.timeoutMs} ms`, retryable: true, sent: true });
      }, this.timeoutMs);
      req.on('error', (e) => finish(networkFailure(e)));
      req.end(body);
    });
  }
}

/** A sender with the OpenADR defaults: 10 s timeout, 4 attempts, 500 ms doubling backoff, public addresses only. */
export function httpsWebhookSender(options: HttpsWebhookSenderOptions = {}): HttpsWebhookSender {
  return new HttpsWebhookSender(options);
}

/** The URL when it is a valid https URL, else why not. */
function httpsUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'refused: the callback URL is not a valid URL';
  }
  if (url.protocol !== 'https:')
    return `refused: the callback URL must use https, not ${url.protocol.slice(0, -1)}`;
  return url;
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function statusError(status: number): string {
  return status >= 300 && status < 400 ? `redirect (${status}) not followed` : `status ${status}`;
}

function networkFailure(e: unknown): Outcome {
  const code = errorCode(e);
  const certificate = code !== undefined && CERTIFICATE_ERROR.test(code);
  const error = certificate ? `certificate refused: ${errorMessage(e)}` : `network error: ${errorMessage(e)}`;
  return { kind: 'failure', error, retryable: !certificate, sent: true };
}

function article(word: string): string {
  return /^[aeio]/i.test(word) ? 'an' : 'a';
}
