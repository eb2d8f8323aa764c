/**
 * One dispatch benchmark case in its own process:
 * `node --import tsx bench/dispatch-run.ts <buildings>`. Starts DynamoDB Local, seeds a fleet,
 * stubs the PutEvents endpoint on loopback (answers after 30 ms), then times an event from
 * acceptance to the last command published. Prints one JSON line.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS, startDynamoDbLocal } from '../infra/local/dynamodb-local.ts';
import { batchWrite } from '../lib/adapters/dynamodb/batch.ts';
import { buildingItem } from '../lib/adapters/dynamodb/building-repository.ts';
import { createTables } from '../lib/adapters/dynamodb/create-tables.ts';
import { dynamoRepositories } from '../lib/adapters/dynamodb/index.ts';
import { stateItem } from '../lib/adapters/dynamodb/telemetry-repository.ts';
import { EventBridgeCommandPublisher } from '../lib/adapters/eventbridge/command-publisher.ts';
import { EventBridgeEventPublisher } from '../lib/adapters/eventbridge/event-publisher.ts';
import type { Deps } from '../lib/app/config.ts';
import { DEFAULT_CONFIG } from '../lib/app/config.ts';
import { acceptEvent } from '../lib/app/events.ts';
import { dispatchPlanned, planAccepted } from '../lib/app/lifecycle.ts';
import { relayOutbox } from '../lib/app/outbox.ts';
import { GridEvent } from '../lib/domain/model/grid-event.ts';
import { makeFleet } from './fleet.ts';
import { startPutEventsStub } from './put-events-stub.ts';

const n = Number(process.argv[2] ?? 1000);
const STUB_DELAY_MS = 30;
const NOW = Date.parse('2026-12-14T09:00:00+08:00');

const stub = await startPutEventsStub(STUB_DELAY_MS);

const db = await startDynamoDbLocal();
try {
  const client = new DynamoDBClient({ endpoint: db.endpoint, ...LOCAL_AWS, maxAttempts: 10 });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  await createTables(client, { table: 'flexdr', idempotencyTable: 'flexdr-idempotency' });

  // Seed: park, program, buildings with indexes, states.
  const fleet = makeFleet(7, n, 16);
  const seedStart = performance.now();
  const repos = dynamoRepositories(doc, 'flexdr', { readingRetentionDays: 120, now: () => NOW });
  await repos.programs.put({
    programId: 'p',
    name: 'peak',
    baseline: { method: 'PRE_EVENT', minutesBefore: 15 },
    settlement: { unit: 'YUAN_PER_KWH', price: 1, minRatio: 0.8, maxRatio: 1.2 },
  });
  await batchWrite(doc, 'flexdr', [
    ...fleet.map((m) => ({ PutRequest: { Item: buildingItem(m.building) } })),
    ...fleet.map((m) => ({ PutRequest: { Item: stateItem(m.building.buildingId, { state: m.state }, 1) } })),
  ]);
  const seedMs = performance.now() - seedStart;

  // Wall-clock time per stage: a stage counts while at least one of its calls is in flight.
  const stages = { readScope: 0, store: 0, publish: 0 };
  const active = { readScope: 0, store: 0, publish: 0 };
  const since = { readScope: 0, store: 0, publish: 0 };
  const timed = <T extends object>(target: T, stage: keyof typeof stages): T =>
    new Proxy(target, {
      get(t, prop, receiver) {
        const v = Reflect.get(t, prop, receiver);
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          if (active[stage]++ === 0) since[stage] = performance.now();
          const started = performance.now();
          try {
            return await (v as (...a: unknown[]) => Promise<unknown>).apply(t, args);
          } finally {
            if (--active[stage] === 0) stages[stage] += performance.now() - since[stage];
            if (process.env.BENCH_TRACE)
              console.error(`${stage} ${String(prop)} ${(performance.now() - started).toFixed(0)} ms`);
          }
        };
      },
    });
  const eventBridge = new EventBridgeClient({
    endpoint: stub.url,
    ...LOCAL_AWS,
    maxAttempts: 1,
  });
  const deps: Deps = {
    clock: { now: () => NOW },
    ...repos,
    buildings: timed(repos.buildings, 'readScope'),
    telemetry: timed(repos.telemetry, 'readScope'),
    reservations: {
      ofBuildings: timed(repos.reservations, 'readScope').ofBuildings.bind(repos.reservations),
      commit: timed(repos.reservations, 'store').commit.bind(repos.reservations),
      release: repos.reservations.release.bind(repos.reservations),
      deleteOf: repos.reservations.deleteOf.bind(repos.reservations),
    },
    commands: timed(repos.commands, 'store'),
    events: timed(repos.events, 'store'),
    commandPublisher: new EventBridgeCommandPublisher(eventBridge, 'flexdr', { concurrency: 16 }),
    // Commands reach the bus through the outbox: the relay below publishes them.
    eventPublisher: timed(new EventBridgeEventPublisher(eventBridge, 'flexdr'), 'publish'),
    scheduler: { scheduleOnce: async () => {}, cancel: async () => {} },
    webhooks: {
      verify: async () => ({ ok: false, attempts: 0, error: 'no webhooks in this benchmark' }),
      deliver: async () => ({ ok: false, attempts: 0, error: 'no webhooks in this benchmark' }),
    },
    config: { ...DEFAULT_CONFIG },
  };

  const event = GridEvent.parse({
    eventId: `bench-${n}`,
    programId: 'p',
    type: 'PEAK_SHAVING',
    start: '2026-12-14T17:00:00+08:00',
    end: '2026-12-14T21:00:00+08:00',
    intervalMinutes: 15,
    targetsKw: new Array(16).fill(n * 30),
    scope: { zones: ['mengxi'] },
    noticeAt: '2026-12-14T09:00:00+08:00',
  });
  const who = { subject: 'bench', role: 'operator' as const, parkIds: [], buildingIds: [] };
  const t0 = performance.now();
  await acceptEvent(deps, who, event);
  const t1 = performance.now();
  await planAccepted(deps, { eventId: event.eventId, revision: 1 });
  const t2 = performance.now();
  const planStages = { ...stages };
  const { published, failed } = await dispatchPlanned(deps, { eventId: event.eventId, revision: 1 });
  // The stream's relay: the outbox's entries, 100 an invocation, as the stream delivers them.
  for (;;) {
    const page = await repos.outbox.due('9999', 100);
    if (page.length === 0) break;
    await relayOutbox(deps, page);
  }
  const t3 = performance.now();
  const planTotal = t2 - t1;
  console.log(
    JSON.stringify({
      buildings: n,
      seedMs,
      acceptMs: t1 - t0,
      readScopeMs: planStages.readScope,
      planMs: planTotal - planStages.readScope - planStages.store,
      storeMs: planStages.store,
      publishMs: stages.publish,
      markPublishedMs: t3 - t2 - stages.publish,
      totalMs: t3 - t0,
      commands: published,
      failed,
      putEventsCalls: stub.calls,
      // Every entry the outbox held: the commands, and the accept and plan announcements before them.
      lowerBound: Math.ceil(stub.entries / 10),
      entries: stub.entries,
      peakMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
  client.destroy();
} finally {
  await db.stop();
  stub.close();
}
