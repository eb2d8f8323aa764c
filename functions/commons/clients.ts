/**
 * The SDK clients of one function's adapters, created on first use and reused across invocations
 * (STYLE 3). The coordinator's table is reached through a client limited to the function's table
 * grant: IAM limits it on AWS, the client itself everywhere, so a read-only function that writes
 * fails the same way on this machine as it would deployed.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE_ACTIONS } from '../definitions.ts';
import { tracer } from './powertools.ts';

export type TableAccess = 'read' | 'write';

export interface Clients {
  /** A document client on the coordinator's table that may perform only `access`'s actions. */
  table(access: TableAccess): DynamoDBDocumentClient;
  /** The client Powertools' idempotency layer writes its records with. */
  idempotency(): DynamoDBClient;
  eventBridge(): EventBridgeClient;
  scheduler(): SchedulerClient;
}

/** What IAM would allow a table grant (a transaction is authorised item by item). */
const ALLOWED: Record<TableAccess, ReadonlySet<string>> = {
  read: new Set([...TABLE_ACTIONS.read, 'TransactGetItems']),
  write: new Set([...TABLE_ACTIONS.read, ...TABLE_ACTIONS.write, 'TransactGetItems', 'TransactWriteItems']),
};

/** Refuses, before sending, every DynamoDB action the table grant `access` does not include. */
export function limitToGrant(client: DynamoDBClient, access: TableAccess): DynamoDBClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const action = (context.commandName ?? '').replace(/Command$/, '');
      if (!ALLOWED[access].has(action)) {
        const e = new Error(
          `AccessDenied: this function's table grant is 'table:${access}', which does not allow dynamodb:${action} (functions/definitions.ts)`,
        );
        e.name = 'AccessDeniedException';
        throw e;
      }
      return next(args);
    },
    { step: 'initialize', name: 'flexdrTableGrant' },
  );
  return client;
}

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

/**
 * Clients from makers: each made once. `dynamo` is called once per table access level and once
 * for the idempotency layer.
 */
export function clientsFrom(make: {
  dynamo(): DynamoDBClient;
  eventBridge(): EventBridgeClient;
  scheduler(): SchedulerClient;
}): Clients {
  const document = (access: TableAccess) =>
    once(() =>
      DynamoDBDocumentClient.from(limitToGrant(make.dynamo(), access), {
        marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
      }),
    );
  const tables = { read: document('read'), write: document('write') };
  return {
    table: (access) => tables[access](),
    idempotency: once(make.dynamo),
    eventBridge: once(make.eventBridge),
    scheduler: once(make.scheduler),
  };
}

function notBundled(grant: string): never {
  throw new Error(`this bundle was built without the '${grant}' grant's client (functions/definitions.ts)`);
}

/** The AWS SDK clients of a Lambda function, traced; `endpoint` points DynamoDB elsewhere. */
export function awsClients(endpoint?: string): Clients {
  const dynamo: DynamoDBClientConfig = endpoint ? { endpoint } : {};
  return clientsFrom({
    dynamo: () => tracer.captureAWSv3Client(new DynamoDBClient(dynamo)),
    // Folded at bundling (bundleDefines, definitions.ts): a function without the grant never asks.
    eventBridge: () =>
      process.env.FLEXDR_BUNDLE_PUBLISH !== 'omitted'
        ? tracer.captureAWSv3Client(new EventBridgeClient({}))
        : notBundled('publish'),
    scheduler: () =>
      process.env.FLEXDR_BUNDLE_SCHEDULER !== 'omitted'
        ? tracer.captureAWSv3Client(new SchedulerClient({}))
        : notBundled('scheduler'),
  });
}
