/**
 * Faults in the event lifecycle: a crash at every port call from issuing an event to its dispatch
 * (a Lambda dying between any two steps), retried as the client and Lambda's asynchronous
 * invocation would; then every bus message delivered again, twice and in reverse order. After
 * recovery each event settles, every stored command was published (duplicates carry the same id),
 * none is left pending, and no reservation outlives its event.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from '../../infra/local/sim/random.ts';
import type { Deps } from '../../lib/app/config.ts';
import { evaluationScheduleName } from '../../lib/app/lifecycle.ts';
import { recoveryEndMs } from '../../lib/domain/recovery.ts';
import { bms, Harness, operator } from './harness.ts';

const H = 3_600_000;
const PARK = 'fault-park';
const IDS = ['f1', 'f2', 'f3'];
const BMS = bms(IDS.join(','));
/** Day 0 of the scenarios; scenario k runs on day k so no two windows overlap. */
const DAY0 = Date.parse('2026-09-01T00:00:00+08:00');
const BASE_KW = 300;

/** Ports whose k-th call (counted over all of them) fails once, as a crash at that point would. */
function faulty(deps: Deps, failAt: number) {
  let calls = 0;
  const failed: string[] = [];
  const wrap = <T extends object>(name: string, port: T): T =>
    new Proxy(port, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls++;
          if (calls === failAt) {
            failed.push(`${name}.${String(prop)}`);
            return Promise.reject(new Error(`injected fault at call ${calls}: ${name}.${String(prop)}`));
          }
          return value.apply(target, args);
        };
      },
    });
  const ports = [
    'parks',
    'buildings',
    'telemetry',
    'programs',
    'events',
    'commands',
    'reservations',
    'settlements',
    'commandPublisher',
    'eventPublisher',
    'scheduler',
  ] as const;
  const wrapped = { ...deps } as Record<string, unknown>;
  for (const p of ports) wrapped[p] = wrap(p, deps[p]);
  return { deps: wrapped as unknown as Deps, calls: () => calls, failed };
}

let h: Harness;
let clean: Deps;

/** An HTTP call as a client makes it: a 5xx is retried, a few times. */
async function call(...args: Parameters<Harness['http']>): ReturnType<Harness['http']> {
  for (let attempt = 1; ; attempt++) {
    const res = await h.http(...args);
    if (res.status < 500 || attempt >= 5) return res;
  }
}

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(DAY0);
  h = await Harness.start({ ownDynamoDb: true });
  clean = h.deps;
  const program = {
    programId: 'fault-program',
    name: 'pre-event baseline',
    baseline: { method: 'PRE_EVENT', minutesBefore: 15 },
    settlement: { unit: 'YUAN_PER_KWH', price: 1, minRatio: 0.5, maxRatio: 1.5 },
  };
  expect(
    (await h.http('put-program', operator, { params: { programId: program.programId }, body: program }))
      .status,
  ).toBe(200);
  const park = { parkId: PARK, name: 'Fault park', zone: 'mengxi', city: 'Hohhot' };
  expect((await h.http('put-park', operator, { params: { parkId: PARK }, body: park })).status).toBe(200);
  for (const id of IDS) {
    const building = {
      buildingId: id,
      parkId: PARK,
      name: `Building ${id}`,
      zone: 'mengxi',
      feederId: 'ff',
      bmsIntegrationId: 'bms-f',
      gridLimits: { importKw: 600, exportKw: 0 },
      assets: [
        {
          kind: 'battery',
          id: 'bat',
          capacityKwh: 400,
          maxChargeKw: 100,
          maxDischargeKw: 100,
          socMin: 0.1,
          socMax: 0.9,
        },
      ],
    };
    expect(
      (await h.http('put-building', operator, { params: { buildingId: id }, body: building })).status,
    ).toBe(200);
  }
});

afterAll(async () => {
  h?.useDeps(undefined);
  await h?.stop();
  vi.useRealTimers();
});

/** Reports each building's state (full-ish battery) at the current time. */
async function reportStates(): Promise<void> {
  for (const id of IDS) {
    const state = {
      buildingId: id,
      at: new Date().toISOString(),
      netLoadKw: BASE_KW,
      assets: [{ kind: 'battery', assetId: 'bat', soc: 0.8, powerKw: 0 }],
    };
    expect(
      (await call('report-telemetry', BMS, { params: { buildingId: id }, body: { state } })).status,
    ).toBe(202);
  }
}

/** An event on day `k`, 17:00–18:00 Beijing time. */
function eventOf(k: number) {
  const start = DAY0 + k * 24 * H + 17 * H;
  return {
    eventId: `fault-${k}`,
    programId: 'fault-program',
    type: 'PEAK_SHAVING',
    start: new Date(start).toISOString(),
    end: new Date(start + H).toISOString(),
    intervalMinutes: 15,
    targetsKw: [150, 150, 150, 150],
    scope: { parkIds: [PARK] },
    noticeAt: new Date(start - 8 * H).toISOString(),
  };
}

