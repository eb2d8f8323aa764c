/**
 * Batching helpers: BatchGet in chunks of 100 and BatchWrite in chunks of 25, with unprocessed
 * items retried (exponential backoff, full jitter) until done or attempts run out; query pages;
 * opaque cursors; bounded parallelism.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { errorName } from '../../caught-errors.ts';
import { mapLimit } from '../../concurrency.ts';
import { ValidationError } from '../../domain/errors.ts';

/** Bounded parallelism, from the code base's one pool: stops starting items after a failure. */
export { mapLimit };

type Item = Record<string, unknown>;
type Key = Record<string, unknown>;
type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Key } };

export interface RetryOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** BatchWrite only: write each partition key's items in order, at most this many a second. */
  pacePerKey?: number;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const defaultSleep = sleep;

/** Exponential backoff with full jitter (capped at 2 s): spreads retries of racing writers apart. */
export function backoff(attempt: number, base = 25): number {
  return Math.random() * Math.min(2_000, base * 2 ** attempt);
}

/** Splits `items` into consecutive parts of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Whether a single-item write was refused by its condition expression. */
export function isConditionFailure(e: unknown): boolean {
  return errorName(e) === 'ConditionalCheckFailedException';
}

/**
 * The per-item cancellation codes of a refused transaction (`ConditionalCheckFailed`,
 * `TransactionConflict`, `None`, …), in the order of its items; undefined when `e` is not a
 * cancelled transaction.
 */
export function cancellationCodes(e: unknown): (string | undefined)[] | undefined {
  const err = e as { name?: unknown; CancellationReasons?: { Code?: string }[] } | undefined;
  if (err?.name !== 'TransactionCanceledException') return undefined;
  return (err.CancellationReasons ?? []).map((r) => r.Code);
}

/**
 * Reads items by key with BatchGetItem, 100 keys a call (8 calls in flight), strongly consistent.
 * Keys DynamoDB leaves unprocessed are asked again with backoff; after `maxAttempts` the call
 * fails rather than return a silently partial answer. Order is not kept; missing items are absent.
 */
export async function batchGet(
  doc: DynamoDBDocumentClient,
  table: string,
  keys: readonly Key[],
  options: RetryOptions = {},
): Promise<Item[]> {
  const { maxAttempts = 8, baseDelayMs = 25, sleep = defaultSleep } = options;
  const results = await mapLimit(chunk(keys, 100), 8, async (part) => {
    const found: Item[] = [];
    let pending: Key[] = part;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxAttempts)
        throw new Error(`BatchGet left ${pending.length} keys unprocessed after ${maxAttempts} attempts`);
      if (attempt > 0) await sleep(backoff(attempt, baseDelayMs));
      const res = await doc.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
      );
      found.push(...((res.Responses?.[table] as Item[] | undefined) ?? []));
      pending = (res.UnprocessedKeys?.[table]?.Keys as Key[] | undefined) ?? [];
    }
    return found;
  });
  return results.flat();
}

/**
 * Puts and deletes with BatchWriteItem, 25 requests a call (8 calls in flight); unprocessed items
 * are sent again with backoff, and the call fails rather than drop any. A part must not name the
 * same key twice (DynamoDB refuses the whole call), which callers ensure by deduplicating.
 */
export async function batchWrite(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  options: RetryOptions = {},
): Promise<void> {
  const { maxAttempts = 8, baseDelayMs = 25, sleep = defaultSleep } = options;
  const write = async (part: WriteRequest[]) => {
    let pending: WriteRequest[] = part;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxAttempts)
        throw new Error(`BatchWrite left ${pending.length} items unprocessed after ${maxAttempts} attempts`);
      if (attempt > 0) await sleep(backoff(attempt, baseDelayMs));
      const res = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (res.UnprocessedItems?.[table] as WriteRequest[] | undefined) ?? [];
    }
  };
  if (!options.pacePerKey) {
    await mapLimit(chunk(requests, 25), 8, write);
    return;
  }
  // One writer per partition key, each paced; the keys in parallel.
  const byKey = new Map<string, WriteRequest[]>();
  for (const r of requests) {
    const pk = String(('PutRequest' in r ? r.PutRequest.Item : r.DeleteRequest.Key).pk);
    const list = byKey.get(pk);
    if (list) list.push(r);
    else byKey.set(pk, [r]);
  }
  const perSecond = options.pacePerKey;
  await mapLimit([...byKey.values()], 8, async (list) => {
    const spend = pacer(perSecond, undefined, sleep);
    for (const part of chunk(list, 25)) {
      await write(part);
      await spend(part.length);
    }
  });
}

/**
 * Item writes a writer sends to one partition key per second at most. DynamoDB takes about 1,000
 * write units a second on a key, and a transactional write costs two: a writer that keeps one key
 * under 400 items a second leaves room for the answers and moves others make on it meanwhile.
 */
export const WRITES_PER_KEY_PER_SECOND = 400;

/**
 * Paces one writer of one key: `spend(n)` after writing `n` items waits, if need be, until the
 * writer's average since its start is back under `perSecond`. A shard's plan of thousands of
 * commands then takes seconds on its key instead of throttling it.
 */
export function pacer(perSecond: number, now: () => number = () => performance.now(), wait = defaultSleep) {
  const start = now();
  let written = 0;
  return async (n: number): Promise<void> => {
    written += n;
    const ahead = (written / perSecond) * 1000 - (now() - start);
    if (ahead > 0) await wait(ahead);
  };
}

/** Every item of a query, following pages. */
export async function queryAll(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Key | undefined;
  do {
    const res = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((res.Items as Item[] | undefined) ?? []));
    start = res.LastEvaluatedKey as Key | undefined;
  } while (start);
  return items;
}

/** A DynamoDB position (LastEvaluatedKey): this table's keys are all strings. */
export const StartKey = z.record(z.string(), z.string());
export type StartKey = z.infer<typeof StartKey>;

/** An opaque page cursor: base64url of JSON (usually a LastEvaluatedKey); undefined stays undefined. */
export function encodeCursor(value: unknown): string | undefined {
  return value === undefined ? undefined : Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Reads a cursor made by `encodeCursor`, checked against `schema` (a DynamoDB position by
 * default), so a tampered cursor is a ValidationError (400), never a malformed request to DynamoDB.
 */
export function decodeCursor(cursor: string | undefined): StartKey | undefined;
export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined;
export function decodeCursor(cursor: string | undefined, schema: z.ZodType<unknown> = StartKey): unknown {
  if (!cursor) return undefined;
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch (cause) {
    throw new ValidationError('invalid cursor: pass back the cursor of the previous page unchanged', [], {
      cause,
    });
  }
}

/** Page size asked for, within 1..500 (100 when not given). */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return 100;
  return Math.min(500, Math.max(1, Math.floor(limit)));
}

/** Removes key attributes so an item can be parsed as the domain object it stores. */
export function stripKeys(item: Item, keyNames: readonly string[]): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!keyNames.includes(k)) out[k] = v;
  return out;
}
