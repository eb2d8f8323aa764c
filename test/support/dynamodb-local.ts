/**
 * DynamoDB Local for tests: the server (started by `infra/local/dynamodb-local.ts`, the one place
 * that knows how to run it: free port, in memory, Java check, wait until it answers, real stop),
 * and a fresh table per test file built from the same layout as the deployed one.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS, type RunningDynamoDb, startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';
import { createTableInput, TTL_ATTRIBUTE } from '../../lib/adapters/dynamodb/table.ts';

export { LOCAL_AWS };

/**
 * Starts DynamoDB Local in memory on a free port and waits until ListTables answers.
 * `stop()` kills the JVM and resolves once it has exited.
 *
 * @throws Error naming the fix when `java` is missing, or with the server's output when it exits
 * or does not answer within `timeoutMs` (30 s by default).
 */
export async function startTestDynamoDb(timeoutMs = 30_000): Promise<RunningDynamoDb> {
  return startDynamoDbLocal({ timeoutMs });
}

/** A table of its own for one test file, with a DocumentClient configured as the handlers' one. */
export interface TestTable {
  tableName: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** Deletes the table and closes the clients. */
  drop(): Promise<void>;
}

/**
 * Creates a table with a random name from {@link createTableInput}, waits until it is active and
 * enables TTL on {@link TTL_ATTRIBUTE}. Credentials and region are dummies DynamoDB Local accepts.
 */
export async function createTestTable(endpoint: string): Promise<TestTable> {
  const tableName = `flexdr-test-${randomUUID().slice(0, 8)}`;
  const client = new DynamoDBClient({ endpoint, ...LOCAL_AWS, maxAttempts: 5 });
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
  );
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  return {
    tableName,
    client,
    doc,
    async drop() {
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } finally {
        doc.destroy();
        client.destroy();
      }
    },
  };
}
