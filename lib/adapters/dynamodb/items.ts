/**
 * Single-item reads, deletes and one page of an index: what the repositories that store one
 * object per item (parks, buildings) share.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { decodeCursor, encodeCursor, StartKey } from './batch.ts';

type Item = Record<string, unknown>;

/** The item under `key`, read consistently (a write just before it is seen). */
export async function getItem(
  doc: DynamoDBDocumentClient,
  table: string,
  key: Record<string, string>,
): Promise<Item | undefined> {
  const res = await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  return res.Item;
}

export async function deleteItem(
  doc: DynamoDBDocumentClient,
  table: string,
  key: Record<string, string>,
): Promise<void> {
  await doc.send(new DeleteCommand({ TableName: table, Key: key }));
}

/** One page of the items whose `partitionAttr` on `index` is `value`, and the cursor of the next. */
export async function queryIndexPage(
  doc: DynamoDBDocumentClient,
  table: string,
  query: { index: string; partitionAttr: string; value: string; limit: number; start: StartKey | undefined },
): Promise<{ items: Item[]; cursor: string | undefined }> {
  const res = await doc.send(
    new QueryCommand({
      TableName: table,
      IndexName: query.index,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': query.partitionAttr },
      ExpressionAttributeValues: { ':pk': query.value },
      Limit: query.limit,
      ExclusiveStartKey: query.start,
    }),
  );
  return { items: res.Items ?? [], cursor: encodeCursor(res.LastEvaluatedKey) };
}

/** A partition a paged walk reads: the table's own (`pk`) or an index's. */
export interface Partition {
  value: string;
  /** The index and its partition attribute; the table's `pk` when absent. */
  index?: { name: string; attr: string } | undefined;
  /** Restricts the sort key to a prefix (the table's `sk`, or the index's sort attribute). */
  skPrefix?: { attr: string; value: string } | undefined;
}

/** Where a walk over partitions stands: which partition, and the DynamoDB position in it. */
const WalkCursor = z.strictObject({ p: z.number().int().min(0), k: StartKey.optional() });

/**
 * One page of items read partition after partition (shards of a key, or several parks' shards),
 * `limit` at most, with a cursor that names the partition and the position in it. A page moves on
 * to the next partition only when one is read to its end, so it never holds more than asked nor
 * more than one DynamoDB answer's 1 MB past the partitions it finished.
 */
export async function pageAcross(
  doc: DynamoDBDocumentClient,
  table: string,
  partitions: readonly Partition[],
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: Item[]; cursor: string | undefined }> {
  let at = decodeCursor(page.cursor, WalkCursor) ?? { p: 0 };
  const items: Item[] = [];
  while (at.p < partitions.length && items.length < page.limit) {
    const part = partitions[at.p] as Partition;
    const pkAttr = part.index?.attr ?? 'pk';
    const res = await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: part.index?.name,
        KeyConditionExpression: part.skPrefix ? '#pk = :pk AND begins_with(#sk, :sk)' : '#pk = :pk',
        ExpressionAttributeNames: { '#pk': pkAttr, ...(part.skPrefix ? { '#sk': part.skPrefix.attr } : {}) },
        ExpressionAttributeValues: {
          ':pk': part.value,
          ...(part.skPrefix ? { ':sk': part.skPrefix.value } : {}),
        },
        Limit: page.limit - items.length,
        ExclusiveStartKey: at.k,
      }),
    );
    items.push(...(res.Items ?? []));
    const next = res.LastEvaluatedKey as StartKey | undefined;
    if (next) {
      // The page is full, or DynamoDB stopped at its 1 MB: either way this page ends here.
      at = { p: at.p, k: next };
      break;
    }
    at = { p: at.p + 1 };
  }
  return { items, cursor: at.p < partitions.length ? encodeCursor(at) : undefined };
}
