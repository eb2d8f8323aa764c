/**
 * Signature of a webhook delivery (local BMS integrations and OpenADR subscription notifications):
 * `x-flexdr-signature: sha256=<hex>` over `<x-flexdr-timestamp>.<body>` with the shared secret
 * (HMAC-SHA256), so a receiver can check origin and freshness. On AWS a BMS integration's API
 * destination sends an API key header instead.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-flexdr-signature';
export const TIMESTAMP_HEADER = 'x-flexdr-timestamp';

export function sign(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** True when the signature matches and the timestamp is within `toleranceSeconds` of `nowSeconds`. */
export function verify(
  secret: string,
  headers: { signature?: string | undefined; timestamp?: string | undefined },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(ts)) return false;
  if (Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, ts, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
