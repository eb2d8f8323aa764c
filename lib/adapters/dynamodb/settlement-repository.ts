import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { AwaitingData, SettledWithoutData } from '../../domain/lifecycle.ts';
import { Direction } from '../../domain/model/common.ts';
import { SettlementRules } from '../../domain/model/program.ts';
import type { BuildingSettlement, ParkSettlement } from '../../domain/settlement.ts';
import type { EventImpact } from '../../domain/tariff.ts';
import type { OpenSettlement, Page, PageRequest, SettlementRepository } from '../../ports.ts';
import {
  batchWrite,
  decodeCursor,
  encodeCursor,
  mapLimit,
  pageLimit,
  queryAll,
  WRITES_PER_KEY_PER_SECOND,
} from './batch.ts';
import { COMMAND_SHARDS, commandShard, INDEX, keys, pad } from './table.ts';

const PeriodImpact = z.object({ deliveredKwh: z.number(), savedYuan: z.number() });
/** What evaluation adds to a settlement when the program has a tariff for the building's zone. */
const StoredImpact = z.object({
  energyCostSavedYuan: z.number(),
  valleyEnergyAbsorbedKwh: z.number(),
  co2CountedKwh: z.number(),
  tco2Avoided: z.number(),
  byPeriod: z.object({ PEAK: PeriodImpact, FLAT: PeriodImpact, VALLEY: PeriodImpact }),
  placeholderPrices: z.boolean(),
}) satisfies z.ZodType<EventImpact>;

/**
 * Stored settlements, checked when read back (they are what money is paid on). Those stored before
 * evaluation per hour or interval existed have no `evaluation` nor `periods`: they were judged over
 * the whole event, so they read back as `EVENT` with the event itself as their one period (start
 * unknown), which is what settling them again would give.
 */
const StoredBuildingSettlement = z
  .object({
    buildingId: z.string(),
    parkId: z.string(),
    direction: Direction,
    rules: SettlementRules,
    intervalMinutes: z.number(),
    intervals: z.array(
      z.object({
        baselineKw: z.number(),
        actualKw: z.number().nullable(),
        deliveredKw: z.number(),
        declaredKw: z.number(),
      }),
    ),
    declaredKw: z.number(),
    deliveredKw: z.number(),
    ratio: z.number().nullable(),
    cappedKw: z.number(),
    paidKw: z.number(),
    penaltyKw: z.number(),
    paymentYuan: z.number(),
    penaltyYuan: z.number(),
    netYuan: z.number(),
    exact: z.object({ paymentYuan: z.number(), penaltyYuan: z.number(), netYuan: z.number() }),
    deliveredKwh: z.number(),
    durationHours: z.number(),
    missingIntervals: z.array(z.number()),
    evaluation: SettlementRules.shape.evaluation.unwrap().default('EVENT'),
    periods: z
      .array(
        z.object({
          startMs: z.number().nullable(),
          intervals: z.number(),
          declaredKw: z.number(),
          deliveredKw: z.number(),
          ratio: z.number().nullable(),
          paidKw: z.number(),
          penaltyKw: z.number(),
          paymentYuan: z.number(),
          penaltyYuan: z.number(),
        }),
      )
      .optional(),
    impact: StoredImpact.optional(),
    baseline: z
      .object({
        method: z.string(),
        days: z.array(z.string()),
        requestedDays: z.number(),
        anchorDate: z.string().optional(),
        calendar: z.array(z.object({ year: z.number(), version: z.number(), source: z.string() })),
      })
      .optional(),
  })
  .transform(({ periods, ...s }) => ({
    ...s,
    periods: periods ?? [
      {
        startMs: null,
        intervals: s.intervals.length,
        declaredKw: s.declaredKw,
        deliveredKw: s.deliveredKw,
        ratio: s.ratio,
        paidKw: s.paidKw,
        penaltyKw: s.penaltyKw,
        paymentYuan: s.paymentYuan,
        penaltyYuan: s.penaltyYuan,
      },
    ],
  })) satisfies z.ZodType<BuildingSettlement>;
