/**
 * The coordinator's functions on this machine, built from the definitions CDK deploys
 * (`functions/definitions.ts`): each function's environment is what its grants set on AWS, with
 * this runtime's values, read by the same `readConfig`; its dependencies are built by the same
 * `buildWiring`, over this runtime's own clients (its DynamoDB Local, in-process bus and schedule
 * store) and clock. A function is given only what its definition grants, and nothing is shared
 * with another runtime in the same process.
 */
import { getHeapStatistics } from 'node:v8';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { clientsFrom } from '../../functions/commons/clients.ts';
import { ALL_GRANTS, buildWiring, type Wiring } from '../../functions/commons/deps.ts';
import { readConfig } from '../../functions/commons/env.ts';
import {
  type FunctionDefinition,
  functionDefinitions,
  grantVariables,
  outboxRelayFunction,
  reconcileFunction,
} from '../../functions/definitions.ts';
import type { Deps } from '../../lib/app/config.ts';
import type { Clock } from '../../lib/ports.ts';
import { localEventBridgeClient, localSchedulerClient } from './aws-emulation.ts';
import type { LocalBus } from './bus.ts';
import { LOCAL_AWS } from './dynamodb-local.ts';
import { lambdaContext } from './lambda-context.ts';
import type { LocalSchedules } from './schedules.ts';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** A handler module: every entry a definition names exports this. */
interface FunctionModule {
  makeHandler(wiring: Wiring): LambdaHandler;
}

export interface LocalFunction {
  definition: FunctionDefinition;
  handler: LambdaHandler;
  /** A Lambda context for one invocation, counting down from the definition's timeout. */
  context(requestId?: string): Context;
  /**
   * Runs the handler as Lambda would within the definition's limits: past its timeout the
   * invocation fails with {@link InvocationTimedOut} (the work it started runs on here, as it
   * cannot be stopped in-process, but its answer is lost as on AWS).
   */
  invoke(event: unknown, requestId?: string): Promise<unknown>;
}