/** Issues the event and dispatches it with the given ports; an HTTP 5xx is retried like a client would. */
async function issueAndDispatch(event: ReturnType<typeof eventOf>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = await h.http('create-event', operator, { body: event });
    if (res.status === 201 || res.status === 200) break;
    expect(res.status).toBe(500);
    expect(attempt).toBeLessThan(5);
  }
  await h.pump({ attempts: 5 });
}

/** Answers every standing command, reports the window's readings, and settles. */
async function completeAndSettle(event: ReturnType<typeof eventOf>): Promise<void> {
  const plan = await call('event-plan', operator, { params: { eventId: event.eventId } });
  const commands = plan.body.commands as {
    status: string;
    command: { commandId: string; buildingId: string; responseKw: number[] };
  }[];
  for (const c of commands.filter((x) => x.status === 'PUBLISHED'))
    expect(
      (
        await call('acknowledge-command', BMS, {
          params: { commandId: c.command.commandId },
          body: { status: 'ACCEPTED' },
        })
      ).status,
    ).toBe(200);
  await h.pump({ attempts: 5 });
  const start = Date.parse(event.start);
  vi.setSystemTime(start + 2 * H);
  const response = new Map(
    commands
      .filter((c) => c.status !== 'SUPERSEDED')
      .map((c) => [c.command.buildingId, c.command.responseKw]),
  );
  for (const id of IDS) {
    const readings = [-1, 0, 1, 2, 3].map((t) => ({
      buildingId: id,
      intervalStart: new Date(start + t * 15 * 60_000).toISOString(),
      kw: BASE_KW - (t >= 0 ? (response.get(id)?.[t] ?? 0) : 0),
    }));
    expect(
      (await call('report-telemetry', BMS, { params: { buildingId: id }, body: { readings } })).status,
    ).toBe(202);
  }
  // Retried as Lambda retries an asynchronous invocation and EventBridge its target: under injected
  // throttling an evaluation's many reads may exhaust the SDK's own retries once.
  await h.fire(evaluationScheduleName({ ...event, intervalMinutes: 15 } as never), { attempts: 5 });
}

/** What must hold after recovery. */
async function expectRecovered(eventId: string): Promise<void> {
  const status = await call('get-event', operator, { params: { eventId } });
  expect(status.body.status).toBe('settled');
  const stored = (await clean.commands.ofEvent(eventId)).filter((c) => c.command.kind === 'DISPATCH');
  expect(stored.length).toBeGreaterThan(0);
  expect(stored.filter((c) => c.status === 'PENDING' || c.status === 'FAILED')).toEqual([]);
  const published = new Set(
    h.published
      .filter((p) => p.detailType === 'DispatchCommand')
      .map((p) => p.detail.command as { commandId: string; eventId: string })
      .filter((c) => c.eventId === eventId)
      .map((c) => c.commandId),
  );
  expect([...published].sort()).toEqual(stored.map((c) => c.command.commandId).sort());
  // Nothing stays reserved, but for the buildings whose recovery after the window is still ahead
  const held = await clean.reservations.ofBuildings(IDS);
  const recovering = new Set(
    stored.filter((c) => recoveryEndMs(c.command) > Date.now()).map((c) => c.command.buildingId),
  );
  const leaked = [...held.values()]
    .filter((b) => !recovering.has(b.buildingId))
    .flatMap((b) => b.reservations)
    .filter((r) => r.eventId === eventId);
  expect(leaked).toEqual([]);
}

