import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ConflictError } from '../../domain/errors.ts';
import { AwaitingSummary, EventStatus } from '../../domain/lifecycle.ts';
import { GridEvent } from '../../domain/model/grid-event.ts';
import { toIso, toMs } from '../../domain/time.ts';
import type {
  BusMessage,
  EventRecord,
  EventRepository,
  EventWindow,
  Page,
  PageRequest,
} from '../../ports.ts';
import { decodeCursor, encodeCursor, pageLimit, queryAll, stripKeys } from './batch.ts';
import { putAnnounced } from './outbox.ts';
import { INDEX, KEY_ATTRIBUTES, keys } from './table.ts';

const Kw = z.array(z.number());
/** Stored event records, checked when read back. */
const StoredEvent = z.object({
  event: GridEvent,
  revision: z.number().int().min(1),
  status: EventStatus,
  version: z.number().int().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  plan: z
    .object({
      revision: z.number(),
      targetsKw: Kw,
      procuredKw: Kw,
      expectedKw: Kw,
      shortfallKw: Kw,
      costYuan: z.number(),
      buildingsInScope: z.number(),
      buildingsCommanded: z.number(),
      plannedAt: z.string(),
      notes: z.array(z.string()).optional(),
      after: z.object({ recoveryKw: Kw, reboundKw: Kw, unrecoveredKwh: z.number() }).optional(),
      forecastError: z
        .object({
          buildings: z.number(),
          intervals: z.number(),
          meanAbsKw: z.number(),
          absPct: z.number().nullable(),
          biasPct: z.number().nullable(),
        })
        .optional(),
    })
    .optional(),
  failure: z.string().optional(),
  declinesPlannedAround: z.number().int().min(0).default(0),
  tracking: z
    .object({
      interval: z.number().int().min(0),
      revision: z.number().int().min(1),
      at: z.string(),
      correctionKw: Kw,
      corrections: z.number().int().min(1),
    })
    .optional(),
  awaiting: AwaitingSummary.optional(),
  settlementRevision: z.number().int().min(1).optional(),
  settlementDigest: z.string().optional(),
  dataDeadline: z.string().optional(),
});

const StoredWindow = z
  .object({
    event: z.object({ eventId: z.string(), start: z.string(), end: z.string() }),
    status: EventStatus,
  })
  .transform(({ event, status }) => ({ ...event, status }));

const parse = (item: Record<string, unknown>) =>
  StoredEvent.parse(stripKeys(item, KEY_ATTRIBUTES)) as EventRecord;

/**
 * Grid events: created once per operator id, updated under an optimistic version.
 *
 * Access patterns: event by id (`EVENT#id` / `#EVENT`); events newest first, paginated (GSI1
 * `EVENTS` / `createdAt#id`); events by start, window and status only (GSI2 `EVENTS#START` /
 * `start#id`).
 */
export class DynamoEventRepository implements EventRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  private put(
    item: Record<string, unknown>,
    condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> },
    announce: readonly BusMessage[],
  ): Promise<boolean> {
    return putAnnounced(this.doc, this.table, this.now, item, condition, announce);
  }

  private item(record: EventRecord) {
    return {
      ...keys.event(record.event.eventId),
      ...keys.eventsIndex(record.createdAt, record.event.eventId),
      ...keys.eventsByStart(toIso(toMs(record.event.start)), record.event.eventId),
      type: 'event',
      ...JSON.parse(JSON.stringify(record)),
    };
  }

  /** Puts the record only if the event id is new; otherwise returns the stored one, unchanged. */
  async create(
    record: EventRecord,
    announce: readonly BusMessage[] = [],
  ): Promise<{ record: EventRecord; created: boolean }> {
    if (await this.put(this.item(record), { ConditionExpression: 'attribute_not_exists(pk)' }, announce))
      return { record, created: true };
    const existing = await this.get(record.event.eventId);
    if (!existing) throw new ConflictError(`event '${record.event.eventId}' could not be stored; try again`);
    return { record: existing, created: false };
  }

  async get(eventId: string): Promise<EventRecord | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.event(eventId), ConsistentRead: true }),
    );
    return res.Item ? parse(res.Item) : undefined;
  }

  /**
   * Replaces the record if the stored version is `record.version − 1`.
   * @throws ConflictError when it is not (changed meanwhile, or no such event).
   */
  async update(record: EventRecord, announce: readonly BusMessage[] = []): Promise<void> {
    const stored = await this.put(
      this.item(record),
      {
        ConditionExpression: 'version = :previous',
        ExpressionAttributeValues: { ':previous': record.version - 1 },
      },
      announce,
    );
    if (!stored)
      throw new ConflictError(
        `event '${record.event.eventId}' changed meanwhile (expected version ${record.version - 1})`,
      );
  }

  async list(page: PageRequest = {}): Promise<Page<EventRecord>> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.gsi1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'EVENTS' },
        ScanIndexForward: false,
        Limit: pageLimit(page.limit),
        ExclusiveStartKey: decodeCursor(page.cursor),
      }),
    );
    return { items: (res.Items ?? []).map(parse), cursor: encodeCursor(res.LastEvaluatedKey) };
  }

  async startingBetween(from: string, to: string): Promise<EventWindow[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: INDEX.gsi2,
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'EVENTS#START', ':from': from, ':to': `${to}~` },
      ExpressionAttributeNames: { '#e': 'event', '#s': 'start', '#end': 'end', '#st': 'status' },
      ProjectionExpression: '#e.eventId, #e.#s, #e.#end, #st',
    });
    return items.map((item) => StoredWindow.parse(item)).filter((w) => toMs(w.start) < toMs(to));
  }
}
