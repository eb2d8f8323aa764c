import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/errors.ts';
import { Park } from '../../domain/model/building.ts';
import type { Page, PageRequest, ParkRepository } from '../../ports.ts';
import { decodeCursor, pageLimit, stripKeys } from './batch.ts';
import { deleteItem, getItem, queryIndexPage } from './items.ts';
import { INDEX, KEY_ATTRIBUTES, keys } from './table.ts';

/**
 * Parks. Access patterns: park by id (`PARK#id` / `#PARK`); parks list, paginated (GSI1 `PARKS` /
 * id: one partition, fine for the thousands of parks of a province).
 */
export class DynamoParkRepository implements ParkRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(park: Park): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.park(park.parkId), ...keys.parksIndex(park.parkId), type: 'park', ...park },
      }),
    );
  }

  async get(parkId: string): Promise<Park | undefined> {
    const item = await getItem(this.doc, this.table, keys.park(parkId));
    return item ? Park.parse(stripKeys(item, KEY_ATTRIBUTES)) : undefined;
  }

  async list(page: PageRequest = {}): Promise<Page<Park>> {
    const { items, cursor } = await queryIndexPage(this.doc, this.table, {
      index: INDEX.gsi1,
      partitionAttr: 'gsi1pk',
      value: 'PARKS',
      limit: pageLimit(page.limit),
      start: decodeCursor(page.cursor),
    });
    return { items: items.map((i) => Park.parse(stripKeys(i, KEY_ATTRIBUTES))), cursor };
  }

  /**
   * Deletes the park if no building names it. The check (GSI1, eventually consistent) and the
   * delete are two requests, not a transaction: a building enrolled in the same instant can be
   * left naming a deleted park. Parks are deleted rarely and by hand, so this is accepted.
   * @throws ConflictError while the park has buildings.
   */
  async delete(parkId: string): Promise<void> {
    const buildings = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.gsi1,
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :b)',
        ExpressionAttributeValues: { ':pk': `PARK#${parkId}`, ':b': 'BLDG#' },
        Limit: 1,
      }),
    );
    if ((buildings.Items ?? []).length > 0)
      throw new ConflictError(`park '${parkId}' still has buildings; delete them first`);
    await deleteItem(this.doc, this.table, keys.park(parkId));
  }
}
