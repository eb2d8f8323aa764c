/**
 * One province case in its own process: `node --import tsx bench/province-run.ts <buildings> [declineShare]`.
 * A synthetic province (parks of 20 buildings) on DynamoDB Local, one peak-shaving event from
 * acceptance to settlement, each step the use-case its function runs, called as often as the
 * function would be invoked: accept, plan, dispatch (and the outbox relay, 100 entries an
 * invocation as the stream delivers them), one answer per command (a seeded share declines),
 * the debounced re-plan and its dispatch, the deadline, the readings, the evaluation.
 *
 * Per stage it measures the wall time, the invocations, the longest against its function's
 * configured timeout, the most item writes to one partition key in any second (a middleware on
 * the DynamoDB client), PutEvents calls against ceil(entries / 10) (a loopback stub that answers
 * after 30 ms), and the process's peak RSS. Prints one JSON line.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  busFunctions,
  type FunctionDefinition,
  httpFunctions,
  outboxRelayFunction,
} from '../functions/definitions.ts';
import { LOCAL_AWS, startDynamoDbLocal } from '../infra/local/dynamodb-local.ts';
import { mulberry32 } from '../infra/local/sim/random.ts';
import { batchWrite } from '../lib/adapters/dynamodb/batch.ts';
import { buildingItem } from '../lib/adapters/dynamodb/building-repository.ts';
import { createTables } from '../lib/adapters/dynamodb/create-tables.ts';
import { dynamoRepositories } from '../lib/adapters/dynamodb/index.ts';
import { stateItem } from '../lib/adapters/dynamodb/telemetry-repository.ts';
import { EventBridgeEventPublisher } from '../lib/adapters/eventbridge/event-publisher.ts';
import { DEFAULT_CONFIG, type Deps } from '../lib/app/config.ts';
import { evaluateEvent } from '../lib/app/evaluation.ts';
import { acceptEvent } from '../lib/app/events.ts';
import {
  ackDeadlineReached,
  acknowledgeCommand,
  dispatchPlanned,
  planAccepted,
  replanDeclined,
  requestReplan,
} from '../lib/app/lifecycle.ts';
import { relayOutbox } from '../lib/app/outbox.ts';
import { trackDelivery } from '../lib/app/tracking.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { GridEvent } from '../lib/domain/model/grid-event.ts';
import { toIso } from '../lib/domain/time.ts';
import type { CommandRecord } from '../lib/ports.ts';
import { makeFleet } from './fleet.ts';
import type { ProvinceStage } from './province.ts';
import { startPutEventsStub } from './put-events-stub.ts';

const n = Number(process.argv[2] ?? 2000);
const declineShare = Number(process.argv[3] ?? 0.1);
const STUB_DELAY_MS = 30;
const NOTICE = Date.parse('2026-12-14T09:00:00+08:00');
const START = Date.parse('2026-12-14T17:00:00+08:00');
const INTERVALS = 16;
const END = START + INTERVALS * 15 * 60_000;
/** Answers in flight at once, as many BMS answering together. */
const ANSWERS_IN_FLIGHT = 32;

const stub = await startPutEventsStub(STUB_DELAY_MS);

/** Item writes per partition key per second of the current stage. */
let writes = new Map<string, number>();
const pkOf = (item: unknown): string | undefined => {
  const pk = (item as { pk?: unknown } | undefined)?.pk;
  if (typeof pk === 'string') return pk;
  return (pk as { S?: string } | undefined)?.S;
};
function countWrites(command: string, input: Record<string, unknown>): void {
  const keys: (string | undefined)[] = [];
  if (command === 'PutItem') keys.push(pkOf(input.Item));
  else if (command === 'UpdateItem' || command === 'DeleteItem') keys.push(pkOf(input.Key));
  else if (command === 'BatchWriteItem')
    for (const requests of Object.values(
      input.RequestItems as Record<string, Record<string, { Item?: unknown; Key?: unknown }>[]>,
    ))
      for (const r of requests) keys.push(pkOf(r.PutRequest?.Item ?? r.DeleteRequest?.Key));
  else if (command === 'TransactWriteItems')
    for (const t of input.TransactItems as Record<string, { Item?: unknown; Key?: unknown }>[])
      keys.push(pkOf(t.Put?.Item ?? t.Update?.Key ?? t.Delete?.Key));
  const second = Math.floor(performance.now() / 1000);
  for (const pk of keys) {
    if (!pk) continue;
    const k = `${pk} ${second}`;
    writes.set(k, (writes.get(k) ?? 0) + 1);
  }
}

const stages: ProvinceStage[] = [];

type Invoke = <R>(call: () => Promise<R>) => Promise<R>;

