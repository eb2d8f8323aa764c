import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/errors.ts';
import { Park } from '../../domain/model/building.ts';
import type { Page, PageRequest, ParkRepository } from '../../ports.ts';
import { decodeCursor, encodeCursor, pageLimit, stripKeys } from './batch.ts';
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
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.park(parkId), ConsistentRead: true }),
    );
    return res.Item ? Park.parse(stripKeys(res.Item, KEY_ATTRIBUTES)) : undefined;
  }

  async list(page: PageRequest = {}): Promise<Page<Park>> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: INDEX.gsi1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'PARKS' },
        Limit: pageLimit(page.limit),
        ExclusiveStartKey: decodeCursor(page.cursor),
      }),
    );
    return {
      items: (res.Items ?? []).map((i) => Park.parse(stripKeys(i, KEY_ATTRIBUTES))),
      cursor: encodeCursor(res.LastEvaluatedKey),
    };
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
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: keys.park(parkId) }));
  }
}