describe('a crash at any step of issuing and dispatching an event', () => {
  it('recovers from a fault at every port call, one scenario per call', async () => {
    // A clean run counts the port calls from issuing to dispatch.
    vi.setSystemTime(DAY0 + 24 * H + 9 * H);
    await reportStates();
    const probe = faulty(clean, Number.POSITIVE_INFINITY);
    h.useDeps(probe.deps);
    await issueAndDispatch(eventOf(1));
    const calls = probe.calls();
    h.useDeps(clean);
    await completeAndSettle(eventOf(1));
    await expectRecovered('fault-1');
    expect(calls).toBeGreaterThan(10);

    const failedAt: string[] = [];
    for (let k = 1; k <= calls; k++) {
      const event = eventOf(k + 1);
      vi.setSystemTime(Date.parse(event.start) - 8 * H);
      await reportStates();
      const injected = faulty(clean, k);
      h.useDeps(injected.deps);
      await issueAndDispatch(event);
      h.useDeps(clean);
      failedAt.push(...injected.failed);
      await completeAndSettle(event);
      await expectRecovered(event.eventId);
    }
    // Every call was failed once, across every kind of port the lifecycle touches.
    expect(failedAt).toHaveLength(calls);
    expect(new Set(failedAt.map((f) => f.split('.')[0])).size).toBeGreaterThanOrEqual(4);
    console.log(
      `faults: ${calls} scenarios, each failing one port call (${[...new Set(failedAt)].length} distinct calls), ${h.failedAttempts} consumer invocations retried; all settled, every stored command published, no reservation leaked`,
    );
  });

  it('changes nothing when every bus message is delivered again, twice, in reverse order', async () => {
    const k = 110;
    const event = eventOf(k);
    vi.setSystemTime(Date.parse(event.start) - 8 * H);
    await reportStates();
    const from = h.entries.length;
    await issueAndDispatch(event);
    await completeAndSettle(event);
    const publishedBefore = h.published.length;
    const entries = h.entries
      .slice(from)
      .filter((e) => e.DetailType !== 'DispatchCommand' && e.DetailType !== 'CommandCancelled');
    expect(entries.length).toBeGreaterThan(3);
    const storedBefore = (await clean.commands.ofEvent(event.eventId))
      .map((c) => [c.command.commandId, c.status])
      .sort();
    const settlementBefore = await clean.settlements.ofEvent(event.eventId);
    for (let round = 0; round < 2; round++) {
      h.entries.push(...[...entries].reverse());
      await h.pump({ attempts: 5 });
    }
    const storedAfter = (await clean.commands.ofEvent(event.eventId))
      .map((c) => [c.command.commandId, c.status])
      .sort();
    expect(storedAfter).toEqual(storedBefore);
    expect(await clean.settlements.ofEvent(event.eventId)).toEqual(settlementBefore);
    // Re-deliveries may re-publish, but only commands that exist, each with its own id.
    const republished = h.published
      .slice(publishedBefore)
      .map((p) => (p.detail.command as { commandId: string }).commandId);
    const ids = new Set(storedBefore.map(([id]) => id));
    expect(republished.every((id) => ids.has(id))).toBe(true);
    await expectRecovered(event.eventId);
  });

  it('settles with DynamoDB throttling requests and EventBridge throttling calls and failing entries', async () => {
    const event = eventOf(120);
    const random = mulberry32(2026);
    let share = 0;
    const injected = h.throttleDynamoDb(h.dynamoClient, () => share, random);
    let throttled = 0;
    let failedEntries = 0;
    h.putEventsFaults = {
      throttleCall: () => random() < 0.2 && ++throttled > 0,
      failEntry: () => random() < 0.2 && ++failedEntries > 0,
    };
    try {
      share = 0.25;
      vi.setSystemTime(Date.parse(event.start) - 8 * H);
      await reportStates();
      await issueAndDispatch(event);
      await completeAndSettle(event);
    } finally {
      share = 0;
      h.putEventsFaults = undefined;
    }
    await expectRecovered(event.eventId);
    expect(injected.count).toBeGreaterThan(5);
    expect(throttled + failedEntries).toBeGreaterThan(0);
    console.log(
      `faults: ${injected.count} DynamoDB requests throttled (25 %), ${throttled} PutEvents calls throttled and ${failedEntries} entries failed (20 %); the event settled, every command published, no reservation leaked`,
    );
    // Its time is the SDK's throttling backoff (about half a second a throttled request), so it
    // gets more than the default 60 s: a slower machine must not fail it.
  }, 150_000);

  it('settles a building once when racing plans left it two acknowledged commands', async () => {
    const event = eventOf(121);
    vi.setSystemTime(Date.parse(event.start) - 8 * H);
    await reportStates();
    await issueAndDispatch(event);
    // A plan that lost a race left an earlier command of the same building standing, acknowledged.
    const [standing] = (await clean.commands.ofEvent(event.eventId)).filter(
      (c) => c.command.kind === 'DISPATCH',
    );
    expect(standing).toBeDefined();
    const stale = {
      ...(standing?.command as NonNullable<typeof standing>['command']),
      commandId: 'cmd-stale-from-a-lost-race',
      revision: 1,
    };
    await clean.commands.putMany([
      { command: stale, status: 'ACKNOWLEDGED', updatedAt: new Date().toISOString() },
    ]);
    await completeAndSettle(event);
    const { buildings } = await clean.settlements.ofEvent(event.eventId);
    const ids = buildings.map((b) => b.buildingId);
    expect(ids).toContain(stale.buildingId);
    expect(new Set(ids).size).toBe(ids.length);
    const status = await call('get-event', operator, { params: { eventId: event.eventId } });
    expect(status.body.status).toBe('settled');
  });
});
