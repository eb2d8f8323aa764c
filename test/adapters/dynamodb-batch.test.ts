/**
 * Batching of the DynamoDB adapters with aws-sdk-client-mock: BatchGet and BatchWrite sizes and
 * retries of unprocessed keys and items, bounded parallelism, cursors, and the transactions of
 * commands (49 commands and a counter, 100 items) and reservations (100 buildings) with their fallbacks.
 */
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchGet,
  batchWrite,
  decodeCursor,
  encodeCursor,
  mapLimit,
  pacer,
  pageLimit,
} from '../../lib/adapters/dynamodb/batch.ts';
import { DynamoCommandRepository } from '../../lib/adapters/dynamodb/command-repository.ts';
import { DynamoReservationRepository } from '../../lib/adapters/dynamodb/reservation-repository.ts';
import { COMMAND_SHARDS, commandShard } from '../../lib/adapters/dynamodb/table.ts';
import { ConflictError, ValidationError } from '../../lib/domain/errors.ts';
import { cancelled, commandRecord } from '../support/dynamodb-mock.ts';

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

describe('pacing writes to a partition key', () => {
  it('waits only as long as keeps a writer under its rate since it started', async () => {
    let t = 0;
    const waits: number[] = [];
    const spend = pacer(
      400,
      () => t,
      async (ms) => {
        waits.push(ms);
        t += ms;
      },
    );
    await spend(100); // 100 items at t = 0: they were due by 250 ms
    t += 50; // the next part takes 50 ms to write
    await spend(100); // due by 500 ms, it is 300 ms
    t += 1_000; // a slow part: already behind the rate, so no wait
    await spend(100);
    expect(waits).toEqual([250, 200]);
  });

  it("writes each key's items in order under its pace, the keys side by side", async () => {
    dynamo.on(BatchWriteCommand).resolves({});
    const waits: number[] = [];
    const put = (pk: string, i: number) => ({ PutRequest: { Item: { pk, sk: `${i}` } } });
    await batchWrite(
      doc,
      't',
      [
        ...Array.from({ length: 60 }, (_, i) => put('A', i)),
        ...Array.from({ length: 10 }, (_, i) => put('B', i)),
      ],
      { pacePerKey: 50, sleep: async (ms) => void waits.push(ms) },
    );
    const calls = dynamo.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.t ?? []);
    // Never two keys in one call; A's 60 items in 25 + 25 + 10, B's 10 in one.
    for (const call of calls) expect(new Set(call.map((r) => r.PutRequest?.Item?.pk)).size).toBe(1);
    expect(calls.map((c) => c.length).sort((a, b) => a - b)).toEqual([10, 10, 25, 25]);
    // 50 a second: A's parts wait for roughly 0.5 s, 1 s and 1.2 s of writing; B's for 0.2 s.
    expect(waits.length).toBe(4);
    expect(Math.max(...waits)).toBeGreaterThan(1_000);
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

describe('mapLimit', () => {
  it('keeps order and stays within the limit', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, x));
      inFlight--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('starts nothing after a failure and throws once the calls in flight have settled', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (x) => {
      started.push(x);
      await new Promise((r) => setTimeout(r, x === 0 ? 1 : 20));
      settled++;
      if (x === 0) throw new Error('boom');
      return x;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(2);
  });
});

describe('cursors and page sizes', () => {
  it('round-trips a position and refuses anything else as a ValidationError', () => {
    const key = { pk: 'PARKS', sk: '#PARK', gsi1pk: 'PARKS', gsi1sk: 'p1' };
    expect(decodeCursor(encodeCursor(key))).toEqual(key);
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(() => decodeCursor('%%%')).toThrow(ValidationError);
    expect(() => decodeCursor(encodeCursor({ pk: { S: 'x' } }))).toThrow(ValidationError);
  });

  it('caps page sizes to 1..500, 100 by default', () => {
    expect([
      pageLimit(undefined),
      pageLimit(0),
      pageLimit(7.9),
      pageLimit(10_000),
      pageLimit(Number.NaN),
    ]).toEqual([100, 1, 7, 500, 100]);
  });
});

const command = commandRecord;

describe('DynamoCommandRepository.putMany', () => {
  type Items = NonNullable<TransactWriteCommandInput['TransactItems']>;
  const transactions = () =>
    dynamo.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
  /** The counter update of a transaction: its key and the change of each counter. */
  const counterOf = (items: Items) => {
    const update = items.find((i) => i.Update?.Key?.sk === '#COUNT')?.Update;
    const names = update?.ExpressionAttributeNames ?? {};
    const values = update?.ExpressionAttributeValues ?? {};
    return {
      key: update?.Key,
      changes: Object.fromEntries(Object.keys(names).map((n) => [names[n], values[`:${n.slice(1)}`]])),
    };
  };

  it('skips known ids, then writes commands with their pointers and their count in conditional transactions of 49', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: { t: [{ commandId: 'c0' }] } });
    dynamo.on(TransactWriteCommand).resolves({});
    // One building's commands: one shard, so the parts follow one another.
    const result = await new DynamoCommandRepository(doc, 't').putMany(
      Array.from({ length: 121 }, (_, i) => command(i, 'b')),
    );
    expect(result.skipped).toEqual(['c0']);
    expect(result.created).toHaveLength(120);
    const calls = transactions();
    // 49 commands, their pointers and the shard's counter leave room for a guard's condition check.
    expect(calls.map((items) => items.length)).toEqual([99, 99, 45]);
    const shard = `EVENT#ev#C#${commandShard('b')}`;
    expect(calls.map((items) => counterOf(items))).toEqual(
      [49, 49, 22].map((n) => ({ key: { pk: shard, sk: '#COUNT' }, changes: { DISPATCH_PENDING: n } })),
    );
    const puts = calls.flat().flatMap((i) => (i.Put ? [i.Put] : []));
    expect(puts.every((p) => p.ConditionExpression === 'attribute_not_exists(pk)')).toBe(true);
    expect(puts.some((p) => p.Item?.sk === 'CMD#c0')).toBe(false);
  });

  it("spreads an event's commands over shards by building, each shard's commands counted on its own key", async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: {} });
    dynamo.on(TransactWriteCommand).resolves({});
    await new DynamoCommandRepository(doc, 't').putMany(Array.from({ length: 400 }, (_, i) => command(i)));
    const calls = transactions();
    const shards = new Set<string>();
    let stored = 0;
    for (const items of calls) {
      const commands = items.flatMap((i) => (i.Put?.Item?.type === 'command' ? [i.Put.Item] : []));
      const [pk] = new Set(commands.map((c) => c.pk));
      for (const c of commands)
        expect(c.pk).toBe(`EVENT#ev#C#${commandShard(JSON.parse(c.body).buildingId)}`);
      expect(counterOf(items)).toEqual({
        key: { pk, sk: '#COUNT' },
        changes: { DISPATCH_PENDING: commands.length },
      });
      shards.add(pk);
      stored += commands.length;
    }
    expect(stored).toBe(400);
    expect(shards.size).toBe(COMMAND_SHARDS);
  });

  it("checks the guard's event first in every transaction, and refuses with a ConflictError once it moved", async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: {} });
    dynamo.on(TransactWriteCommand).resolves({});
    const guard = { eventId: 'ev', revision: 3, statuses: ['received' as const] };
    const repo = new DynamoCommandRepository(doc, 't');
    await repo.putMany(
      Array.from({ length: 60 }, (_, i) => command(i, 'b')),
      guard,
    );
    const calls = transactions();
    expect(calls.map((items) => items.length)).toEqual([100, 24]);
    for (const items of calls) {
      expect(items[0]?.ConditionCheck?.Key).toEqual({ pk: 'EVENT#ev', sk: '#EVENT' });
      expect(items[0]?.ConditionCheck?.ExpressionAttributeValues?.[':grev']).toBe(3);
    }
    dynamo.on(TransactWriteCommand).callsFake((input: { TransactItems: unknown[] }) => {
      throw cancelled(input.TransactItems.map((_, i) => (i === 0 ? 'ConditionalCheckFailed' : 'None')));
    });
    await expect(repo.putMany([command(100)], guard)).rejects.toThrow(/no longer at revision 3/);
  });

  it('falls back to one transaction per command when a racing writer stored some, leaving those alone and uncounted', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: {} });
    dynamo
      .on(TransactWriteCommand)
      .callsFake((input: { TransactItems: { Put?: { Item?: { sk?: string } } }[] }) => {
        const items = input.TransactItems;
        if (items.length > 3)
          throw cancelled(items.map((_, i) => (i === 2 ? 'ConditionalCheckFailed' : 'None')));
        if (items[0]?.Put?.Item?.sk === 'CMD#c1') throw cancelled(['ConditionalCheckFailed', 'None', 'None']);
        return {};
      });
    const result = await new DynamoCommandRepository(doc, 't').putMany([0, 1, 2].map((i) => command(i, 'b')));
    expect(transactions().map((items) => items.length)).toEqual([7, 3, 3, 3]);
    expect(result).toEqual({ created: ['c0', 'c2'], skipped: ['c1'] });
  });

  it('retries a command whose transaction met another one, and fails on anything else', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: {} });
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['TransactionConflict', 'None']))
      .rejectsOnce(cancelled(['TransactionConflict', 'None']))
      .resolves({});
    await new DynamoCommandRepository(doc, 't').putMany([command(0)]);
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 3);

    dynamo.reset();
    dynamo.on(BatchGetCommand).resolves({ Responses: {} });
    dynamo
      .on(TransactWriteCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    await expect(new DynamoCommandRepository(doc, 't').putMany([command(0)])).rejects.toThrow('throttled');
  });
});

