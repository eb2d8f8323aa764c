import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { Building } from '../../domain/model/building.ts';
import type { Scope } from '../../domain/model/grid-event.ts';
import type { BuildingRepository, Page, PageRequest } from '../../ports.ts';
import { batchGet, decodeCursor, encodeCursor, pageLimit } from './batch.ts';
import { INDEX, keys } from './table.ts';

/** Where a scope walk stands: which selector list, which value in it, and the DynamoDB position. */
interface ScopeCursor {
  s: number;
  v: number;
  k?: Record<string, unknown>;
}

/** The stored item of a building: keys, indexes, and the building as one JSON string. */
export function buildingItem(building: Building): Record<string, unknown> {
  return {
    ...keys.building(building.buildingId),
    ...keys.buildingIndexes(building),
    type: 'building',
    buildingId: building.buildingId,
    body: JSON.stringify(building),
  };
}

/** The building travels as one JSON string attribute (cheaper than nested maps for its assets). */
const parse = (item: Record<string, unknown>) => Building.parse(JSON.parse(String(item.body)));

/**
 * Buildings by id, by park (GSI1), by feeder (GSI2) and by zone (GSI3). A scope is walked selector
 * by selector (zones, feeders, parks, building ids); a building already covered by an earlier
 * selector is skipped, so each building comes exactly once.
 */
export class DynamoBuildingRepository implements BuildingRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(building: Building): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: buildingItem(building) }));
  }

  async get(buildingId: string): Promise<Building | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.building(buildingId), ConsistentRead: true }),
    );
    return res.Item ? parse(res.Item) : undefined;
  }

  async getMany(buildingIds: readonly string[]): Promise<Building[]> {
    const items = await batchGet(this.doc, this.table, [...new Set(buildingIds)].map(keys.building));
    const byId = new Map(items.map((i) => [String(i.buildingId), parse(i)]));
    return buildingIds.flatMap((id) => (byId.has(id) ? [byId.get(id) as Building] : []));
  }

  async delete(buildingId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: keys.building(buildingId) }));
  }

  async listByPark(parkId: string, page: PageRequest = {}): Promise<Page<Building>> {
    return this.queryIndex(
      INDEX.gsi1,
      'gsi1pk',
      `PARK#${parkId}`,
      pageLimit(page.limit),
      decodeCursor(page.cursor),
    );
  }

  async listByScope(scope: Scope, page: PageRequest = {}): Promise<Page<Building>> {
    const limit = pageLimit(page.limit);
    const selectors: { values: readonly string[]; index?: string; attr?: string; prefix?: string }[] = [
      { values: scope.zones ?? [], index: INDEX.gsi3, attr: 'gsi3pk', prefix: 'ZONE#' },
      { values: scope.feederIds ?? [], index: INDEX.gsi2, attr: 'gsi2pk', prefix: 'FEEDER#' },
      { values: scope.parkIds ?? [], index: INDEX.gsi1, attr: 'gsi1pk', prefix: 'PARK#' },
      { values: scope.buildingIds ?? [] },
    ];
    const seenBefore = (b: Building, s: number) =>
      (s > 0 && (scope.zones ?? []).includes(b.zone)) ||
      (s > 1 && (scope.feederIds ?? []).includes(b.feederId)) ||
      (s > 2 && (scope.parkIds ?? []).includes(b.parkId));

    let at: ScopeCursor = decodeCursor<ScopeCursor>(page.cursor) ?? { s: 0, v: 0 };
    const items: Building[] = [];
    while (at.s < selectors.length && items.length < limit) {
      const sel = selectors[at.s] as (typeof selectors)[number];
      if (at.v >= sel.values.length) {
        at = { s: at.s + 1, v: 0 };
        continue;
      }
      if (!sel.index) {
        // Building ids: a slice of the list at a time.
        const ids = sel.values.slice(at.v, at.v + (limit - items.length));
        const found = await this.getMany(ids);
        items.push(...found.filter((b) => !seenBefore(b, at.s)));
        at = { s: at.s, v: at.v + ids.length };
        continue;
      }
      const page = await this.queryIndex(
        sel.index,
        sel.attr as string,
        `${sel.prefix}${sel.values[at.v]}`,
        limit - items.length,
        at.k,
      );
      items.push(...page.items.filter((b) => !seenBefore(b, at.s)));
      const next = decodeCursor<Record<string, unknown>>(page.cursor);
      at = next ? { s: at.s, v: at.v, k: next } : { s: at.s, v: at.v + 1 };
    }
    const done = at.s >= selectors.length;
    return { items, cursor: done ? undefined : encodeCursor(at) };
  }

  private async queryIndex(
    index: string,
    attr: string,
    value: string,
    limit: number,
    start: Record<string, unknown> | undefined,
  ): Promise<Page<Building>> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: index,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': attr },
        ExpressionAttributeValues: { ':pk': value },
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    );
    return {
      items: (res.Items ?? []).filter((i) => i.type === 'building').map(parse),
      cursor: encodeCursor(res.LastEvaluatedKey),
    };
  }
}
