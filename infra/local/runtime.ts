/**
 * `startLocal`: the coordinator on this machine. It starts DynamoDB Local with the tables CDK
 * deploys, the simulation clock, the schedule store and the in-process bus; builds every function
 * from its definition (`functions.ts`) with this runtime's own dependencies; routes the bus to the
 * consumers with the stack's rule patterns; serves the gateway; seeds the demo and starts the BMS
 * simulator (`seeding.ts`); and drives time (`time-driver.ts`). Two runtimes in one process share
 * nothing: each builds its own clients, clock, stores and tokens.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { invocationOf, throwIfBatchFailed } from '../../functions/commons/bus.ts';
import { busFunctions, outboxRelayFunction, preTokenFunction } from '../../functions/definitions.ts';
import type { PreTokenEvent } from '../../functions/identity/pre-token.ts';
import { type BusSubscription, busSubscriptions, subscriptionPattern } from '../../functions/routes.ts';
import { createTables } from '../../lib/adapters/dynamodb/create-tables.ts';
import type { Deps } from '../../lib/app/config.ts';
import { errorMessage } from '../../lib/caught-errors.ts';
import { type BusEvent, LocalBus } from './bus.ts';
import { SimulationClock } from './clock.ts';
import { controlRoutes } from './control-routes.ts';
import { DEV_AUDIENCE, DevTokens } from './dev-tokens.ts';
import { LOCAL_AWS, type RunningDynamoDb, startDynamoDbLocal } from './dynamodb-local.ts';
import {
  buildLocalFunctions,
  LOCAL_IDEMPOTENCY_TABLE,
  LOCAL_TABLE,
  type LocalFunction,
} from './functions.ts';
import { gateway } from './gateway.ts';
import { LocalIntegrations } from './integrations.ts';
import type { TokenRequest } from './local-api.ts';
import { OutboxStream } from './outbox-stream.ts';
import { LocalSchedules } from './schedules.ts';
import { SIM_INTEGRATION, seedAndSimulate } from './seeding.ts';
import { isFreshStore, moveStore, stagingFolder } from './staged-store.ts';
import { TimeDriver } from './time-driver.ts';

export type { LocalIntegration } from './integrations.ts';
export { SIM_INTEGRATION };

export interface LocalOptions {
  /** HTTP port of the gateway; 0 picks a free one. Default 8787. */
  port?: number;
  host?: string;
  /** Where the store, schedules, clock and secrets are kept. Default `.flexdr/` in the repository. */
  dataDir?: string;
  /** Keep nothing on disk (tests, throw-away runs). */
  inMemory?: boolean;
  /** Run the BMS simulator for the buildings of integration `sim`. Default true. */
  simulator?: boolean;
  /** Seed the demo parks, program and past readings when the store has no park. Default true. */
  seed?: boolean;
  /** Share of commands the simulator declines. Default 0.1. */
  declineProbability?: number;
  /** Simulated seconds per real second of the free-running clock (0 pauses it). */
  speed?: number;
  /** Simulation time of a fresh store (default: now). */
  startAt?: number;
  /**
   * One line per happening (start-up steps, bus traffic, commands, errors), with the simulation
   * clock's time when it was said (absent before the clock runs).
   */
  log?: (line: string, simulatedMs?: number) => void;
  /** Also log every HTTP request. */
  accessLog?: boolean;
  /** Log nothing (the default when `log` is absent). */
  quiet?: boolean;
  /** A CA (PEM) trusted for OpenADR webhooks, such as a local receiver's self-signed certificate. */
  openadrWebhookCa?: string;
  /**
   * Settings every function reads, as the stack's environment would give them
   * (`ACK_TIMEOUT_MINUTES`, `OPENADR_WEBHOOK_BACKOFF_MS`, ...; `functions/commons/env.ts`).
   */
  settings?: Readonly<Record<string, string>>;
}

