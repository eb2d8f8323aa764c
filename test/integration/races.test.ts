/**
 * The lifecycle's races (issue 15), on DynamoDB Local: revise ∥ cancel, decline ∥ cancel,
 * revise ∥ decline and deadline ∥ ack, each many times with random delays before every store
 * call, each side running what its bus consumers would run next (plan, dispatch, redispatch). After
 * every interleaving has settled the invariant must hold: each building holds at most one standing
 * command (pending, published or acknowledged), and it agrees with the event: a cancelled event's
 * building holds only the cancellation of the cancelled revision; any other event's building holds
 * nothing of a revision the event has not reached.
 *
 * `RACE_RUNS` (default 30, which `npm test` runs; `npm run check:races` runs 1,000) sets the
 * interleavings per pair; `RACE_SEED` the random delays.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from '../../infra/local/sim/random.ts';
import type { Principal } from '../../lib/app/auth.ts';
import type { Deps } from '../../lib/app/config.ts';
import { acceptEvent, cancelEvent, cancellationAnnounced, reviseEvent } from '../../lib/app/events.ts';
import {
  ACTIVE,
  ackDeadlineReached,
  acknowledgeCommand,
  dispatchPlanned,
  planAccepted,
  replanDeclined,
} from '../../lib/app/lifecycle.ts';
import { isClosed } from '../../lib/domain/lifecycle.ts';
import type { GridEvent } from '../../lib/domain/model/grid-event.ts';
import { enrollBatteryFleet } from './battery-fleet.ts';
import { Harness } from './harness.ts';

const RUNS = Number(process.env.RACE_RUNS ?? 30);
const SEED = Number(process.env.RACE_SEED ?? 20261205);
/** Groups of buildings, each racing its own events one after another, all groups at once. */
const GROUPS = Number(process.env.RACE_GROUPS ?? 25);
const PER_GROUP = 3;
const OPERATOR: Principal = { subject: 'op', role: 'operator', parkIds: [], buildingIds: [] };

/** The same ports, each store call held back 0–3 ms first, so concurrent steps interleave. */
function withDelays(deps: Deps, rnd: () => number): Deps {
  const delayed = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          await new Promise((r) => setTimeout(r, Math.floor(rnd() * 4)));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return {
    ...deps,
    events: delayed(deps.events),
    commands: delayed(deps.commands),
    reservations: delayed(deps.reservations),
  };
}

const buildingsOf = (g: number) => Array.from({ length: PER_GROUP }, (_, i) => `r${g}-${i}`);
const bmsOf = (g: number): Principal => ({
  subject: `bms-${g}`,
  role: 'bms',
  parkIds: [],
  buildingIds: buildingsOf(g),
});

function gridEvent(eventId: string, g: number, targetKw: number): GridEvent {
  return {
    eventId,
    programId: 'p',
    type: 'PEAK_SHAVING',
    start: '2026-12-14T18:00:00+08:00',
    end: '2026-12-14T19:00:00+08:00',
    intervalMinutes: 15,
    targetsKw: [targetKw, targetKw, targetKw, targetKw],
    scope: { feederIds: [`f${g}`] },
    noticeAt: '2026-12-14T09:00:00+08:00',
    procurement: { expectedDeliveryRatio: 1, useBuildingReliability: false },
    shortfallPenaltyYuanPerKwh: 5,
  } as GridEvent;
}

let h: Harness;
beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-14T09:00:00+08:00'));
  h = await Harness.start({ ownDynamoDb: true });
  await enrollBatteryFleet(
    h,
    'rp',
    Array.from({ length: GROUPS }, (_, g) =>
      buildingsOf(g).map((buildingId) => ({ buildingId, feederId: `f${g}` })),
    ).flat(),
    'bms-r',
  );
}, 120_000);
afterAll(async () => {
  await h?.stop();
  vi.useRealTimers();
});

/** What the bus consumers would do next for the event, until nothing is left to do. */
async function settle(deps: Deps, eventId: string): Promise<void> {
  for (let step = 0; step < 8; step++) {
    const r = await deps.events.get(eventId);
    if (!r) return;
    if (r.status === 'received') await planAccepted(deps, { eventId, revision: r.revision });
    else if (r.status === 'planned') await dispatchPlanned(deps, { eventId, revision: r.revision });
    else {
      if (isClosed(r.status)) return;
      // The re-plan a decline or a deadline asked for (ReplanDue); nothing new to plan around ends it.
      await replanDeclined(deps, eventId);
      if ((await deps.events.get(eventId))?.revision === r.revision) return;
    }
  }
}

/** Runs a step as its consumer would: a conflict (someone else moved first) is an answer, not a failure. */
async function step(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (!(e instanceof Error) || !['ConflictError', 'ValidationError', 'NotFoundError'].includes(e.name))
      throw e;
  }
}

