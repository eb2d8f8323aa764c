/**
 * Signature of a webhook delivery (local BMS integrations and OpenADR subscription notifications):
 * `x-flexdr-signature: sha256=<hex>`, the HMAC-SHA256 of `<x-flexdr-timestamp>.<x-flexdr-delivery>.<body>`
 * keyed by a secret shared with the receiver alone (an OpenADR subscription's own signing secret,
 * a BMS integration's secret), never by anything sent in the same request. The timestamp bounds
 * how late a copy may be replayed; the delivery id, the same on every retry of one delivery and
 * unique across deliveries, lets the receiver drop a copy it has already taken within that window
 * ({@link DeliveryIds}). On AWS a BMS integration's API destination sends an API key header instead.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-flexdr-signature';
export const TIMESTAMP_HEADER = 'x-flexdr-timestamp';
export const DELIVERY_HEADER = 'x-flexdr-delivery';
/** How far a delivery's timestamp may lie from the receiver's clock, either way. */
export const TOLERANCE_SECONDS = 300;

export function sign(secret: string, timestamp: number, deliveryId: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${deliveryId}.${body}`).digest('hex')}`;
}

export interface SignedHeaders {
  signature?: string | undefined;
  timestamp?: string | undefined;
  deliveryId?: string | undefined;
}

/**
 * True when the signature matches timestamp, delivery id and body, and the timestamp is within
 * `toleranceSeconds` of `nowSeconds`. It does not remember ids: pair it with {@link DeliveryIds}.
 */
export function verify(
  secret: string,
  headers: SignedHeaders,
  body: string,
  nowSeconds: number,
  toleranceSeconds = TOLERANCE_SECONDS,
): boolean {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !headers.deliveryId || !Number.isInteger(ts)) return false;
  if (Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, ts, headers.deliveryId, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * A receiver's memory of the delivery ids it took, for as long as their timestamps could still
 * pass {@link verify} (twice the tolerance): a second copy of a delivery taken is a replay, or a
 * retry after a lost answer, to be answered 2xx and not acted on. A receiver records an id once
 * it has handled the delivery, so that a retry after its own failure is handled again.
 */
export class DeliveryIds {
  private readonly seen = new Map<string, number>();
  constructor(private readonly toleranceSeconds = TOLERANCE_SECONDS) {}

  /** Whether `deliveryId` was taken (recorded) within the window. */
  has(deliveryId: string, nowSeconds: number): boolean {
    for (const [id, at] of this.seen) if (at < nowSeconds - 2 * this.toleranceSeconds) this.seen.delete(id);
    return this.seen.has(deliveryId);
  }

  /** Records `deliveryId` as taken. */
  add(deliveryId: string, nowSeconds: number): void {
    this.seen.set(deliveryId, nowSeconds);
  }
}