describe('DynamoReservationRepository.commit', () => {
  const entries = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ buildingId: `b${i}`, expectedVersion: i % 3, reservations: [] }));

  it('commits in transactions of 100 buildings, each conditional on its version', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    await new DynamoReservationRepository(doc, 't').commit('ev', 1_000, entries(230));
    const calls = dynamo.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
    expect(calls.map((items) => items.length).sort((a, b) => b - a)).toEqual([100, 100, 30]);
    const first = calls.flat().find((i) => i.Update?.Key?.pk === 'BLDG#b1')?.Update;
    expect(first?.ConditionExpression).toBe('version = :expected');
    expect(first?.ExpressionAttributeValues?.[':expected']).toBe(1);
    const fresh = calls.flat().find((i) => i.Update?.Key?.pk === 'BLDG#b0')?.Update;
    expect(fresh?.ConditionExpression).toBe('attribute_not_exists(version)');
  });

  it('names the buildings of every refused transaction in one ConflictError', async () => {
    dynamo
      .on(TransactWriteCommand)
      .callsFake((input: { TransactItems: { Update?: { Key?: { pk?: string } } }[] }) => {
        const pks = input.TransactItems.map((i) => i.Update?.Key?.pk);
        if (pks.includes('BLDG#b5'))
          throw cancelled(pks.map((pk) => (pk === 'BLDG#b5' ? 'ConditionalCheckFailed' : 'None')));
        if (pks.includes('BLDG#b150'))
          throw cancelled(pks.map((pk) => (pk === 'BLDG#b150' ? 'TransactionConflict' : 'None')));
        return {};
      });
    const commit = new DynamoReservationRepository(doc, 't').commit('ev', 1_000, entries(230));
    await expect(commit).rejects.toBeInstanceOf(ConflictError);
    await expect(commit).rejects.toMatchObject({ buildingIds: ['b5', 'b150'] });
  });

  it('lets other failures through as they are', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled(['ValidationError']));
    await expect(
      new DynamoReservationRepository(doc, 't').commit('ev', 1_000, entries(1)),
    ).rejects.toBeInstanceOf(TransactionCanceledException);
  });
});
