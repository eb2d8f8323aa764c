/** Starts one DynamoDB Local for the integration tests and stops it after them. */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const db = await startDynamoDbLocal();
  project.provide('dynamodbEndpoint', db.endpoint);
  return async () => {
    await db.stop();
  };
}
