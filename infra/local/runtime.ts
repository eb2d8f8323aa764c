import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { busSubscriptions, integrationPattern, subscriptionPattern } from '../../functions/routes.ts';
import { createTables } from '../../lib/adapters/dynamodb/create-tables.ts';
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  sign,
  TIMESTAMP_HEADER,
} from '../../lib/adapters/webhook/signature.ts';
import type { Building, Park } from '../../lib/domain/model/building.ts';
import { Program } from '../../lib/domain/model/program.ts';
import { apiCall } from './api-client.ts';
import { localEventBridgeClient, localSchedulerClient } from './aws-emulation.ts';
import { type BusEvent, LocalBus } from './bus.ts';
import { SimulationClock } from './clock.ts';
import { DevTokens } from './dev-tokens.ts';
import { LOCAL_AWS, type RunningDynamoDb, startDynamoDbLocal } from './dynamodb-local.ts';
import { gateway, type LocalReply, type LocalRequest } from './gateway.ts';
import { lambdaContext } from './lambda-context.ts';
import { ClockChange, type Identity, TokenRequest } from './local-api.ts';
import { LocalSchedules } from './schedules.ts';
import { seedWindow } from './seed-history.ts';
import { isWorkday } from './sim/loads.ts';
import type { SimulatorHandle } from './sim-driver.ts';
import { isFreshStore, moveStore, stagingFolder } from './staged-store.ts';

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
  /** Stops DynamoDB Local and starts it again on the same port and data (a store outage, for tests). */
  restartStore(): Promise<void>;
  stop(): Promise<void>;
}

/** How a BMS integration receives its commands here. */
export type LocalIntegration = { mode: 'webhook'; url: string; secret: string } | { mode: 'pull' };

export const DEFAULT_PORT = 8787;
export const SIM_INTEGRATION = 'sim';
const TABLE = 'flexdr';
const IDEMPOTENCY_TABLE = 'flexdr-idempotency';
const QUARTER_MS = 15 * 60_000;
const REGION = LOCAL_AWS.region;

