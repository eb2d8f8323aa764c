/**
 * PutEvents without losing anything: entries batched by count (10) and size (256 KB, measured as
 * EventBridge measures it), several calls in flight, failed entries retried alone with exponential
 * backoff and full jitter, throttling and transient errors retried, and every entry accounted for.
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';

export const MAX_ENTRIES_PER_CALL = 10;
export const MAX_BYTES_PER_CALL = 256 * 1024;

export interface PutEventsOptions {
  concurrency?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface PutEventsOutcome {
  /** Indexes of the entries that were put. */
  succeeded: number[];
  /** Entries that finally failed, with the last error. */
  failed: { index: number; code: string; message: string }[];
  calls: number;
  retries: number;
}

/** Size of an entry as EventBridge counts it towards the 256 KB limit. */
export function entrySize(e: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined) => (s ? Buffer.byteLength(s, 'utf8') : 0);
  return (
    bytes(e.Source) +
    bytes(e.DetailType) +
    bytes(e.Detail) +
    bytes(e.EventBusName) +
    (e.Resources ?? []).reduce((n, r) => n + bytes(r), 0) +
    (e.Time ? 14 : 0)
  );
}

/** Groups entry indexes into calls of at most 10 entries and 256 KB. */
export function planCalls(entries: readonly PutEventsRequestEntry[], indexes: readonly number[]): number[][] {
  const calls: number[][] = [];
  let current: number[] = [];
  let size = 0;
  for (const i of indexes) {
    const s = entrySize(entries[i] as PutEventsRequestEntry);
    if (current.length === MAX_ENTRIES_PER_CALL || (current.length > 0 && size + s > MAX_BYTES_PER_CALL)) {
      calls.push(current);
      current = [];
      size = 0;
    }
    current.push(i);
    size += s;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

const RETRYABLE_CODES = new Set([
  'ThrottlingException',
  'InternalException',
  'InternalFailure',
  'ServiceUnavailable',
  'RequestTimeout',
  'TimeoutError',
]);

function isRetryable(e: unknown): boolean {
  const err = e as {
    name?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    code?: string;
  };
  if (err.$retryable) return true;
  if (err.name && RETRYABLE_CODES.has(err.name)) return true;
  const status = err.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  // Network errors from the HTTP handler carry Node's codes.
  return ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE'].includes(err.code ?? '');
}

/**
 * Puts every entry, retrying what can be retried. Never throws for entries that fail; returns
 * which succeeded and which failed, so the caller records each.
 */
export async function putEntries(
  client: EventBridgeClient,
  entries: readonly PutEventsRequestEntry[],
  options: PutEventsOptions = {},
): Promise<PutEventsOutcome> {
  const {
    concurrency = 4,
    maxAttempts = 5,
    baseDelayMs = 50,
    maxDelayMs = 2_000,
    sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    random = Math.random,
  } = options;
  const outcome: PutEventsOutcome = { succeeded: [], failed: [], calls: 0, retries: 0 };
  const lastError = new Map<number, { code: string; message: string }>();

  let pending: number[] = [];
  entries.forEach((e, i) => {
    if (entrySize(e) > MAX_BYTES_PER_CALL)
      outcome.failed.push({
        index: i,
        code: 'EntryTooLarge',
        message: `entry is ${entrySize(e)} bytes; the limit is ${MAX_BYTES_PER_CALL}`,
      });
    else pending.push(i);
  });

  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) {
      outcome.retries += pending.length;
      await sleep(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
    }
    const retry: number[] = [];
    const calls = planCalls(entries, pending);
    let next = 0;
    const worker = async () => {
      while (next < calls.length) {
        const call = calls[next++] as number[];
        outcome.calls++;
        try {
          const res = await client.send(
            new PutEventsCommand({ Entries: call.map((i) => entries[i] as PutEventsRequestEntry) }),
          );
          call.forEach((index, k) => {
            const r = res.Entries?.[k];
            if (r && !r.ErrorCode && r.EventId) outcome.succeeded.push(index);
            else {
              lastError.set(index, {
                code: r?.ErrorCode ?? 'Unknown',
                message: r?.ErrorMessage ?? 'no event id returned',
              });
              retry.push(index);
            }
          });
        } catch (e) {
          const err = e as Error;
          for (const index of call) lastError.set(index, { code: err.name, message: err.message });
          if (isRetryable(e)) retry.push(...call);
          else for (const index of call) outcome.failed.push({ index, code: err.name, message: err.message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, calls.length) }, worker));
    pending = retry.sort((a, b) => a - b);
    if (attempt + 1 >= maxAttempts) {
      for (const index of pending)
        outcome.failed.push({ index, ...(lastError.get(index) ?? { code: 'Unknown', message: '' }) });
      pending = [];
    }
  }
  outcome.succeeded.sort((a, b) => a - b);
  outcome.failed.sort((a, b) => a.index - b.index);
  return outcome;
}
