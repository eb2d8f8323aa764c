import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoCommandRepository } from '../../lib/adapters/dynamodb/command-repository.ts';
import { DynamoEventRepository } from '../../lib/adapters/dynamodb/event-repository.ts';
import { ConflictError } from '../../lib/domain/errors.ts';
import type { EventRecord } from '../../lib/ports.ts';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'cn-north-1' }));
const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());

const conditionFailed = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

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
  it('reports a refused status change as false, not as an error', async () => {
    dynamo.on(GetCommand).resolves({ Item: { commandId: 'c1', eventId: 'ev' } });
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    const moved = await new DynamoCommandRepository(doc, 't').transition(
      'c1',
      ['PUBLISHED'],
      'ACKNOWLEDGED',
      '2026-12-14T01:00:00Z',
    );
    expect(moved).toBe(false);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'EVENT#ev', sk: 'CMD#c1' },
      ConditionExpression: 'attribute_exists(pk) AND #s IN (:from0)',
    });
  });

  it("pages an event's commands: at most 500 a page, from the cursor of the last, and refuses a forged cursor", async () => {
    const last = { pk: 'EVENT#ev', sk: 'CMD#c9' };
    dynamo.on(QueryCommand).resolves({ Items: [], LastEvaluatedKey: last });
    const repo = new DynamoCommandRepository(doc, 't');
    const first = await repo.pageOfEvent('ev', { limit: 10_000 });
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :cmd)',
      ExpressionAttributeValues: { ':pk': 'EVENT#ev', ':cmd': 'CMD#' },
      Limit: 500,
    });
    expect(first.cursor).toBeDefined();
    dynamo.reset();
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const second = await repo.pageOfEvent('ev', { cursor: first.cursor });
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { ExclusiveStartKey: last, Limit: 100 });
    expect(second.cursor).toBeUndefined();
    await expect(repo.pageOfEvent('ev', { cursor: 'not-a-cursor' })).rejects.toThrow('invalid cursor');
  });
});
