/**
 * The reconciler (issue 15) on DynamoDB Local: what a crash on AWS would leave behind, made by hand
 * (an outbox entry the stream's relay never took, an event stuck as planned, a cancellation stored
 * but never finished), found and moved on.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cancelEvent } from '../../lib/app/events.ts';
import { ACTIVE } from '../../lib/app/lifecycle.ts';
import { reconcile } from '../../lib/app/outbox.ts';
import { message } from '../../lib/messages.ts';
import { enrollBatteryFleet } from './battery-fleet.ts';
import { Harness, operator } from './harness.ts';

const T0 = Date.parse('2026-12-14T01:00:00Z');
const IDS = ['k1', 'k2'];
let h: Harness;

const event = (eventId: string) => ({
  eventId,
  programId: 'p',
  type: 'PEAK_SHAVING',
  start: '2026-12-14T18:00:00+08:00',
  end: '2026-12-14T19:00:00+08:00',
  intervalMinutes: 15,
  targetsKw: [40, 40, 40, 40],
  scope: { feederIds: ['fk'] },
  noticeAt: '2026-12-14T09:00:00+08:00',
});
const minutesLater = (m: number) => vi.setSystemTime(new Date(Date.now() + m * 60_000));

beforeAll(async () => {
  h = await Harness.startAt(T0);
  await enrollBatteryFleet(
    h,
    'kp',
    IDS.map((buildingId) => ({ buildingId, feederId: 'fk' })),
    'bms-k',
  );
}, 120_000);
afterAll(() => h?.stop());

describe('the reconciler', () => {
  it("relays an outbox entry the stream's relay missed, once it is late, and leaves fresh ones to the stream", async () => {
    await h.relay();
    h.entries.splice(0);
    await h.deps.outbox.put([message('EventCompleted', { version: 1, eventId: 'late-1' })]);
    expect((await reconcile(h.deps)).relayed).toBe(0);
    minutesLater(3);
    const result = await reconcile(h.deps);
    expect(result.relayed).toBe(1);
    expect(h.entries.map((e) => [e.DetailType, JSON.parse(e.Detail ?? '{}').eventId])).toEqual([
      ['EventCompleted', 'late-1'],
    ]);
    expect(await h.deps.outbox.due('9999', 10)).toEqual([]);
  });

  it('announces again an event stuck as planned, and it is dispatched', async () => {
    expect((await h.http('create-event', operator, { body: event('stuck-1') })).status).toBe(201);
    // Planned, and its DispatchPlanned lost on the way (the entry removed, nothing delivered).
    await h.relay();
    await h.deliver('plan-event', 'GridEventAccepted', 'flexdr.coordinator', {
      version: 1,
      eventId: 'stuck-1',
      revision: 1,
    });
    await h.deps.outbox.remove(await h.deps.outbox.due('9999', 100));
    h.entries.splice(0);
    expect((await h.deps.events.get('stuck-1'))?.status).toBe('planned');
    expect((await reconcile(h.deps)).reannounced).toEqual([]);
    minutesLater(11);
    const result = await reconcile(h.deps);
    expect(result.reannounced).toContainEqual({
      eventId: 'stuck-1',
      status: 'planned',
      message: 'DispatchPlanned',
    });
    await h.pump();
    expect((await h.deps.events.get('stuck-1'))?.status).toBe('dispatched');
  });

  it('finishes a cancellation a crash interrupted: every building told, nothing of the event standing', async () => {
    expect((await h.http('create-event', operator, { body: event('cut-1') })).status).toBe(201);
    await h.pump();
    const dispatched = await h.deps.events.get('cut-1');
    expect(dispatched?.status).toBe('dispatched');
    // The cancelled revision is stored; the process dies before anything else.
    const cancelled = {
      ...(dispatched as NonNullable<typeof dispatched>),
      status: 'cancelled' as const,
      revision: (dispatched?.revision ?? 0) + 1,
      version: (dispatched?.version ?? 0) + 1,
      updatedAt: new Date().toISOString(),
    };
    await h.deps.events.update(cancelled);
    const before = await h.deps.commands.ofEvent('cut-1');
    expect(before.some((c) => c.command.kind === 'DISPATCH' && ACTIVE.includes(c.status))).toBe(true);
    minutesLater(11);
    const result = await reconcile(h.deps);
    expect(result.cancellationsFinished).toEqual(['cut-1']);
    const after = (await h.deps.commands.ofEvent('cut-1')).filter((c) => ACTIVE.includes(c.status));
    expect(after.map((c) => [c.command.buildingId, c.command.kind, c.command.revision]).sort()).toEqual(
      [...new Set(before.map((c) => c.command.buildingId))]
        .sort()
        .map((b) => [b, 'CANCEL', cancelled.revision]),
    );
    // Nothing left to do: a second run finds nothing, and a late cancel from the operator changes nothing.
    minutesLater(11);
    expect((await reconcile(h.deps)).cancellationsFinished).toEqual([]);
    await cancelEvent(h.deps, { subject: 'op', role: 'operator', parkIds: [], buildingIds: [] }, 'cut-1');
    expect((await h.deps.commands.ofEvent('cut-1')).filter((c) => ACTIVE.includes(c.status))).toHaveLength(
      after.length,
    );
  });
});
