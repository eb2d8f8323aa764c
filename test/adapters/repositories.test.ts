import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoCommandRepository } from '../../lib/adapters/dynamodb/command-repository.ts';
import { DynamoEventRepository } from '../../lib/adapters/dynamodb/event-repository.ts';
import { COMMAND_SHARDS, commandShard } from '../../lib/adapters/dynamodb/table.ts';
import { ConflictError } from '../../lib/domain/errors.ts';
import type { EventRecord } from '../../lib/ports.ts';
import { cancelled, commandRecord, conditionFailed } from '../support/dynamodb-mock.ts';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'cn-north-1' }));
const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());

const aCommand = commandRecord(1).command;

const record = {
  event: {
    eventId: 'ev',
    programId: 'p',
    type: 'PEAK_SHAVING',
    start: '2026-12-14T09:00:00.000Z',
    end: '2026-12-14T10:00:00.000Z',
    intervalMinutes: 15,
    targetsKw: [1, 1, 1, 1],
    scope: { parkIds: ['p1'] },
    noticeAt: '2026-12-14T01:00:00.000Z',
    shortfallPenaltyYuanPerKwh: 100,
    procurement: { expectedDeliveryRatio: 1, useBuildingReliability: false },
  },
  revision: 1,
  status: 'received',
  version: 2,
  createdAt: '2026-12-14T01:00:00.000Z',
  updatedAt: '2026-12-14T01:00:00.000Z',
  declinesPlannedAround: 0,
} as EventRecord;

describe('DynamoEventRepository', () => {
  it('updates only the version it read, and turns a failed condition into a ConflictError', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    const repo = new DynamoEventRepository(doc, 't');
    await expect(repo.update(record)).rejects.toBeInstanceOf(ConflictError);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: 'version = :previous',
      ExpressionAttributeValues: { ':previous': 1 },
    });
  });

  it('returns the stored event when creating one that exists', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: { pk: 'EVENT#ev', sk: '#EVENT', type: 'event', ...record } });
    const out = await new DynamoEventRepository(doc, 't').create(record);
    expect(out.created).toBe(false);
    expect(out.record.event.eventId).toBe('ev');
  });

  it('keys each event by its UTC start and reads a span of starts page by page', async () => {
    dynamo.on(PutCommand).resolves({});
    await new DynamoEventRepository(doc, 't').create({
      ...record,
      event: { ...record.event, start: '2026-12-14T17:00:00+08:00', end: '2026-12-14T18:00:00+08:00' },
    });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ gsi2pk: 'EVENTS#START', gsi2sk: '2026-12-14T09:00:00.000Z#ev' }),
    });
    const window = (eventId: string, start: string) => ({
      event: { eventId, start, end: '2026-12-14T10:00:00.000Z' },
      status: 'planned',
    });
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [window('a', '2026-12-13T09:00:00.000Z')], LastEvaluatedKey: { pk: 'x' } })
      .resolvesOnce({ Items: [window('b', '2026-12-14T09:00:00.000Z')] });
    const found = await new DynamoEventRepository(doc, 't').startingBetween(
      '2026-12-13T00:00:00.000Z',
      '2026-12-15T00:00:00.000Z',
    );
    expect(found.map((w) => w.eventId)).toEqual(['a', 'b']);
    expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 2);
    expect(dynamo).toHaveReceivedNthCommandWith(QueryCommand, 2, { ExclusiveStartKey: { pk: 'x' } });
  });
});

