/**
 * Runs the real handlers against DynamoDB Local: EventBridge and Scheduler calls are captured with
 * aws-sdk-client-mock, and captured bus entries are delivered to the consumers whose rule patterns
 * match them, as EventBridge would. Each handler is built with `makeHandler` from the dependencies
 * its definition grants, read from the environment a deployed function would have.
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { inject, vi } from 'vitest';
import { invocationOf, throwIfBatchFailed } from '../../functions/commons/bus.ts';
import { clientsFrom } from '../../functions/commons/clients.ts';
import { ALL_GRANTS, buildWiring, type Wiring } from '../../functions/commons/deps.ts';
import { readConfig } from '../../functions/commons/env.ts';
import { busFunctions, type FunctionDefinition, httpFunctions } from '../../functions/definitions.ts';
import {
  type BusSubscription,
  type BusSubscriptionName,
  busSubscriptions,
  httpRoutes,
  type RouteName,
  subscriptionPattern,
} from '../../functions/routes.ts';
import { LOCAL_AWS, type RunningDynamoDb } from '../../infra/local/dynamodb-local.ts';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import { createTables } from '../../lib/adapters/dynamodb/create-tables.ts';
import { matchesPattern } from '../../lib/adapters/local/event-pattern.ts';
import type { Deps } from '../../lib/app/config.ts';
import { relayOutbox } from '../../lib/app/outbox.ts';
import { startTestDynamoDb } from '../support/dynamodb-local.ts';

export interface Caller {
  sub: string;
  groups: string;
  parkIds?: string;
  buildingIds?: string;
}

export const operator: Caller = { sub: 'op-1', groups: '[grid-operator]' };
export const parkManager = (parkIds: string): Caller => ({ sub: 'pm-1', groups: '[park-manager]', parkIds });
export const bms = (buildingIds: string): Caller => ({ sub: 'bms-1', groups: '[bms]', buildingIds });

/** A fresh context per invocation, so each has its own minute. */
const context = () =>
  lambdaContext('test', { timeoutMs: 60_000, account: '123456789012', requestId: 'test' });

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const SCHEDULE_GROUP = 'flexdr-test';

export class Harness {
  readonly entries: PutEventsRequestEntry[] = [];
  /** Every command entry published, in order. */
  readonly published: { detailType: string; detail: Record<string, unknown> }[] = [];
  readonly schedules = new Map<string, CreateScheduleCommandInput>();
  private delivered = 0;
  private handlers = new Map<string, Handler>();
  private readonly eventBridge = mockClient(EventBridgeClient);
  private readonly scheduler = mockClient(SchedulerClient);
  /** The environment a deployed function gets (every grant's variables). */
  private env: Record<string, string> = {};
  /** Every client of every function sends DynamoDB requests through this one (see `throttleDynamoDb`). */
  private dynamo: DynamoDBClient | undefined;
  private clients: ReturnType<typeof clientsFrom> | undefined;
  private override: Deps | undefined;
  /** Every port with every grant, as the handlers' own are built (for calling use-cases directly). */
  deps!: Deps;

  /** A DynamoDB Local of this harness's own, stopped by {@link stop}. */
  private ownDb: RunningDynamoDb | undefined;

