import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { Direction } from '../../domain/model/common.ts';
import { SettlementRules } from '../../domain/model/program.ts';
import type { BuildingSettlement, ParkSettlement } from '../../domain/settlement.ts';
import type { Page, PageRequest, SettlementRepository } from '../../ports.ts';
import { batchWrite, decodeCursor, encodeCursor, pageLimit, queryAll } from './batch.ts';
import { INDEX, keys } from './table.ts';

/** Stored settlements, checked when read back (they are what money is paid on). */
const StoredBuildingSettlement = z.object({
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
}) satisfies z.ZodType<BuildingSettlement>;
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
}) satisfies z.ZodType<ParkSettlement>;

/**
 * Settlements of an event per building and per park.
 *
 * Access patterns: settlements of an event (`EVENT#id` / `SETTLE#BLDG#b` and `SETTLE#PARK#p`);
 * settlements of a park, newest first, paginated (GSI1 `PARK#p#SETTLE` / `settledAt#eventId`).
 * Settling an event again replaces its items (same keys), so a park never lists it twice.
 */
export class DynamoSettlementRepository implements SettlementRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async put(
    eventId: string,
    buildings: readonly BuildingSettlement[],
    parks: readonly ParkSettlement[],
  ): Promise<void> {
    const settledAt = new Date(this.now()).toISOString();
    await batchWrite(this.doc, this.table, [
      ...buildings.map((b) => ({
        PutRequest: {
          Item: {
            ...keys.buildingSettlement(eventId, b.buildingId),
            type: 'buildingSettlement',
            settlement: b,
          },
        },
      })),
      ...parks.map((p) => ({
        PutRequest: {
          Item: {
            ...keys.parkSettlement(eventId, p.parkId),
            ...keys.parkSettlementsIndex(p.parkId, settledAt, eventId),
            type: 'parkSettlement',
            eventId,
            settledAt,
            settlement: p,
          },
        },
      })),
    ]);
  }

  async ofEvent(eventId: string): Promise<{ buildings: BuildingSettlement[]; parks: ParkSettlement[] }> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': `EVENT#${eventId}`, ':s': 'SETTLE#' },
      ConsistentRead: true,
    });
    return {
      buildings: items
        .filter((i) => i.type === 'buildingSettlement')
        .map((i) => StoredBuildingSettlement.parse(i.settlement)),
      parks: items
        .filter((i) => i.type === 'parkSettlement')
        .map((i) => StoredParkSettlement.parse(i.settlement)),
    };
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
