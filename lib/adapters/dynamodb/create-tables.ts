/** Creates the coordinator's tables where they do not exist yet (DynamoDB Local, tests). */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { createTableInput, TTL_ATTRIBUTE } from './table.ts';

/** Layout of the Powertools idempotency table, as the CDK stack creates it. */
export function idempotencyTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }],
  };
}

async function ensure(
  client: DynamoDBClient,
  input: ReturnType<typeof createTableInput>,
  ttl: string,
): Promise<boolean> {
  try {
    await client.send(new CreateTableCommand(input));
  } catch (e) {
    if (e instanceof ResourceInUseException) return false;
    throw e;
  }
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (d.Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: input.TableName,
      TimeToLiveSpecification: { AttributeName: ttl, Enabled: true },
    }),
  );
  return true;
}

/** Returns which tables were created (false: they were already there). */
export async function createTables(
  client: DynamoDBClient,
  names: { table: string; idempotencyTable: string },
) {
  return {
    table: await ensure(client, createTableInput(names.table), TTL_ATTRIBUTE),
    idempotencyTable: await ensure(client, idempotencyTableInput(names.idempotencyTable), 'expiration'),
  };
}