  /**
   * Creates the file's tables and mocks EventBridge and the Scheduler. `ownDynamoDb` starts a
   * DynamoDB Local for this file alone (about 2 s) instead of using the run's shared one: for the
   * files that write tens of thousands of items (races, faults), whose data would slow every file
   * after them, and which later files' data would slow.
   */
  static async start(options: { ownDynamoDb?: boolean } = {}): Promise<Harness> {
    const h = new Harness();
    const suffix = randomUUID().slice(0, 8);
    if (options.ownDynamoDb) h.ownDb = await startTestDynamoDb();
    const endpoint = h.ownDb?.endpoint ?? inject('dynamodbEndpoint');
    h.env = {
      TABLE_NAME: `flexdr-${suffix}`,
      IDEMPOTENCY_TABLE_NAME: `flexdr-idem-${suffix}`,
      DYNAMODB_ENDPOINT: endpoint,
      BUS_NAME: 'flexdr-test',
      BUS_ARN: 'arn:aws:events:cn-north-1:123456789012:event-bus/flexdr-test',
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/flexdr-scheduler',
      SCHEDULE_GROUP,
    };
    // Also the process's: some tests read the table's name from it, and the SDK its region.
    Object.assign(process.env, h.env, {
      AWS_REGION: LOCAL_AWS.region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    const client = new DynamoDBClient({ endpoint, ...LOCAL_AWS });
    await createTables(client, {
      table: h.env.TABLE_NAME as string,
      idempotencyTable: h.env.IDEMPOTENCY_TABLE_NAME as string,
    });
    client.destroy();
    const dynamo = new DynamoDBClient({ endpoint, ...LOCAL_AWS });
    h.dynamo = dynamo;
    h.clients = clientsFrom({
      dynamo: () =>
        new DynamoDBClient({ endpoint, ...LOCAL_AWS, requestHandler: dynamo.config.requestHandler }),
      eventBridge: () => new EventBridgeClient({ region: LOCAL_AWS.region }),
      scheduler: () => new SchedulerClient({ region: LOCAL_AWS.region }),
    });
    h.deps = h.wiringOf({ id: 'test', grants: ALL_GRANTS }).deps;
    h.mockAws();
    return h;
  }

  /** {@link start} with the clock (`Date` only) faked at `now`; {@link stop} gives the real one back. */
  static async startAt(now: number | string | Date): Promise<Harness> {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(now));
    return Harness.start();
  }

  /**
   * Restores the AWS clients and the real clock, deletes the file's tables (the shared DynamoDB
   * Local keeps every file's items otherwise) and stops the harness's own DynamoDB Local if it has one.
   */
  async stop(): Promise<void> {
    this.restore();
    vi.useRealTimers();
    try {
      for (const TableName of [this.env.TABLE_NAME, this.env.IDEMPOTENCY_TABLE_NAME])
        if (TableName) await this.dynamo?.send(new DeleteTableCommand({ TableName }));
    } finally {
      this.dynamo?.destroy();
      await this.ownDb?.stop();
    }
  }

  private mockAws(): void {
    this.eventBridge.on(PutEventsCommand).callsFake((input: { Entries?: PutEventsRequestEntry[] }) => {
      const entries = input.Entries ?? [];
      if (this.putEventsFaults?.throttleCall()) {
        const e = new Error('Rate exceeded');
        e.name = 'ThrottlingException';
        throw e;
      }
      const failed = entries.map(() => this.putEventsFaults?.failEntry() ?? false);
      this.entries.push(...entries.filter((_, i) => !failed[i]));
      return {
        FailedEntryCount: failed.filter(Boolean).length,
        Entries: entries.map((_, i) =>
          failed[i]
            ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }
            : { EventId: randomUUID() },
        ),
      };
    });
    this.scheduler.on(CreateScheduleCommand).callsFake((input: CreateScheduleCommandInput) => {
      this.schedules.set(input.Name as string, input);
      return { ScheduleArn: `arn:aws:scheduler:::schedule/${input.Name}` };
    });
    this.scheduler.on(DeleteScheduleCommand).callsFake((input: { Name?: string }) => {
      this.schedules.delete(input.Name as string);
      return {};
    });
  }

  restore(): void {
    this.eventBridge.restore();
    this.scheduler.restore();
  }

  /** The DynamoDB client whose request handler every function's clients share. */
  get dynamoClient(): DynamoDBClient {
    if (!this.dynamo) throw new Error('the harness has not started');
    return this.dynamo;
  }

  /**
   * Makes every handler use `deps` for every port (fault injection), or, with undefined, the
   * dependencies its definition grants again.
   */
  useDeps(deps: Deps | undefined): void {
    this.override = deps;
    this.handlers.clear();
  }

  /** Sets function environment variables (configuration) from now on: every handler is wired again. */
  configure(env: Record<string, string>): void {
    Object.assign(this.env, env);
    this.handlers.clear();
  }

  private wiringOf(definition: Pick<FunctionDefinition, 'id' | 'grants'>): Wiring {
    if (!this.clients) throw new Error('the harness has not started');
    const wiring = buildWiring(definition, readConfig(definition, this.env), this.clients, {
      now: () => Date.now(),
    });
    return this.override ? { ...wiring, deps: this.override } : wiring;
  }

  private async handler(definition: FunctionDefinition): Promise<Handler> {
    let h = this.handlers.get(definition.id);
    if (!h) {
      const url = new URL(`../../${definition.entry}`, import.meta.url).href;
      const module = (await import(/* @vite-ignore */ url)) as { makeHandler: (wiring: Wiring) => Handler };
      h = module.makeHandler(this.wiringOf(definition));
      this.handlers.set(definition.id, h);
    }
    return h;
  }

