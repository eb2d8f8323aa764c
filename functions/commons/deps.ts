/**
 * The use-cases' dependencies, built once per cold start from the environment: DynamoDB
 * repositories, the EventBridge publishers and the EventBridge Scheduler. The local runtime and
 * tests may install their own (`setDeps`), for example a simulation clock.
 */
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { dynamoRepositories } from '../../lib/adapters/dynamodb/index.ts';
import { EventBridgeCommandPublisher } from '../../lib/adapters/eventbridge/command-publisher.ts';
import { EventBridgeEventPublisher } from '../../lib/adapters/eventbridge/event-publisher.ts';
import { EventBridgeScheduler } from '../../lib/adapters/scheduler/eventbridge-scheduler.ts';
import { httpsWebhookSender } from '../../lib/adapters/webhook/sender.ts';
import type { Deps } from '../../lib/app/config.ts';
import { DEFAULT_CONFIG } from '../../lib/app/config.ts';
import type { Clock, Scheduler } from '../../lib/ports.ts';
import { documentClient, dynamoClient, eventBridgeClient, schedulerClient } from './clients.ts';
import { env } from './env.ts';

let deps: Deps | undefined;
let idempotency: DynamoDBPersistenceLayer | undefined;
let clock: Clock = { now: () => Date.now() };

/** A scheduler that cannot schedule: where none is configured, saying so beats silently dropping. */
const missingScheduler: Scheduler = {
  scheduleOnce: async (name) => {
    throw new Error(`no scheduler configured (BUS_ARN and SCHEDULER_ROLE_ARN) for '${name}'`);
  },
  // Cancelling nothing would leave an event's deadline and evaluation to fire after it was cancelled.
  cancel: async (name) => {
    throw new Error(`no scheduler configured (BUS_ARN and SCHEDULER_ROLE_ARN) to cancel '${name}'`);
  },
};

export function buildDeps(): Deps {
  const e = env();
  const repositories = dynamoRepositories(documentClient(), e.TABLE_NAME, {
    readingRetentionDays: e.READING_RETENTION_DAYS,
    now: () => clock.now(),
  });
  return {
    clock,
    ...repositories,
    webhooks: httpsWebhookSender({
      allowPrivateAddresses: e.OPENADR_ALLOW_PRIVATE_CALLBACKS,
      backoffMs: e.OPENADR_WEBHOOK_BACKOFF_MS,
      ...(e.OPENADR_WEBHOOK_CA ? { ca: e.OPENADR_WEBHOOK_CA } : {}),
    }),
    commandPublisher: new EventBridgeCommandPublisher(eventBridgeClient(), e.BUS_NAME),
    eventPublisher: new EventBridgeEventPublisher(eventBridgeClient(), e.BUS_NAME),
    scheduler:
      e.BUS_ARN && e.SCHEDULER_ROLE_ARN
        ? new EventBridgeScheduler(schedulerClient(), {
            group: e.SCHEDULE_GROUP,
            busArn: e.BUS_ARN,
            roleArn: e.SCHEDULER_ROLE_ARN,
            now: () => clock.now(),
          })
        : missingScheduler,
    config: {
      ...DEFAULT_CONFIG,
      ackTimeoutMinutes: e.ACK_TIMEOUT_MINUTES,
      settleDelayMinutes: e.SETTLE_DELAY_MINUTES,
      readingRetentionDays: e.READING_RETENTION_DAYS,
      openadrTokenTtlSeconds: e.OPENADR_TOKEN_TTL_SECONDS,
      openadrTokenFailuresPerClient: e.OPENADR_TOKEN_FAILURES_PER_CLIENT,
      openadrTokenFailuresPerAddress: e.OPENADR_TOKEN_FAILURES_PER_ADDRESS,
      openadrTokenThrottleWindowSeconds: e.OPENADR_TOKEN_THROTTLE_WINDOW_SECONDS,
      telemetryFutureToleranceMinutes: e.TELEMETRY_FUTURE_TOLERANCE_MINUTES,
      awaitingRetryMinutes: e.AWAITING_RETRY_MINUTES,
      emissionFactorTco2PerMwh: e.EMISSION_FACTOR_TCO2_PER_MWH,
    },
  };
}

export function getDeps(): Deps {
  deps ??= buildDeps();
  return deps;
}

/** Installs dependencies (local runtime, tests); `undefined` goes back to building from the environment. */
export function setDeps(next: Deps | undefined): void {
  deps = next;
  idempotency = undefined;
}

/** Replaces the clock every later-built dependency uses (the local simulation clock). */
export function setClock(next: Clock): void {
  clock = next;
  deps = undefined;
}

export function getIdempotencyStore(): DynamoDBPersistenceLayer {
  idempotency ??= new DynamoDBPersistenceLayer({
    tableName: env().IDEMPOTENCY_TABLE_NAME,
    awsSdkV3Client: dynamoClient(),
  });
  return idempotency;
}