/** The invariant's violations for one event, as stored now (empty when it holds). */
async function violations(eventId: string): Promise<string[]> {
  const record = await h.deps.events.get(eventId);
  if (!record) return [`${eventId} is gone`];
  const standing = (await h.deps.commands.ofEvent(eventId)).filter((c) => ACTIVE.includes(c.status));
  const found: string[] = [];
  const perBuilding = new Map<string, number>();
  for (const c of standing) {
    const b = c.command.buildingId;
    perBuilding.set(b, (perBuilding.get(b) ?? 0) + 1);
    const what = `${eventId} ${record.status} r${record.revision}: ${b} holds ${c.command.kind} r${c.command.revision} ${c.status}`;
    if (record.status === 'cancelled') {
      if (c.command.kind !== 'CANCEL' || c.command.revision !== record.revision) found.push(what);
    } else if (c.command.revision > record.revision) found.push(what);
  }
  for (const [b, n] of perBuilding)
    if (n > 1) found.push(`${eventId} r${record.revision}: ${b} holds ${n} standing commands`);
  return found;
}

type Pair = 'revise ∥ cancel' | 'decline ∥ cancel' | 'revise ∥ decline' | 'deadline ∥ ack';

/** One interleaving: an event planned and dispatched, then the pair at once, then what follows. */
async function interleave(pair: Pair, g: number, i: number, rnd: () => number) {
  const deps = withDelays(h.deps, rnd);
  const eventId = `race-${pair.split(' ')[0]}-${pair.split(' ')[2]}-${g}-${i}`;
  await acceptEvent(h.deps, OPERATOR, gridEvent(eventId, g, 30));
  await settle(h.deps, eventId);
  const commands = (await h.deps.commands.ofEvent(eventId)).filter(
    (c) => c.command.kind === 'DISPATCH' && c.status === 'PUBLISHED',
  );
  const target = commands[Math.floor(rnd() * commands.length)];
  const revise = async () => {
    await step(() =>
      reviseEvent(deps, OPERATOR, eventId, gridEvent(eventId, g, 20 + Math.floor(rnd() * 20))),
    );
    await step(() => settle(deps, eventId));
  };
  // An operator whose cancellation meets a concurrent change (409) sends it again, as a client would.
  const cancel = async () => {
    for (let attempt = 0; attempt < 10; attempt++)
      try {
        const cancelled = await cancelEvent(deps, OPERATOR, eventId);
        // What finish-cancellation does on EventCancelled.
        await cancellationAnnounced(deps, { eventId, revision: cancelled.revision });
        return;
      } catch (e) {
        if (!(e instanceof Error) || e.name !== 'ConflictError') throw e;
        if ((await h.deps.events.get(eventId))?.status === 'failed') return;
      }
  };
  const answer = (status: 'ACCEPTED' | 'DECLINED') => async () => {
    if (!target) return;
    await step(() => acknowledgeCommand(deps, bmsOf(g), target.command.commandId, { status }));
    await step(() => settle(deps, eventId));
  };
  const deadline = async () => {
    const r = await h.deps.events.get(eventId);
    if (r) await step(() => ackDeadlineReached(deps, { eventId, revision: r.revision }));
  };
  const sides: Record<Pair, [() => Promise<void>, () => Promise<void>]> = {
    'revise ∥ cancel': [revise, cancel],
    'decline ∥ cancel': [answer('DECLINED'), cancel],
    'revise ∥ decline': [revise, answer('DECLINED')],
    'deadline ∥ ack': [deadline, answer('ACCEPTED')],
  };
  const [a, b] = sides[pair];
  await Promise.all(rnd() < 0.5 ? [a(), b()] : [b(), a()]);
  await settle(h.deps, eventId);
  const found = await violations(eventId);
  // Leave the buildings free for the next interleaving: cancel what still stands, and check again.
  const r = await h.deps.events.get(eventId);
  if (r && !isClosed(r.status)) {
    const cancelled = await cancelEvent(h.deps, OPERATOR, eventId);
    await cancellationAnnounced(h.deps, { eventId, revision: cancelled.revision });
  }
  found.push(...(await violations(eventId)));
  return { found, dispatched: commands.length > 0 };
}

describe('the lifecycle under racing steps', () => {
  for (const pair of ['revise ∥ cancel', 'decline ∥ cancel', 'revise ∥ decline', 'deadline ∥ ack'] as Pair[])
    it(`${pair}: ${RUNS} interleavings keep one standing command per building, agreeing with the event`, async () => {
      const rnd = mulberry32(SEED + pair.length);
      const results = await Promise.all(
        Array.from({ length: GROUPS }, async (_, g) => {
          const out: Awaited<ReturnType<typeof interleave>>[] = [];
          for (let i = g; i < RUNS; i += GROUPS) out.push(await interleave(pair, g, i, rnd));
          return out;
        }),
      );
      const all = results.flat();
      expect(all).toHaveLength(RUNS);
      // Every interleaving had commands standing when the race began (not vacuous).
      expect(all.filter((r) => r.dispatched).length).toBe(RUNS);
      expect(all.flatMap((r) => r.found)).toEqual([]);
    }, 600_000);
});