/** Measures one stage: `body` runs its invocations through `invoke`. */
async function measure(
  name: string,
  definition: FunctionDefinition,
  body: (invoke: Invoke) => Promise<unknown>,
) {
  writes = new Map();
  const calls0 = stub.calls;
  const entries0 = stub.entries;
  let longest = 0;
  let invocations = 0;
  const invoke: Invoke = async (call) => {
    const t = performance.now();
    invocations++;
    try {
      return await call();
    } finally {
      longest = Math.max(longest, performance.now() - t);
    }
  };
  const started = performance.now();
  await body(invoke);
  const wallMs = performance.now() - started;
  let hottest = ['', 0] as [string, number];
  for (const [k, v] of writes) if (v > hottest[1]) hottest = [k.split(' ')[0] ?? '', v];
  stages.push({
    stage: name,
    wallMs,
    invocations,
    fn: definition.id,
    longestMs: longest,
    timeoutS: definition.timeoutSeconds,
    maxWritesPerKeySecond: hottest[1],
    hottestKey: hottest[0].replace(/#.*/, '#…'),
    putEventsCalls: stub.calls - calls0,
    putEventsLowerBound: Math.ceil((stub.entries - entries0) / 10),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  });
}

/** `items.length` invocations of one function, `concurrency` at a time, as one stage. */
function stage<T>(
  name: string,
  definition: FunctionDefinition,
  items: readonly T[],
  concurrency: number,
  call: (item: T) => Promise<unknown>,
) {
  return measure(name, definition, (invoke) =>
    mapLimit([...items], concurrency, (item) => invoke(() => call(item))),
  );
}

const db = await startDynamoDbLocal();
try {
  const client = new DynamoDBClient({ endpoint: db.endpoint, ...LOCAL_AWS, maxAttempts: 10 });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      countWrites((context.commandName ?? '').replace(/Command$/, ''), args.input as Record<string, unknown>);
      return next(args);
    },
    { step: 'initialize', name: 'benchWriteCounter' },
  );
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  await createTables(client, { table: 'flexdr', idempotencyTable: 'flexdr-idempotency' });
  let now = NOTICE;
  const repos = dynamoRepositories(doc, 'flexdr', { readingRetentionDays: 120, now: () => now });
  const eventBridge = new EventBridgeClient({
    endpoint: stub.url,
    ...LOCAL_AWS,
    maxAttempts: 1,
  });
  const noSchedules = { scheduleOnce: async () => {}, cancel: async () => {} };
  const deps: Deps = {
    clock: { now: () => now },
    ...repos,
    commandPublisher: { publish: async () => [] } as unknown as Deps['commandPublisher'],
    eventPublisher: new EventBridgeEventPublisher(eventBridge, 'flexdr'),
    scheduler: noSchedules,
    webhooks: {
      verify: async () => ({ ok: false, attempts: 0, error: 'no webhooks here' }),
      deliver: async () => ({ ok: false, attempts: 0, error: 'no webhooks here' }),
    },
    config: { ...DEFAULT_CONFIG },
  };

  // The province: parks of 20 buildings, their states.
  const seedStart = performance.now();
  const fleet = makeFleet(17, n, INTERVALS);
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

  const event = GridEvent.parse({
    eventId: `province-${n}`,
    programId: 'p',
    type: 'PEAK_SHAVING',
    start: toIso(START),
    end: toIso(END),
    intervalMinutes: 15,
    targetsKw: new Array(INTERVALS).fill(n * 30),
    scope: { zones: ['mengxi'] },
    noticeAt: toIso(NOTICE),
  });
  const eventId = event.eventId;
  const operator = { subject: 'bench', role: 'operator' as const, parkIds: [], buildingIds: [] };

  await stage('accept', httpFunctions['create-event'], [event], 1, (e) => acceptEvent(deps, operator, e));
  await relayAll('relay GridEventAccepted');
  await stage('plan', busFunctions['plan-event'], [1], 1, (revision) =>
    planAccepted(deps, { eventId, revision }),
  );
  await relayAll('relay DispatchPlanned');
  await stage('dispatch', busFunctions['dispatch-event'], [1], 1, (revision) =>
    dispatchPlanned(deps, { eventId, revision }),
  );
  await relayAll('relay commands r1');

  // Every BMS answers; a seeded share declines.
  now = NOTICE + 60_000;
  const rng = mulberry32(99);
  const published = (await repos.commands.ofEvent(eventId)).filter((c) => c.status === 'PUBLISHED');
  const answers = published.map((c) => ({
    c,
    status: rng() < declineShare ? ('DECLINED' as const) : ('ACCEPTED' as const),
  }));
  const bmsOf = (c: CommandRecord) => ({
    subject: `bms-${c.command.buildingId}`,
    role: 'bms' as const,
    parkIds: [],
    buildingIds: [c.command.buildingId],
  });
  await stage(
    'acknowledge',
    httpFunctions['acknowledge-command'],
    answers,
    ANSWERS_IN_FLIGHT,
    ({ c, status }) => acknowledgeCommand(deps, bmsOf(c), c.command.commandId, { status }),
  );
  await relayAll('relay answers');
  const declines = answers.filter((a) => a.status === 'DECLINED');
  await stage(
    'declines ask for a re-plan',
    busFunctions['redispatch-declined'],
    declines,
    ANSWERS_IN_FLIGHT,
    () => requestReplan(deps, eventId),
  );
  now = NOTICE + 2 * 60_000;
  await stage('re-plan (one, debounced)', busFunctions['replan-event'], [eventId], 1, (id) =>
    replanDeclined(deps, id),
  );
  await relayAll('relay DispatchPlanned r2');
  const revision = (await repos.events.get(eventId))?.revision ?? 1;
  await stage('dispatch r2', busFunctions['dispatch-event'], [revision], 1, (r) =>
    dispatchPlanned(deps, { eventId, revision: r }),
  );
  await relayAll('relay commands r2');
  const second = (await repos.commands.ofEvent(eventId)).filter((c) => c.status === 'PUBLISHED');
  await stage('acknowledge r2', httpFunctions['acknowledge-command'], second, ANSWERS_IN_FLIGHT, (c) =>
    acknowledgeCommand(deps, bmsOf(c), c.command.commandId, { status: 'ACCEPTED' }),
  );
  await relayAll('relay answers r2');
  now = NOTICE + DEFAULT_CONFIG.ackTimeoutMinutes * 60_000;
  await stage('deadline r1', busFunctions['ack-deadline'], [1], 1, (r) =>
    ackDeadlineReached(deps, { eventId, revision: r }),
  );

  // Readings: the interval before the window, and the window with each executing building's response.
  const latest = new Map<string, CommandRecord>();
  for (const c of await repos.commands.ofEvent(eventId))
    if (c.status === 'ACKNOWLEDGED' && c.command.kind === 'DISPATCH') {
      const held = latest.get(c.command.buildingId);
      if (!held || held.command.revision < c.command.revision) latest.set(c.command.buildingId, c);
    }
  now = END + 5 * 60_000;
  const calendar = await repos.calendars.load();
  await stage(
    'readings (one post per building)',
    httpFunctions['report-telemetry'],
    fleet,
    ANSWERS_IN_FLIGHT,
    async (m) => {
      const id = m.building.buildingId;
      const base = m.state.netLoadKw ?? 0;
      const response = latest.get(id)?.command.responseKw ?? [];
      await repos.telemetry.putReadings(
        id,
        Array.from({ length: INTERVALS + 1 }, (_, i) => ({
          buildingId: id,
          intervalStart: toIso(START + (i - 1) * 15 * 60_000),
          intervalMinutes: 15,
          kw: i === 0 ? base : base - (response[i - 1] ?? 0),
        })),
        calendar,
      );
    },
  );
  // A turn of the closed loop in the second interval: every building measured; all delivered as
  // asked, so it finds nothing to correct (its cost is the reading, which a correction adds a re-plan to).
  const turnAt = START + 15 * 60_000 + DEFAULT_CONFIG.trackingGraceMinutes * 60_000;
  now = turnAt;
  await stage('closed-loop turn (interval 1)', busFunctions['replan-event'], [turnAt], 1, (at) =>
    trackDelivery(deps, eventId, toIso(at)),
  );
  now = END + DEFAULT_CONFIG.settleDelayMinutes * 60_000;
  await stage('evaluate and settle', busFunctions['evaluate-event'], [eventId], 1, (id) =>
    evaluateEvent(deps, id),
  );
  await relayAll('relay SettlementReady');
  const record = await repos.events.get(eventId);

  console.log(
    JSON.stringify({
      buildings: n,
      parks: new Set(fleet.map((m) => m.building.parkId)).size,
      seedMs,
      commandsR1: published.length,
      declined: declines.length,
      revision: record?.revision,
      status: record?.status,
      settlementRevision: record?.settlementRevision,
      stages,
    }),
  );
  client.destroy();

  /** The stream's relay: what the outbox holds, 100 entries an invocation, one shard after another. */
  async function relayAll(name: string): Promise<void> {
    await measure(name, outboxRelayFunction, async (invoke) => {
      for (;;) {
        const page = await repos.outbox.due(toIso(now + 60_000), 100);
        if (page.length === 0) break;
        await invoke(() => relayOutbox(deps, page));
      }
    });
  }
} finally {
  await db.stop();
  stub.close();
}
