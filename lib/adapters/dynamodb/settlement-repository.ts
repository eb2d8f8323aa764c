import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { Direction } from '../../domain/model/common.ts';
import { SettlementRules } from '../../domain/model/program.ts';
import type { BuildingSettlement, ParkSettlement } from '../../domain/settlement.ts';
import type { EventImpact } from '../../domain/tariff.ts';
import type { Page, PageRequest, SettlementRepository } from '../../ports.ts';
import { batchWrite, decodeCursor, encodeCursor, pageLimit, queryAll } from './batch.ts';
import { INDEX, keys } from './table.ts';

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

/**
 * Settlements of an event per building and per park, by revision.
 *
 * Access patterns: latest settlements of an event (`EVENT#id` / `SETTLE#BLDG#b` and
 * `SETTLE#PARK#p`); one revision of them (`EVENT#id` / `SETTLEREV#<rev>#BLDG#b`, `…#PARK#p`);
 * latest settlements of a park, newest first, paginated (GSI1 `PARK#p#SETTLE` /
 * `settledAt#eventId`, on the latest park items only). A new revision replaces the latest items
 * (same keys, so a park never lists an event twice, and stale ones are deleted) and keeps its own
 * copy, so every earlier revision stays readable.
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
  ): Promise<void> {
    const settledAt = new Date(this.now()).toISOString();
    const latest = await this.items(eventId, 'SETTLE#');
    const kept = new Set([
      ...buildings.map((b) => keys.buildingSettlement(eventId, b.buildingId).sk),
      ...parks.map((p) => keys.parkSettlement(eventId, p.parkId).sk),
    ]);
    const building = (b: BuildingSettlement) => ({ type: 'buildingSettlement', revision, settlement: b });
    const park = (p: ParkSettlement) => ({
      type: 'parkSettlement',
      eventId,
      settledAt,
      revision,
      settlement: p,
    });
    await batchWrite(this.doc, this.table, [
      ...buildings.flatMap((b) => [
        {
          PutRequest: {
            Item: { ...keys.settlementRevision(eventId, revision, 'BLDG', b.buildingId), ...building(b) },
          },
        },
        { PutRequest: { Item: { ...keys.buildingSettlement(eventId, b.buildingId), ...building(b) } } },
      ]),
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
        .filter((i) => !kept.has(String(i.sk)))
        .map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })),
    ]);
  }

  async ofEvent(
    eventId: string,
    revision?: number,
  ): Promise<{ buildings: BuildingSettlement[]; parks: ParkSettlement[] }> {
    const prefix =
      revision === undefined
        ? 'SETTLE#'
        : keys.settlementRevision(eventId, revision, 'BLDG', '').sk.replace(/BLDG#$/, '');
    const items = await this.items(eventId, prefix);
    return {
      buildings: items
        .filter((i) => i.type === 'buildingSettlement')
        .map((i) => StoredBuildingSettlement.parse(i.settlement)),
      parks: items
        .filter((i) => i.type === 'parkSettlement')
        .map((i) => StoredParkSettlement.parse(i.settlement)),
    };
  }

  private items(eventId: string, prefix: string) {
    return queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': keys.event(eventId).pk, ':s': prefix },
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
