import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { Command } from '../../domain/model/command.ts';
import type { CommandRecord, CommandRepository, CommandStatus, Page, PageRequest } from '../../ports.ts';
import { batchGet, batchWrite, decodeCursor, encodeCursor, pageLimit, queryAll } from './batch.ts';
import { INDEX, keys } from './table.ts';

const Status = z.enum(['PENDING', 'PUBLISHED', 'FAILED', 'ACKNOWLEDGED', 'DECLINED', 'SUPERSEDED']);
const Stored = z.object({
  command: Command,
  status: Status,
  updatedAt: z.string(),
  reason: z.string().optional(),
});
const parse = (item: Record<string, unknown>): CommandRecord => Stored.parse(item);

/**
 * Commands live under their event (read strongly consistent when dispatching), with a pointer item
 * by command id for acknowledgements, and GSI1 for a building's commands, newest first.
 */
export class DynamoCommandRepository implements CommandRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async putMany(records: readonly CommandRecord[]): Promise<void> {
    if (records.length === 0) return;
    // Existing ids are left as they are: a retried plan rebuilds the same ids and must not reset statuses.
    const existing = await batchGet(
      this.doc,
      this.table,
      records.map((r) => keys.commandPointer(r.command.commandId)),
    );
    const known = new Set(existing.map((i) => String(i.commandId)));
    const fresh = records.filter((r) => !known.has(r.command.commandId));
    await batchWrite(
      this.doc,
      this.table,
      fresh.flatMap((r) => [
        {
          PutRequest: {
            Item: {
              ...keys.command(r.command.eventId, r.command.commandId),
              ...keys.commandsOfBuilding({ ...r.command }),
              type: 'command',
              ...JSON.parse(JSON.stringify(r)),
            },
          },
        },
        {
          PutRequest: {
            Item: {
              ...keys.commandPointer(r.command.commandId),
              type: 'commandPointer',
              commandId: r.command.commandId,
              eventId: r.command.eventId,
            },
          },
        },
      ]),
    );
  }

  private async locate(commandId: string): Promise<string | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.commandPointer(commandId), ConsistentRead: true }),
    );
    return res.Item ? String(res.Item.eventId) : undefined;
  }

  async get(commandId: string): Promise<CommandRecord | undefined> {
    const eventId = await this.locate(commandId);
    if (!eventId) return undefined;
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.command(eventId, commandId), ConsistentRead: true }),
    );
    return res.Item ? parse(res.Item) : undefined;
  }

  async ofEvent(eventId: string): Promise<CommandRecord[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :cmd)',
      ExpressionAttributeValues: { ':pk': `EVENT#${eventId}`, ':cmd': 'CMD#' },
      ConsistentRead: true,
    });
    return items.map(parse);
  }

  async ofBuilding(buildingId: string, page: PageRequest = {}): Promise<Page<CommandRecord>> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.gsi1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `BLDG#${buildingId}#CMD` },
        ScanIndexForward: false,
        Limit: pageLimit(page.limit),
        ExclusiveStartKey: decodeCursor(page.cursor),
      }),
    );
    return { items: (res.Items ?? []).map(parse), cursor: encodeCursor(res.LastEvaluatedKey) };
  }

  async transition(
    commandId: string,
    from: readonly CommandStatus[],
    to: CommandStatus,
    at: string,
    reason?: string,
  ): Promise<boolean> {
    const eventId = await this.locate(commandId);
    if (!eventId) return false;
    const allowed = Object.fromEntries(from.map((s, i) => [`:from${i}`, s]));
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.command(eventId, commandId),
          UpdateExpression:
            reason === undefined
              ? 'SET #s = :to, updatedAt = :at'
              : 'SET #s = :to, updatedAt = :at, reason = :reason',
          ConditionExpression: `attribute_exists(pk) AND #s IN (${Object.keys(allowed).join(', ')})`,
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ...allowed,
            ':to': to,
            ':at': at,
            ...(reason === undefined ? {} : { ':reason': reason }),
          },
        }),
      );
      return true;
    } catch (e) {
      if ((e as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }
}