  /** Calls an HTTP route's handler as API Gateway would, with the caller's verified claims. */
  async http(
    route: RouteName,
    caller: Caller | undefined,
    opts: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown } = {},
    // biome-ignore lint/suspicious/noExplicitAny: tests read answers of many routes; each asserts what it reads.
  ): Promise<{ status: number; body: any }> {
    const r = httpRoutes[route];
    const claims = caller
      ? {
          sub: caller.sub,
          'cognito:groups': caller.groups,
          ...(caller.parkIds ? { 'custom:parkIds': caller.parkIds } : {}),
          ...(caller.buildingIds ? { 'custom:buildingIds': caller.buildingIds } : {}),
        }
      : undefined;
    const event = {
      version: '2.0',
      routeKey: `${r.method} ${r.path}`,
      rawPath: r.path,
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      queryStringParameters: opts.query,
      pathParameters: opts.params,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      isBase64Encoded: false,
      requestContext: {
        http: { method: r.method, path: r.path },
        requestId: randomUUID(),
        ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
      },
    } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
    const res = (await (
      await this.handler(httpFunctions[route])
    )(event, context())) as APIGatewayProxyStructuredResultV2;
    return { status: res.statusCode ?? 0, body: res.body ? JSON.parse(res.body) : undefined };
  }

  /**
   * Delivers one bus message to a consumer by its subscription name, as an EventBridge event, or
   * as an SQS batch carrying it for a queued subscription (a failed message then throws).
   */
  async deliver(
    name: BusSubscriptionName,
    detailType: string,
    source: string,
    detail: unknown,
  ): Promise<void> {
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: '123456789012',
      time: new Date().toISOString(),
      region: LOCAL_AWS.region,
      resources: [],
      detail,
    };
    const sub = busSubscriptions.find((s) => s.name === name) as BusSubscription;
    const result = await (await this.handler(busFunctions[name]))(invocationOf(sub, event), context());
    throwIfBatchFailed(sub, result);
  }

  /**
   * Delivers every captured bus entry not delivered yet (and what they cause), as the rules route
   * them. A consumer that throws is invoked again, up to `attempts` times in all, as Lambda retries
   * an asynchronous invocation; `failedAttempts` counts the throws.
   */
  async pump(options: { attempts?: number } = {}): Promise<void> {
    const attempts = options.attempts ?? 1;
    for (;;) {
      // What deliveries stored in the outbox is relayed once the entries captured so far are delivered.
      if (this.delivered >= this.entries.length && (await this.relay()) === 0) break;
      if (this.delivered >= this.entries.length) continue;
      const entry = this.entries[this.delivered++] as PutEventsRequestEntry;
      const detail = JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>;
      const wire = { source: entry.Source, 'detail-type': entry.DetailType, detail };
      if (entry.DetailType === 'DispatchCommand' || entry.DetailType === 'CommandCancelled')
        this.published.push({ detailType: entry.DetailType, detail });
      for (const sub of busSubscriptions) {
        if (!matchesPattern(subscriptionPattern(sub), wire)) continue;
        for (let attempt = 1; ; attempt++) {
          try {
            await this.deliver(sub.name, entry.DetailType as string, entry.Source as string, detail);
            break;
          } catch (e) {
            this.failedAttempts++;
            if (attempt >= attempts) throw e;
          }
        }
      }
    }
  }

  /**
   * Relays what waits in the outbox to the (mocked) bus, as the stream's relay would: every
   * message a state change stored, in the order written.
   */
  async relay(): Promise<number> {
    let relayed = 0;
    // A failed read or PutEvents is tried again, as the stream retries a failed batch.
    for (let attempt = 1; ; attempt++) {
      try {
        const due = await this.deps.outbox.due('9999', 1000);
        if (due.length === 0) return relayed;
        await relayOutbox(this.deps, due);
        relayed += due.length;
        attempt = 0;
      } catch (e) {
        this.failedRelays++;
        if (attempt >= 20) throw e;
      }
    }
  }

  /** Relay attempts that failed and were tried again. */
  failedRelays = 0;

  /** Consumer invocations that threw (and were retried by `pump`). */
  failedAttempts = 0;

  /** EventBridge faults: a whole PutEvents call throttled, or single entries failed (retryable). */
  putEventsFaults: { throttleCall(): boolean; failEntry(): boolean } | undefined;

  /**
   * DynamoDB faults below the SDK: while `share > 0`, that share of requests is answered
   * `ProvisionedThroughputExceededException` as DynamoDB would, so the SDK's retries and then the
   * callers' are what recover. Returns a counter of the faults injected.
   */
  throttleDynamoDb(
    client: { config: { requestHandler: unknown } },
    share: () => number,
    random: () => number,
  ) {
    const handler = client.config.requestHandler as { handle: (...args: unknown[]) => Promise<unknown> };
    const original = handler.handle.bind(handler);
    const injected = { count: 0 };
    handler.handle = async (...args: unknown[]) => {
      if (random() < share()) {
        injected.count++;
        const body = JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'injected: the level of configured provisioned throughput for the table was exceeded',
        });
        return {
          response: {
            statusCode: 400,
            headers: {
              'content-type': 'application/x-amz-json-1.0',
              'x-amzn-errortype': 'ProvisionedThroughputExceededException',
            },
            body: new TextEncoder().encode(body),
          },
        };
      }
      return original(...args);
    };
    return injected;
  }

  /** Fires every captured schedule whose name starts with `prefix` (say `replan-<event>`), in name order. */
  async fireAll(prefix: string): Promise<string[]> {
    const names = [...this.schedules.keys()].filter((n) => n.startsWith(prefix)).sort();
    for (const name of names) {
      await this.fire(name);
      this.schedules.delete(name); // fired one-time schedules delete themselves
    }
    return names;
  }

  /**
   * Fires a captured one-time schedule, as EventBridge Scheduler would at its time; `attempts` as
   * for {@link pump} (what the consumers it reaches are retried).
   */
  async fire(scheduleName: string, options: { attempts?: number } = {}): Promise<void> {
    const s = this.schedules.get(scheduleName);
    if (!s?.Target?.EventBridgeParameters) throw new Error(`no schedule '${scheduleName}'`);
    const { DetailType, Source } = s.Target.EventBridgeParameters;
    this.entries.push({ Source, DetailType, Detail: s.Target.Input });
    await this.pump(options);
  }
}
