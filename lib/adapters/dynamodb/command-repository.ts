import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ConflictError } from '../../domain/errors.ts';
import { Command } from '../../domain/model/command.ts';
import { commandMessage } from '../../messages.ts';
import type {
  BusMessage,
  CommandRecord,
  CommandRepository,
  CommandStatus,
  EventGuard,
  Page,
  PageRequest,
} from '../../ports.ts';
import {
  backoff,
  batchGet,
  cancellationCodes,
  chunk,
  decodeCursor,
  encodeCursor,
  isConditionFailure,
  mapLimit,
  pageLimit,
  queryAll,
  sleep,
} from './batch.ts';
import { outboxPut } from './outbox.ts';
import { INDEX, keys } from './table.ts';

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

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
 *
 * Access patterns: commands of an event (`EVENT#id` / `CMD#commandId`, all pages); command by id
 * (`CMD#commandId` / `#PTR` names its event); commands of a building, newest first, paginated
 * (GSI1 `BLDG#id#CMD` / `start#revision#commandId`).
 */
export class DynamoCommandRepository implements CommandRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stores commands whose id is new; a command already stored keeps its status and body, and its
   * id is reported as skipped. A retried or duplicated plan rebuilds the same ids, and must never
   * reset a command that was published or acknowledged meanwhile.
   *
   * Steps: one BatchGet of the pointer items drops the ids known already (the usual retry costs
   * no writes); the rest go in transactions of 49 commands, each command item and its pointer
   * put together under `attribute_not_exists(pk)`, so a command is never stored without its
   * pointer, and with the guard's condition check on the event first: once a cancellation or a
   * newer revision is stored, no command of an older revision can be. When a transaction is
   * refused because a writer racing with this one stored some of its ids first, its commands are
   * put one by one under the same conditions, and those that exist by then are skipped.
   *
   * @throws ConflictError when the guard's event has moved on.
   */
  async putMany(
    records: readonly CommandRecord[],
    guard?: EventGuard,
  ): Promise<{ created: string[]; skipped: string[] }> {
    const unique = new Map<string, CommandRecord>();
    for (const r of records) if (!unique.has(r.command.commandId)) unique.set(r.command.commandId, r);
    if (unique.size === 0) return { created: [], skipped: [] };
    const existing = await batchGet(this.doc, this.table, [...unique.keys()].map(keys.commandPointer));
    const skipped = [...new Set(existing.map((i) => String(i.commandId)))];
    for (const id of skipped) unique.delete(id);
    const created = await mapLimit(chunk([...unique.values()], 49), 8, async (part) => {
      const items = part.flatMap((r) => this.creation(r));
      const outcome = await this.transact(items, guard);
      if (outcome === 'done') return part.map((r) => r.command.commandId);
      const one = await mapLimit(part, 16, (r) => this.createOne(r, guard));
      return part.filter((_, i) => one[i]).map((r) => r.command.commandId);
    });
    const made = created.flat();
    const madeSet = new Set(made);
    for (const r of unique.values()) if (!madeSet.has(r.command.commandId)) skipped.push(r.command.commandId);
    return { created: made, skipped };
  }

  /**
   * Marks PENDING commands PUBLISHED with their bus messages in the outbox, 49 a transaction
   * behind the guard's check; commands that moved meanwhile (answered, superseded) are left as
   * they are and not announced.
   */
  async publish(commands: readonly Command[], at: string, guard: EventGuard): Promise<string[]> {
    const move: Move = { from: ['PENDING'], to: 'PUBLISHED', at };
    const moved = await mapLimit(chunk([...commands], 49), 8, async (part) => {
      const items = part.flatMap((c) => [
        { Update: this.updateInput(c.eventId, c.commandId, move) },
        outboxPut(this.table, commandMessage(c), this.now()),
      ]);
      if ((await this.transact(items, guard)) === 'done') return part.map((c) => c.commandId);
      const one = await mapLimit(
        part,
        16,
        async (c) =>
          (await this.transact(
            [
              { Update: this.updateInput(c.eventId, c.commandId, move) },
              outboxPut(this.table, commandMessage(c), this.now()),
            ],
            guard,
          )) === 'done',
      );
      return part.filter((_, i) => one[i]).map((c) => c.commandId);
    });
    return moved.flat();
  }

  /**
   * Runs one transaction, the guard's check first; retries transaction conflicts. 'refused' when
   * one of the items' own conditions failed.
   * @throws ConflictError when the guard failed.
   */
  private async transact(items: TransactItem[], guard: EventGuard | undefined): Promise<'done' | 'refused'> {
    const all = guard ? [this.check(guard), ...items] : items;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.doc.send(new TransactWriteCommand({ TransactItems: all }));
        return 'done';
      } catch (e) {
        const codes = cancellationCodes(e);
        if (!codes) throw e;
        if (guard && codes[0] === 'ConditionalCheckFailed')
          throw new ConflictError(
            `event '${guard.eventId}' is no longer at revision ${guard.revision} (${guard.statuses.join(' or ')})`,
          );
        if (codes.includes('ConditionalCheckFailed')) return 'refused';
        if (!codes.includes('TransactionConflict') || attempt >= 8) throw e;
        await sleep(backoff(attempt));
      }
    }
  }

  /** The condition check a guarded write makes on its event. */
  private check(guard: EventGuard): TransactItem {
    const allowed = Object.fromEntries(guard.statuses.map((s, i) => [`:gs${i}`, s]));
    return {
      ConditionCheck: {
        TableName: this.table,
        Key: keys.event(guard.eventId),
        ConditionExpression: `revision = :grev AND #gst IN (${Object.keys(allowed).join(', ')})`,
        ExpressionAttributeNames: { '#gst': 'status' },
        ExpressionAttributeValues: { ':grev': guard.revision, ...allowed },
      },
    };
  }

  /** Creates one command and its pointer unless the command exists (false then). */
  private async createOne(record: CommandRecord, guard: EventGuard | undefined): Promise<boolean> {
    return (await this.transact(this.creation(record), guard)) === 'done';
  }

  /** The two conditional puts that store a new command: its item under the event, and its pointer. */
  private creation(r: CommandRecord): TransactItem[] {
    const absent = { TableName: this.table, ConditionExpression: 'attribute_not_exists(pk)' };
    return [
      {
        Put: {
          ...absent,
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
        Put: {
          ...absent,
          Item: {
            ...keys.commandPointer(r.command.commandId),
            type: 'commandPointer',
            commandId: r.command.commandId,
            eventId: r.command.eventId,
          },
        },
      },
    ];
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

  async pageOfEvent(eventId: string, page: PageRequest = {}): Promise<Page<CommandRecord>> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :cmd)',
        ExpressionAttributeValues: { ':pk': `EVENT#${eventId}`, ':cmd': 'CMD#' },
        Limit: pageLimit(page.limit),
        ExclusiveStartKey: decodeCursor(page.cursor),
      }),
    );
    return { items: (res.Items ?? []).map(parse), cursor: encodeCursor(res.LastEvaluatedKey) };
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
    announce: readonly BusMessage[] = [],
  ): Promise<boolean> {
    const eventId = await this.locate(commandId);
    if (!eventId) return false;
    const move = { from, to, at, reason };
    if (announce.length === 0) return this.update(eventId, commandId, move);
    const items: TransactItem[] = [
      { Update: this.updateInput(eventId, commandId, move) },
      ...announce.map((m) => outboxPut(this.table, m, this.now())),
    ];
    return (await this.transact(items, undefined)) === 'done';
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
    const moved = await mapLimit(chunk([...new Set(commandIds)], 100), 8, async (ids) => {
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: ids.map((id) => ({ Update: this.updateInput(eventId, id, move) })),
          }),
        );
        return ids;
      } catch (e) {
        if (!cancellationCodes(e)) throw e;
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
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }
}
