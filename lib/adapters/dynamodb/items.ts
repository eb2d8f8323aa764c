/**
 * Single-item reads, deletes and one page of an index: what the repositories that store one
 * object per item (parks, buildings) share.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { encodeCursor, type StartKey } from './batch.ts';

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
