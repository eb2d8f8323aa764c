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
import { ValidationError } from '../../domain/errors.ts';

type Item = Record<string, unknown>;
type Key = Record<string, unknown>;
type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Key } };

export interface RetryOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function backoff(attempt: number, base: number): number {
  return Math.random() * Math.min(2_000, base * 2 ** attempt);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

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

export async function batchWrite(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  options: RetryOptions = {},
): Promise<void> {
  const { maxAttempts = 8, baseDelayMs = 25, sleep = defaultSleep } = options;
  await mapLimit(chunk(requests, 25), 8, async (part) => {
    let pending: WriteRequest[] = part;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxAttempts)
        throw new Error(`BatchWrite left ${pending.length} items unprocessed after ${maxAttempts} attempts`);
      if (attempt > 0) await sleep(backoff(attempt, baseDelayMs));
      const res = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (res.UnprocessedItems?.[table] as WriteRequest[] | undefined) ?? [];
    }
  });
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

export function encodeCursor(value: unknown): string | undefined {
  return value === undefined ? undefined : Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined): T | undefined {
  if (!cursor) return undefined;
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch (cause) {
    throw new ValidationError('invalid cursor: pass back the cursor of the previous page unchanged', [], {
      cause,
    });
  }
}

/** Page size asked for, within 1..500 (100 when not given). */
export function pageLimit(limit: number | undefined): number {
  return Math.min(500, Math.max(1, Math.floor(limit ?? 100)));
}

/** Removes key attributes so an item can be parsed as the domain object it stores. */
export function stripKeys(item: Item, keyNames: readonly string[]): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!keyNames.includes(k)) out[k] = v;
  return out;
}