type Handler = (event: unknown, context: Context) => Promise<unknown>;

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

  let pidFile: string | undefined;
  if (dataDir) {
    mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
    pidFile = join(dataDir, 'runtime.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid))
        throw new Error(
          `another FlexDR runtime (pid ${pid}) uses ${dataDir}: stop it, or run this one with --in-memory`,
        );
    }
    writeFileSync(pidFile, String(process.pid));
    const file = pidFile;
    cleanup.push(() => rmSync(file, { force: true }));
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
    return fail(new Error(`${(e as Error).message}${hint}`));
  }
  cleanup.push(() => dynamo.stop());
  log(`DynamoDB Local on ${dynamo.endpoint}`);

  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    IDEMPOTENCY_TABLE_NAME: IDEMPOTENCY_TABLE,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    BUS_NAME: 'flexdr',
    BUS_ARN: `arn:aws:events:${REGION}:000000000000:event-bus/flexdr`,
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/flexdr-local-scheduler',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_DEV: 'true',
    // Webhooks to this machine are the point locally; on AWS they are refused (SSRF).
    OPENADR_ALLOW_PRIVATE_CALLBACKS: 'true',
  });
  if (options.openadrWebhookCa) process.env.OPENADR_WEBHOOK_CA = options.openadrWebhookCa;
  else delete process.env.OPENADR_WEBHOOK_CA;
  // Imported only now: Powertools reads its environment when these modules load.
  const { resetClients, useClients } = await import('../../functions/commons/clients.ts');
  const { getDeps, setClock, setDeps } = await import('../../functions/commons/deps.ts');
  const { resetEnv } = await import('../../functions/commons/env.ts');
  resetEnv();
  resetClients();
  setDeps(undefined);
  try {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, ...LOCAL_AWS });
    await createTables(client, { table: TABLE, idempotencyTable: IDEMPOTENCY_TABLE });
    client.destroy();
  } catch (e) {
    return fail(new Error(`could not create the tables in DynamoDB Local: ${(e as Error).message}`));
  }

  // 2. Clock, schedules, bus; the SDK clients of the adapters answered in process.
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
  setClock(clock);
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
  useClients({
    eventBridge: localEventBridgeClient(bus, REGION),
    scheduler: localSchedulerClient(schedules, REGION),
  });

  // 3. Rules: the coordinator's consumers, with the CDK stack's patterns.
  for (const sub of busSubscriptions) {
    const url = new URL(`../../functions/bus/${sub.name}.ts`, import.meta.url).href;
    const handler = import(url).then((m: { handler: Handler }) => m.handler);
    bus.addTarget({
      name: sub.name,
      pattern: subscriptionPattern(sub),
      deliver: async (event) => {
        await (await handler)(
          event,
          lambdaContext(sub.name, { timeoutMs: 300_000, memoryMb: 1024, region: REGION }),
        );
      },
    });
  }

  // 4. BMS integrations: a signed webhook each, or pull mode (commands read through the API).
  const integrations = new Map<string, LocalIntegration>();
  const setIntegration = (id: string, integration: LocalIntegration) => {
    integrations.set(id, integration);
    bus.removeTarget(`bms:${id}`);
    if (integration.mode !== 'webhook') return;
    bus.addTarget({
      name: `bms:${id}`,
      pattern: integrationPattern(id),
      deliver: async (event) => {
        const body = JSON.stringify(event);
        const timestamp = Math.floor(Date.now() / 1000);
        const res = await fetch(integration.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            // The bus message's id names the delivery: the same on the bus's retries.
            [SIGNATURE_HEADER]: sign(integration.secret, timestamp, event.id, body),
            [TIMESTAMP_HEADER]: String(timestamp),
            [DELIVERY_HEADER]: event.id,
          },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        if (!res.ok) throw new Error(`webhook ${integration.url} answered ${res.status}`);
      },
    });
  };

  // 5. Development tokens, with a secret kept across restarts.
  let secret: string | undefined;
  if (dataDir) {
    const file = join(dataDir, 'dev-secret');
    if (!existsSync(file)) writeFileSync(file, DevTokens.newSecret(), { mode: 0o600 });
    secret = readFileSync(file, 'utf8').trim();
  }
  const tokens = new DevTokens(secret);
  const token = async (request: TokenRequest) => (await tokens.issue(request)).token;

  // 6. The gateway.
  let advancing: Promise<void> = Promise.resolve();
  let busy = false;
  let simulator: SimulatorHandle | undefined;
  let consoleFiles: Promise<Map<string, { contentType: string; body: Uint8Array }>> | undefined;
  const files = () => {
    consoleFiles ??= import('./console/build.ts')
      .then((m: { buildConsole: () => Promise<Map<string, { contentType: string; body: Uint8Array }>> }) =>
        m.buildConsole(),
      )
      .catch((e: Error) => {
        log(`console could not be built: ${e.message}`);
        return new Map();
      });
    return consoleFiles;
  };

  const allParks = () => listAll<Park>((cursor) => getDeps().parks.list({ cursor, limit: 100 }));

  const identities = async (): Promise<Identity[]> => {
    const parks = await allParks();
    const sim = await simBuildings(parks);
    return [
      { label: 'Grid operator', request: { role: 'operator', subject: 'operator' } },
      ...parks.map(
        (p): Identity => ({
          label: `Park manager, ${p.name}`,
          request: { role: 'parkManager', subject: `manager-${p.parkId}`, parkIds: [p.parkId] },
        }),
      ),
      ...(sim.length
        ? [
            {
              label: `BMS of integration ${SIM_INTEGRATION} (${sim.length} buildings)`,
              request: {
                role: 'bms' as const,
                subject: `bms-${SIM_INTEGRATION}`,
                buildingIds: sim.map((b) => b.buildingId),
              },
            },
          ]
        : []),
    ];
  };

  const simBuildings = async (parks?: Park[]): Promise<Building[]> => {
    const out: Building[] = [];
    for (const p of parks ?? (await allParks()))
      out.push(
        ...(await listAll<Building>((cursor) =>
          getDeps().buildings.listByPark(p.parkId, { cursor, limit: 100 }),
        )),
      );
    return out.filter((b) => b.bmsIntegrationId === SIM_INTEGRATION);
  };

  const fireDue = async (): Promise<number> => {
    const due = await schedules.takeDue(clock.now());
    for (const s of due) {
      log(`schedule ${s.name} fires`);
      bus.publish(bus.envelope({ Source: s.source, DetailType: s.detailType, Detail: s.input }));
    }
    return due.length;
  };

  /** Moves the clock to `target` stop by stop: every quarter hour and every schedule on the way. */
  const advanceTo = async (target: number): Promise<void> => {
    for (;;) {
      const now = clock.now();
      const nextQuarter = Math.floor(now / QUARTER_MS) * QUARTER_MS + QUARTER_MS;
      const nextSchedule = schedules.next();
      const stop = Math.min(
        target,
        nextQuarter,
        nextSchedule !== undefined && nextSchedule > now ? nextSchedule : target,
      );
      await clock.set(stop);
      await simulator?.stepTo(stop);
      await fireDue();
      await bus.idle();
      if (stop >= target) return;
    }
  };

  const advance = (minutes: number): Promise<void> => {
    const run = advancing.then(async () => {
      busy = true;
      try {
        await advanceTo(clock.now() + minutes * 60_000);
      } finally {
        busy = false;
      }
    });
    advancing = run.catch(() => {});
    return run;
  };

  const local = async (r: LocalRequest): Promise<LocalReply | undefined> => {
    const bad = (message: string, status = 400): LocalReply => ({ status, body: { message } });
    if (r.path === '/local/identities' && r.method === 'GET')
      return { status: 200, body: await identities() };
    if (r.path === '/local/tokens' && r.method === 'POST') {
      const parsed = TokenRequest.safeParse(r.body);
      if (!parsed.success)
        return bad(
          `token request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      return { status: 200, body: await tokens.issue(parsed.data) };
    }
    if (r.path === '/local/clock' && r.method === 'GET')
      return { status: 200, body: { now: new Date(clock.now()).toISOString(), speed: clock.speed } };
    if (r.path === '/local/clock' && r.method === 'POST') {
      if (!r.claims) return bad('Unauthorized', 401);
      const parsed = ClockChange.safeParse(r.body);
      if (!parsed.success)
        return bad(`clock change: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      if (parsed.data.advanceMinutes !== undefined) await advance(parsed.data.advanceMinutes);
      if (parsed.data.speed !== undefined) await clock.setSpeed(parsed.data.speed);
      return { status: 200, body: { now: new Date(clock.now()).toISOString(), speed: clock.speed } };
    }
    if (r.path === '/local/bus' && r.method === 'GET') {
      if (!r.claims) return bad('Unauthorized', 401);
      return { status: 200, body: { events: bus.recent(200), deadLetters: bus.deadLetters } };
    }
    if (r.path === '/local/schedules' && r.method === 'GET') {
      if (!r.claims) return bad('Unauthorized', 401);
      return { status: 200, body: schedules.list() };
    }
    const m = /^\/local\/integrations\/([A-Za-z0-9._:@-]+)$/.exec(r.path);
    if (m && r.method === 'PUT') {
      if (!r.claims) return bad('Unauthorized', 401);
      const body = r.body as { url?: unknown; secret?: unknown } | undefined;
      if (body?.url === undefined) {
        setIntegration(m[1] as string, { mode: 'pull' });
        return { status: 200, body: { integrationId: m[1], mode: 'pull' } };
      }
      if (typeof body.url !== 'string' || !/^https?:\/\//.test(body.url))
        return bad('url must be an http(s) URL');
      const s =
        typeof body.secret === 'string' && body.secret.length >= 16 ? body.secret : DevTokens.newSecret();
      setIntegration(m[1] as string, { mode: 'webhook', url: body.url, secret: s });
      return { status: 200, body: { integrationId: m[1], mode: 'webhook', url: body.url, secret: s } };
    }
    return undefined;
  };

  const server: Server = createServer(
    gateway({
      verify: (t) => tokens.verify(t),
      local,
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
    return fail(new Error(`the gateway could not listen on ${host}:${port}: ${(e as Error).message}`));
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
    const operator = await token({ role: 'operator', subject: 'seed' });
    const empty = (await getDeps().parks.list({ limit: 1 })).items.length === 0;
    if (empty && options.seed !== false) {
      log('the store is empty: seeding the demo parks and program');
      await seedFleet(url, operator);
    }
    if (options.simulator !== false) {
      const buildings = await simBuildings();
      if (buildings.length > 0) {
        const { startSimulator } = await import('./sim-driver.ts');
        simulator = await startSimulator({
          apiUrl: url,
          buildings,
          token,
          // From the quarter hour under way, so its reading is whole (seeded history ends there).
          startMs: Math.floor(clock.now() / QUARTER_MS) * QUARTER_MS,
          declineProbability: options.declineProbability ?? 0.1,
          log,
        });
        const s = simulator;
        cleanup.push(() => s.stop());
        setIntegration(SIM_INTEGRATION, { mode: 'webhook', url: s.webhookUrl, secret: s.secret });
        log(`BMS simulator: ${buildings.length} buildings, webhook ${s.webhookUrl}`);
        if (empty && options.seed !== false) {
          const { DEMO_PROGRAMS } = await import('./sim/fleet.ts');
          const to = Math.floor(clock.now() / QUARTER_MS) * QUARTER_MS;
          const window = seedWindow(
            DEMO_PROGRAMS.map((p) => Program.parse(p).baseline),
            to,
            isWorkday,
          );
          const past = window.days.length > 0 ? window.days.join(', ') : 'no past day';
          log(`seeding the 15-minute readings the programs' baselines read: ${past}, and today so far`);
          const began = Date.now();
          let shown = 0;
          await s.seedHistory(window.fromMs, to, {
            keep: window.keep,
            onProgress: (stored, total) => {
              // a line a fifth of the way, so a slow disk shows it is moving
              const fifth = Math.floor((stored / total) * 5);
              if (fifth <= shown) return;
              shown = fifth;
              log(
                `  ${stored.toLocaleString('en')} of ${total.toLocaleString('en')} readings stored (${((Date.now() - began) / 1000).toFixed(0)} s)`,
              );
            },
          });
        }
        await s.stepTo(clock.now());
      }
    }
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

  // 8. Free-running time: schedules fire and the simulator steps as the clock moves.
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      await simulator?.stepTo(clock.now());
      await fireDue();
    })()
      .catch((e: Error) => log(`tick failed: ${e.message}`))
      .finally(() => {
        busy = false;
      });
  }, 1_000);
  cleanup.push(() => clearInterval(timer));
  const saver = setInterval(() => void clock.save().catch(() => {}), 10_000);
  cleanup.push(() => clearInterval(saver));
  cleanup.push(() => clock.save());

  let stopped = false;
  return {
    url,
    dynamodbEndpoint: dynamo.endpoint,
    dataDir,
    clock,
    bus,
    schedules,
    tokens,
    token,
    advance,
    now: () => clock.now(),
    idle: () => bus.idle(),
    async restartStore() {
      const port = dynamo.port;
      await dynamo.stop();
      log('DynamoDB Local stopped; starting it again');
      dynamo = await startDynamoDbLocal({ port, ...(storeDir ? { path: storeDir } : {}) });
      log(`DynamoDB Local on ${dynamo.endpoint} again`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await advancing;
      for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => {});
      setDeps(undefined);
    },
  };
}

async function listAll<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; cursor?: string | undefined }>,
) {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    out.push(...p.items);
    cursor = p.cursor;
  } while (cursor);
  return out;
}

/** Enrolls the demo program, parks and buildings through the API, as an operator would. */
async function seedFleet(url: string, token: string): Promise<void> {
  const { DEMO_PROGRAMS, demoFleet } = await import('./sim/fleet.ts');
  const put = (path: string, body: unknown) => apiCall(url, 'PUT', path, { token, body });
  for (const program of DEMO_PROGRAMS) await put(`/programs/${program.programId}`, program);
  const fleet = demoFleet();
  for (const p of fleet.parks) await put(`/parks/${p.parkId}`, p);
  await Promise.all(fleet.buildings.map((b) => put(`/buildings/${b.buildingId}`, b)));
}
