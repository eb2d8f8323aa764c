import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { BuildingSettlement, ParkSettlement } from '../../domain/settlement.ts';
import type { Page, PageRequest, SettlementRepository } from '../../ports.ts';
import { batchWrite, decodeCursor, encodeCursor, pageLimit, queryAll } from './batch.ts';
import { INDEX, keys } from './table.ts';

/** Settlements of an event per building and per park; a park's, newest first, through GSI1. */
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
        .map((i) => i.settlement as BuildingSettlement),
      parks: items.filter((i) => i.type === 'parkSettlement').map((i) => i.settlement as ParkSettlement),
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
        ...(i.settlement as ParkSettlement),
        eventId: String(i.eventId),
      })),
      cursor: encodeCursor(res.LastEvaluatedKey),
    };
  }
}