describe('DynamoCommandRepository', () => {
  const stored = (status: string) => ({
    Item: { type: 'command', status, updatedAt: '2026-12-14T01:00:00Z', body: JSON.stringify(aCommand) },
  });
  const pointer = { Key: { pk: 'CMD#c1', sk: '#PTR' } };
  const shard = commandShard(aCommand.buildingId);
  const at = { Key: { pk: `EVENT#ev#C#${shard}`, sk: 'CMD#c1' } };

  it('moves a command from the status it was read in, with its counter, and reads again when it moved meanwhile', async () => {
    dynamo.on(GetCommand, pointer).resolves({ Item: { commandId: 'c1', eventId: 'ev', shard } });
    dynamo.on(GetCommand, at).resolvesOnce(stored('PUBLISHED')).resolves(stored('DECLINED'));
    dynamo.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None']));
    const repo = new DynamoCommandRepository(doc, 't');
    expect(await repo.transition('c1', ['PUBLISHED'], 'ACKNOWLEDGED', '2026-12-14T01:00:00Z')).toBe(false);
    // One attempt from PUBLISHED (refused: answered meanwhile); read again, DECLINED is not in `from`.
    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const [update, counter] = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(update?.Update).toMatchObject({
      Key: at.Key,
      ConditionExpression: 'attribute_exists(pk) AND #s = :from',
      ExpressionAttributeValues: { ':from': 'PUBLISHED', ':to': 'ACKNOWLEDGED' },
    });
    expect(counter?.Update).toMatchObject({
      Key: { pk: `EVENT#ev#C#${shard}`, sk: '#COUNT' },
      UpdateExpression: 'ADD #c0 :c0, #c1 :c1',
      ExpressionAttributeNames: { '#c0': 'DISPATCH_PUBLISHED', '#c1': 'DISPATCH_ACKNOWLEDGED' },
      ExpressionAttributeValues: { ':c0': -1, ':c1': 1 },
    });
  });

  it("sums the shards' counters into one tally", async () => {
    dynamo.on(BatchGetCommand).resolves({
      Responses: {
        t: [
          { DISPATCH_PUBLISHED: 3, DISPATCH_ACKNOWLEDGED: 2 },
          { DISPATCH_PUBLISHED: 1, CANCEL_PENDING: 4 },
        ],
      },
    });
    const tally = await new DynamoCommandRepository(doc, 't').tally('ev');
    expect(tally.DISPATCH).toMatchObject({ PUBLISHED: 4, ACKNOWLEDGED: 2, PENDING: 0 });
    expect(tally.CANCEL).toMatchObject({ PENDING: 4, PUBLISHED: 0 });
    const keys = dynamo.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.t?.Keys;
    expect(keys).toHaveLength(COMMAND_SHARDS);
    expect(keys?.[5]).toEqual({ pk: 'EVENT#ev#C#5', sk: '#COUNT' });
  });

  it("pages an event's commands shard after shard: at most 500 a page, from the cursor of the last, and refuses a forged cursor", async () => {
    const last = { pk: 'EVENT#ev#C#0', sk: 'CMD#c9' };
    dynamo.on(QueryCommand).resolves({ Items: [], LastEvaluatedKey: last });
    const repo = new DynamoCommandRepository(doc, 't');
    const first = await repo.pageOfEvent('ev', { limit: 10_000 });
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :sk)',
      ExpressionAttributeValues: { ':pk': 'EVENT#ev#C#0', ':sk': 'CMD#' },
      Limit: 500,
    });
    expect(first.cursor).toBeDefined();
    dynamo.reset();
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const second = await repo.pageOfEvent('ev', { cursor: first.cursor });
    expect(dynamo).toHaveReceivedNthCommandWith(QueryCommand, 1, { ExclusiveStartKey: last, Limit: 100 });
    // The rest of shard 0, then shards 1–15, all empty: the walk ends.
    expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, COMMAND_SHARDS);
    expect(dynamo).toHaveReceivedNthCommandWith(QueryCommand, COMMAND_SHARDS, {
      ExpressionAttributeValues: { ':pk': `EVENT#ev#C#${COMMAND_SHARDS - 1}`, ':sk': 'CMD#' },
    });
    expect(second.cursor).toBeUndefined();
    await expect(repo.pageOfEvent('ev', { cursor: 'not-a-cursor' })).rejects.toThrow('invalid cursor');
  });
});
