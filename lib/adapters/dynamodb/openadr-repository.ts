import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ConflictError } from '../../domain/errors.ts';
import { ObjectType } from '../../openadr/schemas.ts';
import {
  isOpenadrObjectOf,
  OpenadrClient,
  OpenadrObject,
  type OpenadrObjectType,
  OpenadrToken,
} from '../../openadr/store.ts';
import type { OpenadrRepository } from '../../ports.ts';
import { cancellationCodes, isConditionFailure, queryAll, stripKeys } from './batch.ts';
import { INDEX, KEY_ATTRIBUTES, keys, TTL_ATTRIBUTE } from './table.ts';

type Item = Record<string, unknown>;

/** An object's item: the body and the bookkeeping are JSON strings, parsed with their schemas. */
const StoredItem = z.object({
  objectType: ObjectType,
  id: z.string(),
  clientId: z.string(),
  createdAt: z.string(),
  body: z.string(),
  uniqueName: z.string().optional(),
  internal: z.string().optional(),
});

/**
 * The VTN's objects, clients and tokens. Access patterns: an object by type and id
 * (`OADR#TYPE#id` / `#OBJ`); the objects of a type, oldest first (GSI1 `OADR#TYPE`: one partition
 * per type, fine for the programs, events, vens and subscriptions of a province); unique names as
 * their own items written in the same transaction; clients by id; tokens by the SHA-256 of the
 * token, expiring through the table's TTL (and checked on read, as TTL deletes late); failed
 * token requests per key and fixed window, one counter item each, expiring through TTL.
 */
