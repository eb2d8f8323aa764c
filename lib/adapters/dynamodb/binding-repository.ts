import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { UserBinding } from '../../domain/model/binding.ts';
import type { BindingRepository } from '../../ports.ts';
import { stripKeys } from './batch.ts';
import { deleteItem, getItem } from './items.ts';
import { KEY_ATTRIBUTES, keys } from './table.ts';

/**
 * Users' bindings. Access pattern: binding by token subject (`USER#subject` / `#BINDING`), read at
 * every token the identity provider issues and by the routes that change it.
 */
export class DynamoBindingRepository implements BindingRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(userId: string): Promise<UserBinding | undefined> {
    const item = await getItem(this.doc, this.table, keys.binding(userId));
    return item ? UserBinding.parse(stripKeys(item, KEY_ATTRIBUTES)) : undefined;
  }

  async put(binding: UserBinding): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.binding(binding.userId), type: 'binding', ...binding },
      }),
    );
  }

  async delete(userId: string): Promise<void> {
    await deleteItem(this.doc, this.table, keys.binding(userId));
  }
}
