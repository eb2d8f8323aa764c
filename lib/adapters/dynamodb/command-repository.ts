import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
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
  CommandTally,
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
  mapLimit,
  pacer,
  pageLimit,
  queryAll,
  sleep,
  WRITES_PER_KEY_PER_SECOND,
} from './batch.ts';
import { type Partition, pageAcross } from './items.ts';
import { outboxPut } from './outbox.ts';
import { COMMAND_SHARDS, commandShard, INDEX, keys } from './table.ts';

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

/** Status changes to count: +1 or -1 per kind and status, summed over a transaction's commands. */
class Deltas {
  private readonly n = new Map<string, number>();
  add(kind: Command['kind'], status: CommandStatus, by: number): this {
    const name = `${kind}_${status}`;
    this.n.set(name, (this.n.get(name) ?? 0) + by);
    return this;
  }
  move(kind: Command['kind'], from: CommandStatus, to: CommandStatus): this {
    return this.add(kind, from, -1).add(kind, to, 1);
  }
  /** The counters that change, with their change (net zeros dropped). */
  entries(): [string, number][] {
    return [...this.n].filter(([, v]) => v !== 0);
  }
}

const KINDS = ['DISPATCH', 'CANCEL'] as const;
const STATUSES = Status.options;
const emptyTally = (): CommandTally =>
  Object.fromEntries(
    KINDS.map((k) => [k, Object.fromEntries(STATUSES.map((st) => [st, 0]))]),
  ) as CommandTally;

/** Adds a counter item's attributes (`DISPATCH_PUBLISHED`: n) into `tally`. */
function addCounters(tally: CommandTally, item: Record<string, unknown>): void {
  for (const kind of KINDS)
    for (const st of STATUSES) {
      const v = item[`${kind}_${st}`];
      if (typeof v === 'number') tally[kind][st] += v;
    }
}

/** Where a command lives, from its pointer. */
interface Location {
  eventId: string;
  shard: number;
}

