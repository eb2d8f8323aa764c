/**
 * A function's dependencies, built once per cold start from its definition's grants and its
 * checked configuration, and handed to the use-cases. A port the definition does not grant is
 * there only as a refusal: calling it fails naming the function and the grant it lacks, so nothing
 * a function was not given ever happens silently. No cache or setter lives here: the Lambda entry
 * (`coldStart`) keeps its function's wiring, the local runtime builds its own.
 */

import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { dynamoRepositories, type Repositories } from '../../lib/adapters/dynamodb/index.ts';
import { EventBridgeCommandPublisher } from '../../lib/adapters/eventbridge/command-publisher.ts';
import { EventBridgeEventPublisher } from '../../lib/adapters/eventbridge/event-publisher.ts';
import { EventBridgeScheduler } from '../../lib/adapters/scheduler/eventbridge-scheduler.ts';
import { httpsWebhookSender } from '../../lib/adapters/webhook/sender.ts';
import type { Deps } from '../../lib/app/config.ts';
import type { Clock } from '../../lib/ports.ts';
import { type FunctionDefinition, GRANT_VARIABLES, type Grant } from '../definitions.ts';
import type { ClaimMapping } from './claims.ts';
import { awsClients, type Clients } from './clients.ts';
import { type FunctionConfig, readConfig } from './env.ts';

/** What a handler is built from. */
export interface Wiring {
  deps: Deps;
  /** Powertools' idempotency records, for a function granted `idempotency`. */
  idempotency?: BasePersistenceLayer | undefined;
  /** Which token claims hold the caller's role and bindings (Cognito's when absent). */
  claims?: ClaimMapping | undefined;
}

export type DefinitionGrants = Pick<FunctionDefinition, 'id' | 'grants'>;

/** Every grant: what tests and tools that call use-cases directly are given. */
export const ALL_GRANTS: readonly Grant[] = ['table:write', 'idempotency', 'publish', 'scheduler'];

const REPOSITORIES = [
  'parks',
  'bindings',
  'buildings',
  'telemetry',
  'programs',
  'calendars',
  'events',
  'commands',
  'reservations',
  'settlements',
  'openadr',
  'outbox',
] as const satisfies readonly (keyof Repositories)[];
/** Fails to compile when a repository is added to `Repositories` but not to the list above. */
const everyRepository: Exclude<keyof Repositories, (typeof REPOSITORIES)[number]> extends never
  ? true
  : never = true;
void everyRepository;

/**
 * A port `id` was not granted: every call fails, naming the function, the grant it lacks and that
 * grant's variables, so nothing it was not given happens silently.
 */
function withheld<T extends object>(id: string, grant: Grant, port: string): T {
  return new Proxy({} as T, {
    get: (_, method) =>
      typeof method === 'string' && method !== 'then'
        ? async (...args: unknown[]) => {
            const first = typeof args[0] === 'string' ? `'${args[0]}'` : '';
            throw new Error(
              `${id} is not granted '${grant}' (${GRANT_VARIABLES[grant].join(', ')}; functions/definitions.ts): no ${port} configured for ${port}.${method}(${first})`,
            );
          }
        : undefined,
  });
}

/** Builds the dependencies `definition` grants, from its configuration and clients. */
export function buildWiring(
  definition: DefinitionGrants,
  config: FunctionConfig,
  clients: Clients,
  clock: Clock,
): Wiring {
  const has = (g: Grant) => definition.grants.includes(g);
  const access = has('table:write') ? 'write' : has('table:read') ? 'read' : undefined;
  // Each `process.env.FLEXDR_BUNDLE_*` test is folded at bundling (bundleDefines, definitions.ts).
  const repositories: Repositories =
    process.env.FLEXDR_BUNDLE_TABLE !== 'omitted' && access && config.tableName
      ? dynamoRepositories(clients.table(access), config.tableName, {
          readingRetentionDays: config.settings.readingRetentionDays,
          now: () => clock.now(),
        })
      : (Object.fromEntries(
          REPOSITORIES.map((r) => [r, withheld(definition.id, 'table:read', r)]),
        ) as unknown as Repositories);
  const busName = has('publish') ? config.busName : undefined;
  const deps: Deps = {
    clock,
    ...repositories,
    webhooks: httpsWebhookSender({
      allowPrivateAddresses: config.webhooks.allowPrivateAddresses,
      backoffMs: config.webhooks.backoffMs,
      ...(config.webhooks.ca ? { ca: config.webhooks.ca } : {}),
    }),
    commandPublisher:
      process.env.FLEXDR_BUNDLE_PUBLISH !== 'omitted' && busName
        ? new EventBridgeCommandPublisher(clients.eventBridge(), busName)
        : withheld(definition.id, 'publish', 'commandPublisher'),
    eventPublisher:
      process.env.FLEXDR_BUNDLE_PUBLISH !== 'omitted' && busName
        ? new EventBridgeEventPublisher(clients.eventBridge(), busName)
        : withheld(definition.id, 'publish', 'eventPublisher'),
    scheduler:
      process.env.FLEXDR_BUNDLE_SCHEDULER !== 'omitted' && has('scheduler') && config.scheduler
        ? new EventBridgeScheduler(clients.scheduler(), {
            group: config.scheduler.group,
            busArn: config.scheduler.busArn,
            roleArn: config.scheduler.roleArn,
            now: () => clock.now(),
          })
        : withheld(definition.id, 'scheduler', 'scheduler'),
    config: config.settings,
  };
  const idempotency =
    process.env.FLEXDR_BUNDLE_IDEMPOTENCY !== 'omitted' && has('idempotency') && config.idempotencyTableName
      ? new DynamoDBPersistenceLayer({
          tableName: config.idempotencyTableName,
          awsSdkV3Client: clients.idempotency(),
        })
      : undefined;
  return { deps, idempotency, claims: config.claims };
}

/** The wiring of a Lambda function: its environment checked, AWS SDK clients, the system clock. */
export function wiringFromEnvironment(
  definition: DefinitionGrants,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Wiring {
  const config = readConfig(definition, env);
  return buildWiring(definition, config, awsClients(config.dynamodbEndpoint), { now: () => Date.now() });
}

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * The exported Lambda handler: wired from the environment at the first invocation of a cold start
 * (a missing variable fails it, naming the variable), then reused. Importing the module reads
 * nothing, so the local runtime and tests can import it and call `makeHandler` with their own.
 */
export function coldStart<E, R>(
  definition: DefinitionGrants,
  makeHandler: (wiring: Wiring) => Handler<E, R>,
): Handler<E, R> {
  let wired: Handler<E, R> | undefined;
  return (event, context) => {
    wired ??= makeHandler(wiringFromEnvironment(definition));
    return wired(event, context);
  };
}
