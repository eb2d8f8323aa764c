import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { batchGet, batchWrite } from '../../lib/adapters/dynamodb/batch.ts';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'cn-north-1' }));
const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());
const noSleep = { sleep: async () => {} };

describe('batchWrite', () => {
  it('writes 60 items in calls of 25, 25 and 10, and retries only what was unprocessed', async () => {
    let first = true;
    dynamo.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
      const requests = input.RequestItems.t ?? [];
      if (first && requests.length === 25) {
        first = false;
        return { UnprocessedItems: { t: requests.slice(0, 3) } };
      }
      return { UnprocessedItems: {} };
    });
    const items = Array.from({ length: 60 }, (_, i) => ({ PutRequest: { Item: { pk: `k${i}`, sk: 's' } } }));
    await batchWrite(doc, 't', items, noSleep);
    const sizes = dynamo.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.t?.length);
    expect(sizes.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([3, 10, 25, 25]);
  });

  it('fails loudly rather than drop items that stay unprocessed', async () => {
    dynamo.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => ({
      UnprocessedItems: input.RequestItems,
    }));
    await expect(
      batchWrite(doc, 't', [{ DeleteRequest: { Key: { pk: 'a', sk: 'b' } } }], {
        ...noSleep,
        maxAttempts: 3,
      }),
    ).rejects.toThrow(/BatchWrite left 1 items unprocessed after 3 attempts/);
    expect(dynamo).toHaveReceivedCommandTimes(BatchWriteCommand, 3);
  });
});

describe('batchGet', () => {
  it('reads 150 keys in calls of 100 and 50, following unprocessed keys', async () => {
    let retried = false;
    dynamo
      .on(BatchGetCommand)
      .callsFake((input: { RequestItems: Record<string, { Keys: Record<string, string>[] }> }) => {
        const keys = input.RequestItems.t?.Keys ?? [];
        if (!retried && keys.length === 100) {
          retried = true;
          return {
            Responses: { t: keys.slice(2).map((k) => ({ ...k, v: 1 })) },
            UnprocessedKeys: { t: { Keys: keys.slice(0, 2) } },
          };
        }
        return { Responses: { t: keys.map((k) => ({ ...k, v: 1 })) } };
      });
    const keys = Array.from({ length: 150 }, (_, i) => ({ pk: `k${i}`, sk: 's' }));
    const items = await batchGet(doc, 't', keys, noSleep);
    expect(items).toHaveLength(150);
    expect(new Set(items.map((i) => i.pk)).size).toBe(150);
    const sizes = dynamo
      .commandCalls(BatchGetCommand)
      .map((c) => c.args[0].input.RequestItems?.t?.Keys?.length);
    expect(sizes.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([2, 50, 100]);
  });
});
