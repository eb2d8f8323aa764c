import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { Command } from '../../domain/model/command.ts';
import type { CommandRecord, CommandRepository, CommandStatus, Page, PageRequest } from '../../ports.ts';
import { batchGet, batchWrite, decodeCursor, encodeCursor, mapLimit, pageLimit, queryAll } from './batch.ts';
import { INDEX, keys } from './table.ts';

const Status = z.enum(['PENDING', 'PUBLISHED', 'FAILED', 'ACKNOWLEDGED', 'DECLINED', 'SUPERSEDED']);
/** A status change: allowed from these statuses, to that one, when, and why. */
interface Move {
  from: readonly CommandStatus[];
  to: CommandStatus;
  at: string;
  reason?: string | undefined;
}

const Stored = z.object({
  command: Command,
  status: Status,
  updatedAt: z.string(),
  reason: z.string().optional(),
});
/**
 * The command travels as one JSON string attribute: a command holds arrays per interval and per
 * asset, and one string is far cheaper to write and read back than nested maps. Status and its
 * reason stay attributes of their own, for conditional updates.
 */
const parse = (item: Record<string, unknown>): CommandRecord =>
  Stored.parse({
    command: JSON.parse(String(item.body)),
    status: item.status,
    updatedAt: item.updatedAt,
    reason: item.reason,
  });

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
              body: JSON.stringify(r.command),
              status: r.status,
              updatedAt: r.updatedAt,
              ...(r.reason === undefined ? {} : { reason: r.reason }),
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
    return eventId ? this.update(eventId, commandId, { from, to, at, reason }) : false;
  }

  /**
   * Moves commands of one event in transactions of 100 conditional updates (one round trip for
   * the usual case where all of them move); a refused transaction falls back to one update per
   * command, so commands that moved meanwhile (a fast acknowledgement) keep their new status.
   */
  async transitionMany(
    eventId: string,
    commandIds: readonly string[],
    from: readonly CommandStatus[],
    to: CommandStatus,
    at: string,
    reason?: string,
  ): Promise<string[]> {
    const move: Move = { from, to, at, reason };
    const chunks: string[][] = [];
    for (let i = 0; i < commandIds.length; i += 100) chunks.push(commandIds.slice(i, i + 100));
    const moved = await mapLimit(chunks, 8, async (ids) => {
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: ids.map((id) => ({ Update: this.updateInput(eventId, id, move) })),
          }),
        );
        return ids;
      } catch (e) {
        if ((e as { name?: string }).name !== 'TransactionCanceledException') throw e;
        const results = await mapLimit(ids, 16, (id) => this.update(eventId, id, move));
        return ids.filter((_, i) => results[i]);
      }
    });
    return moved.flat();
  }

  private updateInput(eventId: string, commandId: string, { from, to, at, reason }: Move) {
    const allowed = Object.fromEntries(from.map((s, i) => [`:from${i}`, s]));
    return {
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
    };
  }

  /** One conditional update; false when the command was not in a `from` status. */
  private async update(eventId: string, commandId: string, move: Move): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand(this.updateInput(eventId, commandId, move)));
      return true;
    } catch (e) {
      if ((e as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }
}
