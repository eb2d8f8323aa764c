/** One SDK client per service, created once per cold start and traced (STYLE 3). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { env } from './env.ts';
import { tracer } from './powertools.ts';

let dynamo: DynamoDBClient | undefined;
let doc: DynamoDBDocumentClient | undefined;
let events: EventBridgeClient | undefined;
let scheduler: SchedulerClient | undefined;

export function dynamoClient(): DynamoDBClient {
  if (!dynamo) {
    const endpoint = env().DYNAMODB_ENDPOINT;
    dynamo = tracer.captureAWSv3Client(new DynamoDBClient(endpoint ? { endpoint } : {}));
  }
  return dynamo;
}

export function documentClient(): DynamoDBDocumentClient {
  doc ??= DynamoDBDocumentClient.from(dynamoClient(), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  return doc;
}

export function eventBridgeClient(): EventBridgeClient {
  events ??= tracer.captureAWSv3Client(new EventBridgeClient({}));
  return events;
}

export function schedulerClient(): SchedulerClient {
  scheduler ??= tracer.captureAWSv3Client(new SchedulerClient({}));
  return scheduler;
}

/**
 * Installs clients built elsewhere: the local runtime gives EventBridge and Scheduler clients whose
 * request handler is its in-process bus and schedule store, so the adapters' real code paths
 * (serialisation, batching, retries) run unchanged.
 */
export function useClients(overrides: {
  eventBridge?: EventBridgeClient;
  scheduler?: SchedulerClient;
}): void {
  if (overrides.eventBridge) events = overrides.eventBridge;
  if (overrides.scheduler) scheduler = overrides.scheduler;
}

/** Drops the cached clients (tests and the local runtime point them elsewhere). */
export function resetClients(): void {
  dynamo = undefined;
  doc = undefined;
  events = undefined;
  scheduler = undefined;
}