export interface LocalRuntime {
  url: string;
  dynamodbEndpoint: string;
  dataDir: string | undefined;
  clock: SimulationClock;
  bus: LocalBus;
  schedules: LocalSchedules;
  tokens: DevTokens;
  /** Development token of a role (printed at start). */
  token(request: TokenRequest): Promise<string>;
  /** Jumps the clock ahead, firing schedules and stepping the simulator on the way; resolves when quiet. */
  advance(minutes: number): Promise<void>;
  now(): number;
  /** Resolves when the bus has nothing queued or in flight. */
  idle(): Promise<void>;
  /** Every port with every grant, over this runtime's store, bus and clock (tools and tests). */
  deps: Deps;
  /** This runtime's functions by definition id (`functions/definitions.ts`), as the gateway and bus call them. */
  functions: ReadonlyMap<string, LocalFunction>;
  /** Stops DynamoDB Local and starts it again on the same port and data (a store outage, for tests). */
  restartStore(): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_PORT = 8787;
const REGION = LOCAL_AWS.region;

const repoRoot = resolve(new URL('../..', import.meta.url).pathname);

async function portIsFree(port: number, host: string): Promise<boolean> {
  if (port === 0) return true;
  return new Promise((ok) => {
    const probe = createServer();
    probe.once('error', () => ok(false));
    probe.listen(port, host, () => probe.close(() => ok(true)));
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A one-line summary of a bus event for the terminal. */
export function describeEvent(e: BusEvent): string {
  const d = e.detail as Record<string, unknown>;
  const cmd = d.command as { kind?: string; eventId?: string; revision?: number } | undefined;
  const parts = [
    d.eventId ?? cmd?.eventId,
    d.revision !== undefined
      ? `r${d.revision}`
      : cmd?.revision !== undefined
        ? `r${cmd.revision}`
        : undefined,
    d.buildingId,
  ].filter((x) => x !== undefined);
  return `${e['detail-type']} ${parts.join(' ')}`.trim();
}

export async function startLocal(options: LocalOptions = {}): Promise<LocalRuntime> {
  const say = options.quiet ? undefined : options.log;
  let simulatedNow: (() => number) | undefined;
  const log = (line: string) => say?.(line, simulatedNow?.());
  /** Errors are said even when the runtime is quiet. */
  const logError = (line: string) => (say ? say(line, simulatedNow?.()) : console.error(line));
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_PORT;
  const dataDir = options.inMemory ? undefined : resolve(options.dataDir ?? join(repoRoot, '.flexdr'));
  const cleanup: (() => Promise<void> | void)[] = [];
  const fail = async (e: unknown): Promise<never> => {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => {});
    throw e;
  };

  if (!(await portIsFree(port, host)))
    throw new Error(
      `port ${port} on ${host} is taken (another npm start?): stop it or choose one with --port`,
    );

  if (dataDir) {
    mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
    const pidFile = join(dataDir, 'runtime.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid))
        throw new Error(
          `another FlexDR runtime (pid ${pid}) uses ${dataDir}: stop it, or run this one with --in-memory`,
        );
    }
    writeFileSync(pidFile, String(process.pid));
    cleanup.push(() => rmSync(pidFile, { force: true }));
  }

  // 1. DynamoDB Local, and the tables from the layout CDK deploys. A fresh store that is to be
  // seeded is built in RAM and moved to the data folder once seeded (staged-store.ts).
  const storeDir = dataDir && join(dataDir, 'dynamodb');
  const staging = storeDir && options.seed !== false && isFreshStore(storeDir) ? stagingFolder() : undefined;
  if (staging) {
    const removeStaging = () => rmSync(staging, { recursive: true, force: true });
    process.once('exit', removeStaging);
    cleanup.push(() => {
      process.off('exit', removeStaging);
      removeStaging();
    });
  }
  log(
    `starting DynamoDB Local (${storeDir ? `data in ${storeDir}${staging ? `, built in ${staging} first` : ''}` : 'in memory'})`,
  );
  let dynamo: RunningDynamoDb;
  try {
    dynamo = await startDynamoDbLocal(storeDir ? { path: staging ?? storeDir } : {});
  } catch (e) {
    const hint = storeDir
      ? `\nIf the store at ${storeDir} is corrupted, move it away (or run npm start -- --reset), or try --in-memory.`
      : '';
    return fail(new Error(`${errorMessage(e)}${hint}`));
  }
  cleanup.push(() => dynamo.stop());
  log(`DynamoDB Local on ${dynamo.endpoint}`);
  try {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
    await createTables(client, { table: LOCAL_TABLE, idempotencyTable: LOCAL_IDEMPOTENCY_TABLE });
    client.destroy();
  } catch (e) {
    return fail(new Error(`could not create the tables in DynamoDB Local: ${errorMessage(e)}`));
  }

  // 2. Clock, schedules, bus.
  let clock: SimulationClock;
  let schedules: LocalSchedules;
  try {
    clock = SimulationClock.open(dataDir && join(dataDir, 'clock.json'), {
      ...(options.startAt !== undefined ? { startMs: options.startAt } : {}),
      ...(options.speed !== undefined ? { speed: options.speed } : {}),
    });
    schedules = LocalSchedules.open(dataDir && join(dataDir, 'schedules.json'));
  } catch (e) {
    return fail(e);
  }
  simulatedNow = () => clock.now();
  const bus = new LocalBus({
    busName: 'flexdr',
    account: '000000000000',
    region: REGION,
    now: () => clock.now(),
    // EventBridge retries for up to a day; here about half a minute (0.25 s doubling, 8 attempts),
    // enough to ride out a store restart without dead-lettering what was in flight.
    attempts: 8,
    retryDelayMs: 250,
    onDelivered: (e, target) => log(`bus  ${describeEvent(e)} → ${target}`),
    onDeadLetter: (l) =>
      logError(
        `bus  FAILED ${describeEvent(l.event)} → ${l.target} after ${l.attempts} attempts: ${l.error}`,
      ),
  });

  // 3. Every function, from its definition, with this runtime's dependencies.
  let functions: Awaited<ReturnType<typeof buildLocalFunctions>>;
  try {
    functions = await buildLocalFunctions({
      dynamodbEndpoint: dynamo.endpoint,
      bus,
      schedules,
      clock,
      settings: {
        // Webhooks to this machine are the point locally; on AWS they are refused (SSRF).
        OPENADR_ALLOW_PRIVATE_CALLBACKS: 'true',
        ...(options.openadrWebhookCa ? { OPENADR_WEBHOOK_CA: options.openadrWebhookCa } : {}),
        ...options.settings,
      },
      // Lambda's limits, said out loud where a function comes near them (or past: a timeout fails
      // the invocation as on AWS; memory is only reported, as this process is shared).
      onInvocation: (r) => {
        const what = r.timedOut
          ? 'TIMED OUT'
          : r.durationMs > 0.8 * r.timeoutMs
            ? 'near its timeout'
            : r.peakHeapMb > r.memoryMb
              ? 'heap above its memory'
              : undefined;
        if (what)
          logError(
            `limits  ${r.functionId}: ${what}, ${(r.durationMs / 1000).toFixed(1)} s of ${r.timeoutMs / 1000} s, peak heap ${r.peakHeapMb.toFixed(0)} MB of ${r.memoryMb} MB`,
          );
      },
    });
  } catch (e) {
    return fail(e);
  }
  const { deps } = functions;

  // 4. Rules: the coordinator's consumers, with the CDK stack's patterns.
  for (const sub of busSubscriptions) {
    const fn = functions.byId.get(busFunctions[sub.name].id) as LocalFunction;
    bus.addTarget({
      name: sub.name,
      pattern: subscriptionPattern(sub),
      // A queued subscription gets its SQS batch, and its event source mapping's concurrency.
      maxConcurrency: (sub as BusSubscription).queue?.maxConcurrency,
      deliver: async (event) => {
        throwIfBatchFailed(sub, await fn.invoke(invocationOf(sub, event)));
      },
    });
  }

  // 5. BMS integrations, development tokens (with a secret kept across restarts), time.
  const integrations = new LocalIntegrations(bus);
  let secret: string | undefined;
  if (dataDir) {
    const file = join(dataDir, 'dev-secret');
    if (!existsSync(file)) writeFileSync(file, DevTokens.newSecret(), { mode: 0o600 });
    secret = readFileSync(file, 'utf8').trim();
  }
  // Bindings enter tokens as on AWS: through the pre-token function, reading the store.
  const preToken = functions.byId.get(preTokenFunction.id) as LocalFunction;
  const tokens = new DevTokens(secret, async (subject) => {
    const event = {
      triggerSource: 'TokenGeneration_Authentication',
      callerContext: { clientId: DEV_AUDIENCE },
      request: { userAttributes: { sub: subject } },
      response: {},
    };
    const answer = (await preToken.invoke(event)) as PreTokenEvent;
    return answer.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.claimsToAddOrOverride ?? {};
  });
  const token = async (request: TokenRequest) => (await tokens.issue(request)).token;
  const time = new TimeDriver({ clock, schedules, bus, log });

  // 6. The gateway.
  let consoleFiles: Promise<Map<string, { contentType: string; body: Uint8Array }>> | undefined;
  const files = () => {
    consoleFiles ??= import('./console/build.ts')
      .then((m: { buildConsole: () => Promise<Map<string, { contentType: string; body: Uint8Array }>> }) =>
        m.buildConsole(),
      )
      .catch((e: unknown) => {
        log(`console could not be built: ${errorMessage(e)}`);
        return new Map();
      });
    return consoleFiles;
  };
  const server: Server = createServer(
    gateway({
      functions: functions.byId,
      verify: (t) => tokens.verify(t),
      local: controlRoutes({ deps, tokens, clock, time, bus, schedules, integrations }),
      files,
      ...(options.accessLog
        ? { onRequest: log }
        : { onRequest: (l) => l.startsWith('gateway error') && log(l) }),
    }),
  );
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((ok, ko) => {
      server.once('error', ko);
      server.listen(port, host, () => ok());
    });
  } catch (e) {
    return fail(new Error(`the gateway could not listen on ${host}:${port}: ${errorMessage(e)}`));
  }
  cleanup.push(
    () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  );
  server.unref();
  const address = server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
  log(`HTTP API on ${url}`);

  // 7. The demo park, and the BMS simulator for the buildings of integration `sim`.
  try {
    await seedAndSimulate({
      url,
      deps,
      now: () => clock.now(),
      token,
      seed: options.seed !== false,
      simulator: options.simulator !== false,
      declineProbability: options.declineProbability ?? 0.1,
      onSimulator: (s) => {
        time.simulator = s;
        cleanup.push(() => s.stop());
        integrations.set(SIM_INTEGRATION, { mode: 'webhook', url: s.webhookUrl, secret: s.secret });
      },
      log,
    });
    if (staging && storeDir) {
      // Same port, so every client and the endpoint printed stay right.
      await bus.idle();
      const port = dynamo.port;
      await dynamo.stop();
      moveStore(staging, storeDir);
      dynamo = await startDynamoDbLocal({ port, path: storeDir });
      log(`the seeded store moved to ${storeDir}`);
    }
  } catch (e) {
    return fail(e);
  }

  // 8. The outbox's relay, fed from DynamoDB Local's stream; what a killed process left in the
  //    outbox is relayed now.
  const stream = new OutboxStream({
    endpoint: dynamo.endpoint,
    table: LOCAL_TABLE,
    relay: functions.byId.get(outboxRelayFunction.id) as LocalFunction,
    outbox: deps.outbox,
    log,
  });
  try {
    await stream.start();
    cleanup.push(() => stream.stop());
    bus.addUpstream(() => stream.drain());
    const swept = await stream.sweep();
    if (swept > 0) log(`outbox: ${swept} entries left by the last run relayed`);
  } catch (e) {
    return fail(new Error(`the outbox's stream could not be read: ${errorMessage(e)}`));
  }

  // 9. Free-running time: schedules fire and the simulator steps as the clock moves.
  time.start();
  cleanup.push(() => time.stop());

  let stopped = false;
  return {
    url,
    dynamodbEndpoint: dynamo.endpoint,
    dataDir,
    clock,
    bus,
    schedules,
    tokens,
    deps,
    functions: functions.byId,
    token,
    advance: (minutes) => time.advance(minutes),
    now: () => clock.now(),
    idle: () => bus.idle(),
    async restartStore() {
      const port = dynamo.port;
      await dynamo.stop();
      log('DynamoDB Local stopped; starting it again');
      dynamo = await startDynamoDbLocal({ port, ...(storeDir ? { path: storeDir } : {}) });
      log(`DynamoDB Local on ${dynamo.endpoint} again`);
      await stream.recover();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => {});
    },
  };
}
