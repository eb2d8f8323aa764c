import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { localEventBridgeClient } from '../../../infra/local/aws-emulation.ts';
import { type BusEvent, LocalBus } from '../../../infra/local/bus.ts';
import { EventBridgeEventPublisher } from '../../../lib/adapters/eventbridge/event-publisher.ts';

const NOW = Date.parse('2026-11-26T09:00:00Z');

function bus(options: Partial<ConstructorParameters<typeof LocalBus>[0]> = {}) {
  return new LocalBus({
    busName: 'flexdr',
    account: '000000000000',
    region: 'cn-north-1',
    now: () => NOW,
    ...options,
  });
}
const entry = (detailType: string, detail: unknown = { version: 1 }) => ({
  EventBusName: 'flexdr',
  Source: 'flexdr.coordinator',
  DetailType: detailType,
  Detail: JSON.stringify(detail),
});

describe('local bus', () => {
  it('delivers the EventBridge envelope to the targets whose patterns match, and only those', async () => {
    const b = bus();
    const got: Record<string, BusEvent[]> = { planned: [], bms: [] };
    b.addTarget({
      name: 'planned',
      pattern: { 'detail-type': ['DispatchPlanned'] },
      deliver: async (e) => void got.planned?.push(e),
    });
    b.addTarget({
      name: 'bms',
      pattern: { 'detail-type': ['DispatchCommand'], detail: { bmsIntegrationId: ['sim'] } },
      deliver: async (e) => void got.bms?.push(e),
    });
    const result = b.put([
      entry('DispatchPlanned', { version: 1, eventId: 'e1' }),
      entry('DispatchCommand', { version: 1, bmsIntegrationId: 'other' }),
      entry('DispatchCommand', { version: 1, bmsIntegrationId: 'sim' }),
    ]);
    expect(result.FailedEntryCount).toBe(0);
    await b.idle();
    expect(got.planned?.map((e) => e.detail)).toEqual([{ version: 1, eventId: 'e1' }]);
    expect(got.bms?.map((e) => e.detail.bmsIntegrationId)).toEqual(['sim']);
    expect(got.planned?.[0]).toMatchObject({
      version: '0',
      source: 'flexdr.coordinator',
      'detail-type': 'DispatchPlanned',
      account: '000000000000',
      region: 'cn-north-1',
      time: '2026-11-26T09:00:00Z',
    });
  });

  it('refuses a call over the limits as EventBridge does, through the SDK client', async () => {
    const client = localEventBridgeClient(bus(), 'cn-north-1');
    await expect(
      client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry('X')) })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    const big = 'x'.repeat(200 * 1024);
    await expect(
      client.send(new PutEventsCommand({ Entries: [entry('X', { a: big }), entry('X', { b: big })] })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('fails single entries with a malformed detail or another bus, and accepts the rest', () => {
    const result = bus().put([
      entry('A'),
      { ...entry('B'), Detail: 'not json' },
      { ...entry('C'), Detail: '[1]' },
      { ...entry('D'), EventBusName: 'elsewhere' },
    ]);
    expect(result.FailedEntryCount).toBe(3);
    expect(result.Entries.map((e) => Boolean(e.EventId))).toEqual([true, false, false, false]);
  });

  it("holds a queued target to its event source mapping's concurrency while others go on", async () => {
    const b = bus({ concurrency: 8 });
    const inFlight = { queued: 0, other: 0 };
    const peak = { queued: 0, other: 0 };
    const slow = (name: keyof typeof inFlight) => async () => {
      inFlight[name]++;
      peak[name] = Math.max(peak[name], inFlight[name]);
      await new Promise((r) => setTimeout(r, 5));
      inFlight[name]--;
    };
    b.addTarget({
      name: 'queued',
      pattern: { 'detail-type': ['DispatchCommand'] },
      maxConcurrency: 2,
      deliver: slow('queued'),
    });
    b.addTarget({ name: 'other', pattern: { 'detail-type': ['DispatchCommand'] }, deliver: slow('other') });
    for (let i = 0; i < 3; i++) b.put(Array.from({ length: 10 }, () => entry('DispatchCommand')));
    await b.idle();
    expect(peak.queued).toBe(2);
    expect(peak.other).toBeGreaterThan(2);
  });

  it('retries a failing target and then keeps the event as a dead letter', async () => {
    const letters: unknown[] = [];
    const b = bus({ attempts: 3, retryDelayMs: 1, onDeadLetter: (l) => letters.push(l) });
    let calls = 0;
    b.addTarget({
      name: 'flaky',
      pattern: { source: ['flexdr.coordinator'] },
      deliver: async () => {
        calls++;
        throw new Error('boom');
      },
    });
    let second = 0;
    b.addTarget({
      name: 'second-time-lucky',
      pattern: { source: ['flexdr.coordinator'] },
      deliver: async () => {
        if (++second === 1) throw new Error('once');
      },
    });
    b.put([entry('A')]);
    await b.idle();
    expect(calls).toBe(3);
    expect(second).toBe(2);
    expect(b.deadLetters).toHaveLength(1);
    expect(b.deadLetters[0]).toMatchObject({ target: 'flaky', error: 'boom', attempts: 3 });
    expect(letters).toHaveLength(1);
  });

  it('is idle only once what deliveries put on the bus is delivered too', async () => {
    const b = bus();
    const seen: string[] = [];
    b.addTarget({
      name: 'chain',
      pattern: { 'detail-type': ['A'] },
      deliver: async () => {
        await new Promise((r) => setTimeout(r, 5));
        b.put([entry('B')]);
      },
    });
    b.addTarget({
      name: 'end',
      pattern: { 'detail-type': ['B'] },
      deliver: async (e) => void seen.push(e['detail-type']),
    });
    b.put([entry('A')]);
    await b.idle();
    expect(seen).toEqual(['B']);
  });

  it("receives what the coordinator's EventBridge adapter publishes, batched by 10", async () => {
    const b = bus();
    const got: unknown[] = [];
    b.addTarget({
      name: 'all',
      pattern: { source: ['flexdr.coordinator'] },
      deliver: async (e) => void got.push(e.detail),
    });
    const publisher = new EventBridgeEventPublisher(
      localEventBridgeClient(b, 'cn-north-1') as EventBridgeClient,
      'flexdr',
    );
    const messages = Array.from({ length: 23 }, (_, i) => ({
      detailType: 'EventCompleted',
      source: 'flexdr.coordinator',
      detail: { version: 1 as const, eventId: `e${i}` },
    }));
    await publisher.publish(messages);
    await b.idle();
    expect(got).toHaveLength(23);
    expect(new Set(got.map((d) => (d as { eventId: string }).eventId)).size).toBe(23);
  });
});
