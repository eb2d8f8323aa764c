/**
 * The transactional outbox (DESIGN §4, issue 15): a message is stored in the same transaction as
 * the change it announces, under `OUTBOX#<shard>` / `createdAt#id`, and the table's stream carries
 * it to the relay, which puts it on the bus and then removes it. Items expire after a week (TTL) as
 * a last resort; the reconciler relays any that waited too long.
 */
import { randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { BusMessage, Outbox, OutboxEntry } from '../../ports.ts';
import {
  backoff,
  batchWrite,
  cancellationCodes,
  chunk,
  isConditionFailure,
  mapLimit,
  sleep,
} from './batch.ts';
import { keys, TTL_ATTRIBUTE } from './table.ts';

/**
 * Partitions the outbox is spread over, so a province-wide dispatch does not heat one of them: 16
 * command shards, each paced to 400 writes a second, put at most ~6,400 messages a second, ~400 on
 * each outbox key, and the relay's deletes as many again.
 */
export const OUTBOX_SHARDS = 16;
const KEEP_SECONDS = 7 * 24 * 3600;

const shardOf = (id: string) => Number.parseInt(id.slice(0, 8), 16) % OUTBOX_SHARDS;

/** The Put that writes one message to the outbox, for a caller's transaction. */
export function outboxPut(table: string, message: BusMessage, nowMs: number) {
  const id = randomUUID().replaceAll('-', '');
  const createdAt = new Date(nowMs).toISOString();
  return {
    Put: {
      TableName: table,
      Item: {
        ...keys.outbox(shardOf(id), createdAt, id),
        type: 'outbox',
        id,
        createdAt,
        body: JSON.stringify(message),
        [TTL_ATTRIBUTE]: Math.floor(nowMs / 1000) + KEEP_SECONDS,
      },
    },
  };
}

/**
 * One conditional put, alone or in a transaction with the messages that announce it: both are
 * stored or neither. Resolves false when the put's condition failed; retries transaction
 * conflicts (a command write checking the same item at that moment).
 */
export async function putAnnounced(
  doc: DynamoDBDocumentClient,
  table: string,
  now: () => number,
  item: Record<string, unknown>,
  condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> },
  announce: readonly BusMessage[],
): Promise<boolean> {
  if (announce.length > 99) throw new Error(`at most 99 messages announce a change, not ${announce.length}`);
  for (let attempt = 0; ; attempt++) {
    try {
      if (announce.length === 0)
        await doc.send(new PutCommand({ TableName: table, Item: item, ...condition }));
      else {
        const at = now();
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: table, Item: item, ...condition } },
              ...announce.map((m) => outboxPut(table, m, at)),
            ],
          }),
        );
      }
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      const codes = cancellationCodes(e);
      if (codes?.[0] === 'ConditionalCheckFailed') return false;
      const conflict =
        codes?.includes('TransactionConflict') ||
        (e as { name?: string }).name === 'TransactionConflictException';
      if (!conflict || attempt >= 8) throw e;
      await sleep(backoff(attempt));
    }
  }
}

const Stored = z.object({
  type: z.literal('outbox'),
  id: z.string(),
  createdAt: z.string(),
  body: z.string(),
});
const Message = z.object({
  detailType: z.string(),
  source: z.string(),
  detail: z.looseObject({ version: z.literal(1) }),
});

/** An outbox item as the table or its stream holds it (unmarshalled); undefined for other items. */
export function outboxEntryOf(item: Record<string, unknown>): OutboxEntry | undefined {
  const stored = Stored.safeParse(item);
  if (!stored.success) return undefined;
  return {
    id: stored.data.id,
    createdAt: stored.data.createdAt,
    message: Message.parse(JSON.parse(stored.data.body)),
  };
}

export class DynamoOutbox implements Outbox {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number,
  ) {}

  async put(messages: readonly BusMessage[]): Promise<void> {
    await mapLimit(chunk([...messages], 100), 4, (part) =>
      this.doc.send(
        new TransactWriteCommand({ TransactItems: part.map((m) => outboxPut(this.table, m, this.now())) }),
      ),
    );
  }

  async due(before: string, limit: number): Promise<OutboxEntry[]> {
    const perShard = await mapLimit(
      Array.from({ length: OUTBOX_SHARDS }, (_, s) => s),
      OUTBOX_SHARDS,
      async (shard) => {
        const res = await this.doc.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk < :before',
            ExpressionAttributeValues: { ':pk': `OUTBOX#${shard}`, ':before': before },
            ConsistentRead: true,
            Limit: limit,
          }),
        );
        return (res.Items ?? []).flatMap((i) => outboxEntryOf(i) ?? []);
      },
    );
    return perShard
      .flat()
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
      .slice(0, limit);
  }

  async remove(entries: readonly OutboxEntry[]): Promise<void> {
    await batchWrite(
      this.doc,
      this.table,
      entries.map((e) => ({ DeleteRequest: { Key: keys.outbox(shardOf(e.id), e.createdAt, e.id) } })),
    );
  }
}