/**
 * Commands live under their event in {@link COMMAND_SHARDS} shards by building (write sharding:
 * no key takes a whole province's plan), each shard with a counter item of its commands by kind and
 * status, changed in the same transaction as every write that stores or moves a command, so counts
 * are exact without reading the commands. A pointer item by command id names event and shard.
 *
 * Access patterns: commands of an event (`EVENT#id#C#s` / `CMD#commandId`, every shard); counts
 * (`EVENT#id#C#s` / `#COUNT`); commands of an event in a park (GSI3 `EVENT#id#PARK#p`: one query
 * a park; a park's commands are written at most at the plan's pace, which a park of a few thousand
 * buildings keeps far under an index key's limit);
 * command by id (`CMD#commandId` / `#PTR`); commands of a building, newest first, paginated
 * (GSI1 `BLDG#id#CMD` / `start#revision#commandId`).
 *
 * Writes of one shard go one transaction after another (their counter would collide otherwise);
 * shards go in parallel.
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
   * no writes); the rest go shard by shard in transactions of 49 commands, each command item and
   * its pointer put together under `attribute_not_exists(pk)` with the shard's counter, so a
   * command is never stored without its pointer or uncounted, and with the guard's condition check
   * on the event first: once a cancellation or a newer revision is stored, no command of an older
   * revision can be. When a transaction is refused because a writer racing with this one stored
   * some of its ids first, its commands are put one by one under the same conditions, and those
   * that exist by then are skipped.
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
    const store = (part: readonly CommandRecord[]) => {
      const counted = new Deltas();
      for (const r of part) counted.add(r.command.kind, r.status, 1);
      return this.transact(
        [...part.flatMap((r) => this.creation(r)), ...this.counter(part[0]?.command, counted)],
        guard,
      );
    };
    const made = await this.byShard(
      [...unique.values()],
      (r) => r.command,
      49,
      async (part) => {
        if ((await store(part)) === 'done') return part.map((r) => r.command.commandId);
        const one: string[] = [];
        for (const r of part) if ((await store([r])) === 'done') one.push(r.command.commandId);
        return one;
      },
    );
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
    const mark = (part: readonly Command[]) => {
      const counted = new Deltas();
      for (const c of part) counted.move(c.kind, 'PENDING', 'PUBLISHED');
      return this.transact(
        [
          ...part.flatMap((c) => [
            { Update: this.updateInput(c, 'PENDING', move) },
            outboxPut(this.table, commandMessage(c), this.now()),
          ]),
          ...this.counter(part[0], counted),
        ],
        guard,
      );
    };
    return this.byShard(
      commands,
      (c) => c,
      49,
      async (part) => {
        if ((await mark(part)) === 'done') return part.map((c) => c.commandId);
        const one: string[] = [];
        for (const c of part) if ((await mark([c])) === 'done') one.push(c.commandId);
        return one;
      },
    );
  }

  /**
   * Runs `write` over `items` grouped by shard, `size` at a time: shards in parallel, one part
   * after another within a shard (their counter item would make parallel parts collide), each
   * shard's key paced to {@link WRITES_PER_KEY_PER_SECOND}.
   */
  private async byShard<T>(
    items: readonly T[],
    commandOf: (item: T) => Command,
    size: number,
    write: (part: T[]) => Promise<string[]>,
  ): Promise<string[]> {
    const shards = new Map<number, T[]>();
    for (const item of items) {
      const s = commandShard(commandOf(item).buildingId);
      const list = shards.get(s);
      if (list) list.push(item);
      else shards.set(s, [item]);
    }
    const done = await mapLimit([...shards.values()], COMMAND_SHARDS, async (list) => {
      const ids: string[] = [];
      const spend = pacer(WRITES_PER_KEY_PER_SECOND);
      for (const part of chunk(list, size)) {
        ids.push(...(await write(part)));
        await spend(part.length + 1); // its commands and the counter, on the shard's key
      }
      return ids;
    });
    return done.flat();
  }

  /** The update of a shard's counter by `deltas` (none when nothing changes). */
  private counter(
    command: { eventId: string; buildingId: string } | undefined,
    deltas: Deltas,
  ): TransactItem[] {
    const changes = deltas.entries();
    if (!command || changes.length === 0) return [];
    return [
      {
        Update: {
          TableName: this.table,
          Key: keys.commandCounter(command.eventId, commandShard(command.buildingId)),
          UpdateExpression: `ADD ${changes.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(changes.map(([name], i) => [`#c${i}`, name])),
          ExpressionAttributeValues: Object.fromEntries(changes.map(([, by], i) => [`:c${i}`, by])),
        },
      },
    ];
  }

  /**
   * Runs one transaction, the guard's check first; retries transaction conflicts and throttling. 'refused' when
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
        // Another transaction on an item, or a key over its throughput: both pass with time.
        if (!codes.some((c) => c === 'TransactionConflict' || c === 'ThrottlingError') || attempt >= 8)
          throw e;
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

  /** The two conditional puts that store a new command: its item under the event, and its pointer. */
  private creation(r: CommandRecord): TransactItem[] {
    const absent = { TableName: this.table, ConditionExpression: 'attribute_not_exists(pk)' };
    const { eventId, buildingId, parkId, commandId, kind } = r.command;
    const shard = commandShard(buildingId);
    return [
      {
        Put: {
          ...absent,
          Item: {
            ...keys.command(eventId, shard, commandId),
            ...keys.commandsOfBuilding({ ...r.command }),
            ...keys.commandsOfPark(eventId, parkId, commandId),
            type: 'command',
            kind,
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
          Item: { ...keys.commandPointer(commandId), type: 'commandPointer', commandId, eventId, shard },
        },
      },
    ];
  }

  private async locate(commandId: string): Promise<Location | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.commandPointer(commandId), ConsistentRead: true }),
    );
    return res.Item ? { eventId: String(res.Item.eventId), shard: Number(res.Item.shard) } : undefined;
  }

  private async read(at: Location, commandId: string): Promise<CommandRecord | undefined> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.command(at.eventId, at.shard, commandId),
        ConsistentRead: true,
      }),
    );
    return res.Item ? parse(res.Item) : undefined;
  }

  async get(commandId: string): Promise<CommandRecord | undefined> {
    const at = await this.locate(commandId);
    return at ? this.read(at, commandId) : undefined;
  }

  async ofEvent(eventId: string): Promise<CommandRecord[]> {
    const shards = await mapLimit(
      Array.from({ length: COMMAND_SHARDS }, (_, s) => s),
      COMMAND_SHARDS,
      (s) =>
        queryAll(this.doc, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :cmd)',
          ExpressionAttributeValues: { ':pk': keys.commandShard(eventId, s), ':cmd': 'CMD#' },
          ConsistentRead: true,
        }),
    );
    return shards
      .flat()
      .map(parse)
      .sort((a, b) =>
        a.command.commandId < b.command.commandId ? -1 : a.command.commandId > b.command.commandId ? 1 : 0,
      );
  }

  async pageOfEvent(
    eventId: string,
    page: PageRequest = {},
    parkIds?: readonly string[],
  ): Promise<Page<CommandRecord>> {
    const { items, cursor } = await pageAcross(this.doc, this.table, this.partitions(eventId, parkIds), {
      limit: pageLimit(page.limit),
      cursor: page.cursor,
    });
    return { items: items.map(parse), cursor };
  }

  /** The partitions an event's commands live in: its shards, or the park index's partitions of `parkIds`. */
  private partitions(eventId: string, parkIds?: readonly string[]): Partition[] {
    const shards = Array.from({ length: COMMAND_SHARDS }, (_, s) => s);
    if (!parkIds)
      return shards.map((s) => ({
        value: keys.commandShard(eventId, s),
        skPrefix: { attr: 'sk', value: 'CMD#' },
      }));
    return [...new Set(parkIds)].map((p) => ({
      value: keys.commandsOfPark(eventId, p, '').gsi3pk,
      index: { name: INDEX.gsi3, attr: 'gsi3pk' },
    }));
  }

  async tally(eventId: string): Promise<CommandTally> {
    const counters = await batchGet(
      this.doc,
      this.table,
      Array.from({ length: COMMAND_SHARDS }, (_, s) => keys.commandCounter(eventId, s)),
    );
    const tally = emptyTally();
    for (const item of counters) addCounters(tally, item);
    return tally;
  }

  async tallyOfParks(eventId: string, parkIds: readonly string[]): Promise<Map<string, CommandTally>> {
    const parks = [...new Set(parkIds)];
    const counted = await mapLimit(parks, 8, async (parkId) => {
      const tally = emptyTally();
      let any = false;
      const items = await queryAll(this.doc, {
        TableName: this.table,
        IndexName: INDEX.gsi3,
        KeyConditionExpression: 'gsi3pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.commandsOfPark(eventId, parkId, '').gsi3pk },
        ExpressionAttributeNames: { '#s': 'status' },
        ProjectionExpression: 'kind, #s',
      });
      for (const item of items) {
        const kind = item.kind === 'CANCEL' ? 'CANCEL' : 'DISPATCH';
        const status = Status.safeParse(item.status);
        if (!status.success) continue;
        tally[kind][status.data]++;
        any = true;
      }
      return any ? ([parkId, tally] as const) : undefined;
    });
    return new Map(counted.filter((c) => c !== undefined));
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

  /**
   * Reads the command, then moves it from the status it holds (if in `from`) with its counter and
   * `announce` in one transaction; a command that moved between read and write is read again.
   */
  async transition(
    commandId: string,
    from: readonly CommandStatus[],
    to: CommandStatus,
    at: string,
    reason?: string,
    announce: readonly BusMessage[] = [],
  ): Promise<boolean> {
    const where = await this.locate(commandId);
    if (!where) return false;
    for (let attempt = 0; attempt < 8; attempt++) {
      const current = await this.read(where, commandId);
      if (!current || !from.includes(current.status)) return false;
      const outcome = await this.transact(
        [
          { Update: this.updateInput(current.command, current.status, { from, to, at, reason }) },
          ...this.counter(current.command, new Deltas().move(current.command.kind, current.status, to)),
          ...announce.map((m) => outboxPut(this.table, m, this.now())),
        ],
        undefined,
      );
      if (outcome === 'done') return true;
    }
    throw new ConflictError(`command '${commandId}' kept changing status; try again`);
  }

  /**
   * Moves commands as read, shard by shard in transactions of 99 conditional updates and the
   * shard's counter (one round trip for the usual case where all of them move); a refused
   * transaction falls back to `transition` per command, which reads each one again, so commands
   * that moved meanwhile (a fast acknowledgement) keep their new status.
   */
  async transitionMany(
    records: readonly CommandRecord[],
    from: readonly CommandStatus[],
    to: CommandStatus,
    at: string,
    reason?: string,
  ): Promise<string[]> {
    const move: Move = { from, to, at, reason };
    const unique = [...new Map(records.map((r) => [r.command.commandId, r])).values()];
    const one = (r: CommandRecord) => this.transition(r.command.commandId, from, to, at, reason);
    // One pass: a province's revision holds tens of thousands of records.
    const asRead: CommandRecord[] = [];
    const others: CommandRecord[] = [];
    for (const r of unique) (from.includes(r.status) && r.status !== to ? asRead : others).push(r);
    const moved = await this.byShard(
      asRead,
      (r) => r.command,
      99,
      async (part) => {
        const counted = new Deltas();
        for (const r of part) counted.move(r.command.kind, r.status, to);
        const items: TransactItem[] = [
          ...part.map((r) => ({ Update: this.updateInput(r.command, r.status, move) })),
          ...this.counter(part[0]?.command, counted),
        ];
        if ((await this.transact(items, undefined)) === 'done') return part.map((r) => r.command.commandId);
        const results = await mapLimit(part, 16, one);
        return part.filter((_, i) => results[i]).map((r) => r.command.commandId);
      },
    );
    const late = await mapLimit(others, 16, one);
    return [...moved, ...others.filter((_, i) => late[i]).map((r) => r.command.commandId)];
  }

  /** The conditional update of a command from the status it was read in (`current`) to `to`. */
  private updateInput(
    c: { eventId: string; buildingId: string; commandId: string },
    current: CommandStatus,
    { to, at, reason }: Move,
  ) {
    return {
      TableName: this.table,
      Key: keys.command(c.eventId, commandShard(c.buildingId), c.commandId),
      UpdateExpression:
        reason === undefined
          ? 'SET #s = :to, updatedAt = :at'
          : 'SET #s = :to, updatedAt = :at, reason = :reason',
      ConditionExpression: 'attribute_exists(pk) AND #s = :from',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: {
        ':from': current,
        ':to': to,
        ':at': at,
        ...(reason === undefined ? {} : { ':reason': reason }),
      },
    };
  }
}
