/**
 * Vitest globalSetup of the integration project: one DynamoDB Local (in memory, free port) for the
 * whole run, its endpoint provided to the tests (`inject('dynamodbEndpoint')`), stopped (the JVM
 * killed and awaited) after the last test. Each test file creates its own tables in it.
 */
import type { TestProject } from 'vitest/node';
import { startTestDynamoDb } from '../support/dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup({ provide }: TestProject) {
  const db = await startTestDynamoDb();
  provide('dynamodbEndpoint', db.endpoint);
  return async () => {
    await db.stop();
  };
}