export class DynamoOpenadrRepository implements OpenadrRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number,
  ) {}

  async putClient(client: OpenadrClient): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.openadrClient(client.clientId), type: 'openadrClient', ...client },
      }),
    );
  }

  async getClient(clientId: string): Promise<OpenadrClient | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.openadrClient(clientId), ConsistentRead: true }),
    );
    return res.Item ? OpenadrClient.parse(stripKeys(res.Item, KEY_ATTRIBUTES)) : undefined;
  }

  async deleteClient(clientId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: keys.openadrClient(clientId) }));
  }

  async putToken(tokenHash: string, token: OpenadrToken): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...keys.openadrToken(tokenHash),
          type: 'openadrToken',
          ...token,
          [TTL_ATTRIBUTE]: Math.ceil(token.expiresAtMs / 1000),
        },
      }),
    );
  }

  async getToken(tokenHash: string): Promise<OpenadrToken | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.openadrToken(tokenHash), ConsistentRead: true }),
    );
    if (!res.Item) return undefined;
    const token = OpenadrToken.parse(stripKeys(res.Item, KEY_ATTRIBUTES));
    return token.expiresAtMs > this.now() ? token : undefined;
  }

  async tokenFailures(keyHash: string, windowStartMs: number): Promise<number> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.openadrFailures(keyHash, windowStartMs),
        ConsistentRead: true,
      }),
    );
    return typeof res.Item?.failures === 'number' ? res.Item.failures : 0;
  }

  async addTokenFailure(keyHash: string, windowStartMs: number, expiresAtMs: number): Promise<number> {
    const res = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.openadrFailures(keyHash, windowStartMs),
        UpdateExpression: 'ADD failures :one SET #type = :type, #ttl = :ttl',
        ExpressionAttributeNames: { '#type': 'type', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':one': 1,
          ':type': 'openadrFailures',
          ':ttl': Math.ceil(expiresAtMs / 1000),
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(res.Attributes?.failures ?? 1);
  }

  private item(o: OpenadrObject): Item {
    return {
      ...keys.openadrObject(o.objectType, o.id),
      ...keys.openadrObjectsIndex(o.objectType, o.createdAt, o.id),
      type: 'openadrObject',
      objectType: o.objectType,
      id: o.id,
      clientId: o.clientId,
      createdAt: o.createdAt,
      modified: String(o.body.modificationDateTime ?? ''),
      body: JSON.stringify(o.body),
      ...(o.uniqueName !== undefined ? { uniqueName: o.uniqueName } : {}),
      ...(o.internal !== undefined ? { internal: JSON.stringify(o.internal) } : {}),
    };
  }

  /** The stored object of type `objectType` in `item`: its body and bookkeeping parsed with their schemas. */
  private parse<T extends OpenadrObjectType>(item: Item, objectType: T): OpenadrObject<T> {
    const { body, internal, ...fields } = StoredItem.parse(item);
    const object = OpenadrObject.parse({
      ...fields,
      body: JSON.parse(body),
      ...(internal !== undefined ? { internal: JSON.parse(internal) } : {}),
    });
    if (!isOpenadrObjectOf(object, objectType))
      throw new Error(
        `stored ${object.objectType.toLowerCase()} '${object.id}' found as a ${objectType.toLowerCase()}`,
      );
    return object;
  }

  private nameItem(o: OpenadrObject, name: string) {
    return {
      Put: {
        TableName: this.table,
        Item: { ...keys.openadrName(o.objectType, name), type: 'openadrName', id: o.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private async transact(
    items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>,
    what: string,
  ) {
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (e) {
      const codes = cancellationCodes(e);
      if (codes?.includes('ConditionalCheckFailed')) throw new ConflictError(what);
      throw e;
    }
  }

  async create(o: OpenadrObject): Promise<void> {
    await this.transact(
      [
        {
          Put: {
            TableName: this.table,
            Item: this.item(o),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...(o.uniqueName !== undefined ? [this.nameItem(o, o.uniqueName)] : []),
      ],
      o.uniqueName !== undefined
        ? `a ${o.objectType.toLowerCase()} named '${o.uniqueName}' already exists`
        : `${o.objectType.toLowerCase()} '${o.id}' already exists`,
    );
  }

  async replace<T extends OpenadrObjectType>(o: OpenadrObject<T>, previous: OpenadrObject<T>): Promise<void> {
    const renamed = o.uniqueName !== previous.uniqueName;
    await this.transact(
      [
        {
          Put: {
            TableName: this.table,
            Item: this.item(o),
            ConditionExpression: 'attribute_exists(pk) AND modified = :m',
            ExpressionAttributeValues: { ':m': String(previous.body.modificationDateTime ?? '') },
          },
        },
        ...(renamed && o.uniqueName !== undefined ? [this.nameItem(o, o.uniqueName)] : []),
        ...(renamed && previous.uniqueName !== undefined
          ? [{ Delete: { TableName: this.table, Key: keys.openadrName(o.objectType, previous.uniqueName) } }]
          : []),
      ],
      renamed && o.uniqueName !== undefined
        ? `a ${o.objectType.toLowerCase()} named '${o.uniqueName}' already exists, or '${o.id}' changed meanwhile`
        : `${o.objectType.toLowerCase()} '${o.id}' changed meanwhile; read it again`,
    );
  }

  async get<T extends OpenadrObjectType>(objectType: T, id: string): Promise<OpenadrObject<T> | undefined> {
    const res = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.openadrObject(objectType, id),
        ConsistentRead: true,
      }),
    );
    return res.Item ? this.parse(res.Item, objectType) : undefined;
  }

  async setInternal(o: OpenadrObject, internal: Record<string, unknown>): Promise<boolean> {
    const had = o.internal !== undefined;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.openadrObject(o.objectType, o.id),
          UpdateExpression: 'SET internal = :next',
          ConditionExpression: `attribute_exists(pk) AND modified = :m AND ${had ? 'internal = :prev' : 'attribute_not_exists(internal)'}`,
          ExpressionAttributeValues: {
            ':next': JSON.stringify(internal),
            ':m': String(o.body.modificationDateTime ?? ''),
            ...(had ? { ':prev': JSON.stringify(o.internal) } : {}),
          },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async delete(o: OpenadrObject): Promise<void> {
    await this.transact(
      [
        { Delete: { TableName: this.table, Key: keys.openadrObject(o.objectType, o.id) } },
        ...(o.uniqueName !== undefined
          ? [{ Delete: { TableName: this.table, Key: keys.openadrName(o.objectType, o.uniqueName) } }]
          : []),
      ],
      `${o.objectType.toLowerCase()} '${o.id}' changed meanwhile`,
    );
  }

  async list<T extends OpenadrObjectType>(objectType: T): Promise<OpenadrObject<T>[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: INDEX.gsi1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': `OADR#${objectType}` },
    });
    return items.map((item) => this.parse(item, objectType));
  }
}