const StoredParkSettlement = z.object({
  parkId: z.string(),
  direction: Direction.nullable(),
  buildingCount: z.number(),
  buildingIds: z.array(z.string()),
  declaredKw: z.number(),
  deliveredKw: z.number(),
  deliveredKwh: z.number(),
  paymentYuan: z.number(),
  penaltyYuan: z.number(),
  netYuan: z.number(),
  impact: StoredImpact.optional(),
}) satisfies z.ZodType<ParkSettlement>;

/** The kinds of per-building entries a settlement revision stores, and their sort-key tags. */
const ENTRY = { settled: 'BLDG', awaiting: 'AWAIT', withoutData: 'NODATA' } as const;
type EntryKind = keyof typeof ENTRY;
const ENTRY_TYPE: Record<EntryKind, string> = {
  settled: 'buildingSettlement',
  awaiting: 'awaitingData',
  withoutData: 'settledWithoutData',
};

/**
 * Settlements of an event per building and per park, by revision, and the buildings each revision
 * left open (awaiting data, settled without it).
 *
 * Access patterns: latest entries of an event's buildings in {@link COMMAND_SHARDS} shards by
 * building, as its commands (`EVENT#id#S#s` / `SETTLE#BLDG#b`, `SETTLE#AWAIT#b`, `SETTLE#NODATA#b`),
 * and their copies per revision (`SETTLEREV#<rev>#BLDG#b`, …); parks likewise, sharded by park
 * (`SETTLE#PARK#p`, `SETTLEREV#<rev>#PARK#p`: 5,000 parks would heat one key too); latest settlements of a park,
 * newest first, paginated (GSI1 `PARK#p#SETTLE` / `settledAt#eventId`, on the latest park items
 * only). A new revision replaces the latest items (same keys, so a park never lists an event twice,
 * and stale ones are deleted) and keeps its own copy, so every earlier revision stays readable.
 * Sharding keeps a province's ~60,000 building settlements (twice: latest and revision) from one
 * partition key's ~1,000 writes a second, and each key is written at a paced rate.
 */