/** Lambda's own words when it ends an invocation at the function's timeout. */
export class InvocationTimedOut extends Error {
  override readonly name = 'InvocationTimedOut';
  constructor(
    readonly functionId: string,
    readonly timeoutMs: number,
  ) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds (flexdr-${functionId})`);
  }
}

/** What one invocation used, against its function's limits. */
export interface InvocationReport {
  functionId: string;
  durationMs: number;
  timeoutMs: number;
  /** The process's peak heap during the invocation (other invocations running here count too). */
  peakHeapMb: number;
  memoryMb: number;
  timedOut: boolean;
}

/** The invocations running now, each with the peak heap seen since it began. */
const running = new Set<{ peak: number }>();
let sampler: NodeJS.Timeout | undefined;

/** One sampler for the whole process, every 50 ms while any invocation runs. */
function sampleHeap(): void {
  const used = getHeapStatistics().used_heap_size;
  for (const r of running) r.peak = Math.max(r.peak, used);
}

/**
 * Runs `run` under `timeoutMs` of wall-clock time, with the heap sampled (one sampler for every
 * invocation, every 50 ms), and reports what it used. Rejects with {@link InvocationTimedOut} at
 * the timeout, or with the handler's own error.
 */
export async function invokeWithinLimits(
  limits: { functionId: string; timeoutMs: number; memoryMb: number },
  run: () => Promise<unknown>,
  report?: (r: InvocationReport) => void,
): Promise<unknown> {
  const started = performance.now();
  const heap = { peak: getHeapStatistics().used_heap_size };
  running.add(heap);
  if (!sampler) {
    sampler = setInterval(sampleHeap, 50);
    sampler.unref();
  }
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  try {
    return await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new InvocationTimedOut(limits.functionId, limits.timeoutMs));
        }, limits.timeoutMs);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
    heap.peak = Math.max(heap.peak, getHeapStatistics().used_heap_size);
    running.delete(heap);
    if (running.size === 0) {
      clearInterval(sampler);
      sampler = undefined;
    }
    report?.({
      ...limits,
      durationMs: performance.now() - started,
      peakHeapMb: heap.peak / 2 ** 20,
      timedOut,
    });
  }
}

export const LOCAL_TABLE = 'flexdr';
export const LOCAL_IDEMPOTENCY_TABLE = 'flexdr-idempotency';
const REGION = LOCAL_AWS.region;

/** What the stack's resources are called here: the values of the variables grants set. */
const LOCAL_RESOURCES: Record<string, string> = {
  TABLE_NAME: LOCAL_TABLE,
  IDEMPOTENCY_TABLE_NAME: LOCAL_IDEMPOTENCY_TABLE,
  BUS_NAME: 'flexdr',
  BUS_ARN: `arn:aws:events:${REGION}:000000000000:event-bus/flexdr`,
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/flexdr-local-scheduler',
  SCHEDULE_GROUP: 'flexdr',
};

/** The environment a function gets here: the settings, and the variables of its grants only. */
export function localEnvironment(
  definition: Pick<FunctionDefinition, 'grants'>,
  settings: Readonly<Record<string, string>>,
): Record<string, string> {
  return {
    ...settings,
    ...Object.fromEntries(grantVariables(definition).map((v) => [v, LOCAL_RESOURCES[v] as string])),
  };
}

export interface LocalFunctionsOptions {
  dynamodbEndpoint: string;
  bus: LocalBus;
  schedules: LocalSchedules;
  clock: Clock;
  /** Settings every function reads, as variables (`ACK_TIMEOUT_MINUTES`, `OPENADR_WEBHOOK_CA`, ...). */
  settings: Readonly<Record<string, string>>;
  /** Told of every invocation through `invoke`: its duration and peak heap against the limits. */
  onInvocation?: (report: InvocationReport) => void;
}

export interface LocalFunctions {
  /** Every function by its definition's id. */
  byId: ReadonlyMap<string, LocalFunction>;
  /** Every port and grant, for what calls use-cases directly (seeding, console helpers, tests). */
  deps: Deps;
}

/** Builds every function of the coordinator for one runtime. */
export async function buildLocalFunctions(options: LocalFunctionsOptions): Promise<LocalFunctions> {
  const settings = { ...options.settings, DYNAMODB_ENDPOINT: options.dynamodbEndpoint };
  const clients = clientsFrom({
    dynamo: () => new DynamoDBClient({ endpoint: options.dynamodbEndpoint, ...LOCAL_AWS }),
    eventBridge: () => localEventBridgeClient(options.bus, REGION),
    scheduler: () => localSchedulerClient(options.schedules, REGION),
  });
  // The outbox's relay (and the reconciler, which relays late entries) hear back from PutEvents
  // only once the bus has delivered: an entry is removed after that, never before.
  const relayClients = clientsFrom({
    dynamo: () => new DynamoDBClient({ endpoint: options.dynamodbEndpoint, ...LOCAL_AWS }),
    eventBridge: () => localEventBridgeClient(options.bus, REGION, { awaitDelivery: true }),
    scheduler: () => localSchedulerClient(options.schedules, REGION),
  });
  const relays = new Set([outboxRelayFunction.id, reconcileFunction.id]);
  const wiringOf = (definition: Pick<FunctionDefinition, 'id' | 'grants'>) =>
    buildWiring(
      definition,
      readConfig(definition, localEnvironment(definition, settings)),
      relays.has(definition.id) ? relayClients : clients,
      options.clock,
    );
  const modules = await Promise.all(
    functionDefinitions.map(
      (d) => import(new URL(`../../${d.entry}`, import.meta.url).href) as Promise<FunctionModule>,
    ),
  );
  const byId = new Map<string, LocalFunction>();
  functionDefinitions.forEach((definition, i) => {
    const module = modules[i] as FunctionModule;
    if (typeof module.makeHandler !== 'function')
      throw new Error(`${definition.entry} exports no makeHandler (functions/definitions.ts names it)`);
    const handler = module.makeHandler(wiringOf(definition));
    const limits = {
      functionId: definition.id,
      timeoutMs: definition.timeoutSeconds * 1000,
      memoryMb: definition.memoryMb,
    };
    const context = (requestId?: string) =>
      lambdaContext(definition.id, {
        timeoutMs: limits.timeoutMs,
        memoryMb: limits.memoryMb,
        region: REGION,
        ...(requestId ? { requestId } : {}),
      });
    byId.set(definition.id, {
      definition,
      handler,
      context,
      invoke: (event, requestId) =>
        invokeWithinLimits(limits, () => handler(event, context(requestId)), options.onInvocation),
    });
  });
  return { byId, deps: wiringOf({ id: 'local-runtime', grants: ALL_GRANTS }).deps };
}
