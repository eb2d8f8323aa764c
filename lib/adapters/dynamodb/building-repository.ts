import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { Building } from '../../domain/model/building.ts';
import type { Scope } from '../../domain/model/grid-event.ts';
import type { BuildingRepository, Page, PageRequest } from '../../ports.ts';
import { batchGet, decodeCursor, encodeCursor, pageLimit, StartKey } from './batch.ts';
import { deleteItem, getItem, queryIndexPage } from './items.ts';
import { INDEX, keys } from './table.ts';

/** Where a scope walk stands: which selector list, which value in it, and the DynamoDB position. */
const ScopeCursor = z.strictObject({
  s: z.number().int().min(0),
  v: z.number().int().min(0),
  k: StartKey.optional(),
});
type ScopeCursor = z.infer<typeof ScopeCursor>;

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
 * Buildings by id, by park (GSI1), by feeder (GSI2) and by zone (GSI3).
 *
 * Access patterns: building by id (`BLDG#id` / `#BLDG`); buildings of a park, paginated (GSI1
 * `PARK#park`); buildings of a zone or feeder for scopes (GSI3 `ZONE#zone`, GSI2 `FEEDER#feeder`).
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
    const item = await getItem(this.doc, this.table, keys.building(buildingId));
    return item ? parse(item) : undefined;
  }

  /** The buildings that exist among `buildingIds`, each once, in the order first asked for. */
  async getMany(buildingIds: readonly string[]): Promise<Building[]> {
    const ids = [...new Set(buildingIds)];
    const items = await batchGet(this.doc, this.table, ids.map(keys.building));
    const byId = new Map(items.map((i) => [String(i.buildingId), parse(i)]));
    return ids.flatMap((id) => {
      const b = byId.get(id);
      return b ? [b] : [];
    });
  }

  async delete(buildingId: string): Promise<void> {
    await deleteItem(this.doc, this.table, keys.building(buildingId));
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

  /**
   * The union of a scope's selectors, each building exactly once. The selectors are walked in a
   * fixed order (zones, feeders, parks, building ids), each value's index partition page by page;
   * the cursor holds the selector, the value and DynamoDB's position in it. A building that an
   * earlier selector already matches (its own zone, feeder or park is listed there) is dropped
   * when a later selector meets it, so the union comes out without duplicates and without any
   * state beyond the cursor. A page may hold fewer than `limit` buildings (some were dropped)
   * and still have a cursor; the walk ends when the cursor is absent. Buildings moved to another
   * zone, feeder or park while the walk runs may be met twice or not at all, as with any scan.
   */
  async listByScope(scope: Scope, page: PageRequest = {}): Promise<Page<Building>> {
    const limit = pageLimit(page.limit);
    // Repeated values would list their buildings twice.
    const zones = [...new Set(scope.zones ?? [])];
    const feeders = [...new Set(scope.feederIds ?? [])];
    const parks = [...new Set(scope.parkIds ?? [])];
    const selectors: { values: readonly string[]; index?: string; attr?: string; prefix?: string }[] = [
      { values: zones, index: INDEX.gsi3, attr: 'gsi3pk', prefix: 'ZONE#' },
      { values: feeders, index: INDEX.gsi2, attr: 'gsi2pk', prefix: 'FEEDER#' },
      { values: parks, index: INDEX.gsi1, attr: 'gsi1pk', prefix: 'PARK#' },
      { values: [...new Set(scope.buildingIds ?? [])] },
    ];
    const seenBefore = (b: Building, s: number) =>
      (s > 0 && zones.includes(b.zone)) ||
      (s > 1 && feeders.includes(b.feederId)) ||
      (s > 2 && parks.includes(b.parkId));

    let at: ScopeCursor = decodeCursor(page.cursor, ScopeCursor) ?? { s: 0, v: 0 };
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
      const next = decodeCursor(page.cursor);
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
    start: StartKey | undefined,
  ): Promise<Page<Building>> {
    const { items, cursor } = await queryIndexPage(this.doc, this.table, {
      index,
      partitionAttr: attr,
      value,
      limit,
      start,
    });
    return { items: items.filter((i) => i.type === 'building').map(parse), cursor };
  }
}