export class DynamoSettlementRepository implements SettlementRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async put(
    eventId: string,
    revision: number,
    buildings: readonly BuildingSettlement[],
    parks: readonly ParkSettlement[],
    open: OpenSettlement = { awaiting: [], withoutData: [] },
  ): Promise<void> {
    const settledAt = new Date(this.now()).toISOString();
    const latest = await this.items(eventId, 'SETTLE#');
    const entries: { kind: EntryKind; buildingId: string; value: unknown }[] = [
      ...buildings.map((b) => ({ kind: 'settled' as const, buildingId: b.buildingId, value: b })),
      ...open.awaiting.map((a) => ({ kind: 'awaiting' as const, buildingId: a.buildingId, value: a })),
      ...open.withoutData.map((w) => ({ kind: 'withoutData' as const, buildingId: w.buildingId, value: w })),
    ];
    const key = (kind: EntryKind, buildingId: string, rev?: number) => ({
      pk: keys.settlementShard(eventId, commandShard(buildingId)),
      sk:
        rev === undefined
          ? `SETTLE#${ENTRY[kind]}#${buildingId}`
          : `SETTLEREV#${pad(rev)}#${ENTRY[kind]}#${buildingId}`,
    });
    const kept = new Set(
      [
        ...entries.map((e) => key(e.kind, e.buildingId)),
        ...parks.map((p) => keys.parkSettlement(eventId, p.parkId)),
      ].map((k) => `${k.pk}|${k.sk}`),
    );
    const park = (p: ParkSettlement) => ({
      type: 'parkSettlement',
      eventId,
      settledAt,
      revision,
      settlement: p,
    });
    await batchWrite(
      this.doc,
      this.table,
      [
        ...entries.flatMap((e) => {
          const item = { type: ENTRY_TYPE[e.kind], revision, settlement: e.value };
          return [
            { PutRequest: { Item: { ...key(e.kind, e.buildingId, revision), ...item } } },
            { PutRequest: { Item: { ...key(e.kind, e.buildingId), ...item } } },
          ];
        }),
        ...parks.flatMap((p) => [
          {
            PutRequest: {
              Item: { ...keys.settlementRevision(eventId, revision, 'PARK', p.parkId), ...park(p) },
            },
          },
          {
            PutRequest: {
              Item: {
                ...keys.parkSettlement(eventId, p.parkId),
                ...keys.parkSettlementsIndex(p.parkId, settledAt, eventId),
                ...park(p),
              },
            },
          },
        ]),
        ...latest
          .filter((i) => !kept.has(`${i.pk}|${i.sk}`))
          .map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })),
      ],
      { pacePerKey: WRITES_PER_KEY_PER_SECOND },
    );
  }

  async ofEvent(
    eventId: string,
    revision?: number,
  ): Promise<{ buildings: BuildingSettlement[]; parks: ParkSettlement[] } & OpenSettlement> {
    const prefix = revision === undefined ? 'SETTLE#' : `SETTLEREV#${pad(revision)}#`;
    const items = await this.items(eventId, prefix);
    return {
      buildings: items
        .filter((i) => i.type === ENTRY_TYPE.settled)
        .map((i) => StoredBuildingSettlement.parse(i.settlement)),
      parks: items
        .filter((i) => i.type === 'parkSettlement')
        .map((i) => StoredParkSettlement.parse(i.settlement)),
      ...openOf(items),
    };
  }

  async open(eventId: string): Promise<OpenSettlement> {
    const read = await mapLimit(
      Object.values(ENTRY).filter((t) => t !== ENTRY.settled),
      2,
      (tag) => this.shardItems(eventId, `SETTLE#${tag}#`),
    );
    return openOf(read.flat());
  }

  /** The event's items under `prefix`, its parks' and its buildings', from every shard. */
  private items(eventId: string, prefix: string) {
    return this.shardItems(eventId, prefix);
  }

  private async shardItems(eventId: string, prefix: string) {
    const shards = await mapLimit(
      Array.from({ length: COMMAND_SHARDS }, (_, s) => s),
      COMMAND_SHARDS,
      (s) => this.query(keys.settlementShard(eventId, s), prefix),
    );
    return shards.flat();
  }

  private query(pk: string, prefix: string) {
    return queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': pk, ':s': prefix },
      ConsistentRead: true,
    });
  }

  async ofPark(parkId: string, page: PageRequest = {}): Promise<Page<ParkSettlement & { eventId: string }>> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.gsi1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `PARK#${parkId}#SETTLE` },
        ScanIndexForward: false,
        Limit: pageLimit(page.limit),
        ExclusiveStartKey: decodeCursor(page.cursor),
      }),
    );
    return {
      items: (res.Items ?? []).map((i) => ({
        ...StoredParkSettlement.parse(i.settlement),
        eventId: z.string().parse(i.eventId),
      })),
      cursor: encodeCursor(res.LastEvaluatedKey),
    };
  }
}

/** The open entries among stored items, ordered by building. */
function openOf(items: readonly Record<string, unknown>[]): OpenSettlement {
  const byBuilding = <T extends { buildingId: string }>(list: T[]) =>
    list.sort((a, b) => (a.buildingId < b.buildingId ? -1 : a.buildingId > b.buildingId ? 1 : 0));
  return {
    awaiting: byBuilding(
      items.filter((i) => i.type === ENTRY_TYPE.awaiting).map((i) => AwaitingData.parse(i.settlement)),
    ),
    withoutData: byBuilding(
      items
        .filter((i) => i.type === ENTRY_TYPE.withoutData)
        .map((i) => SettledWithoutData.parse(i.settlement)),
    ),
  };
}
