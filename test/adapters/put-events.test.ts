import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBridgeCommandPublisher } from '../../lib/adapters/eventbridge/command-publisher.ts';
import { EventBridgeEventPublisher } from '../../lib/adapters/eventbridge/event-publisher.ts';
import { entrySize, MAX_BYTES_PER_CALL, putEntries } from '../../lib/adapters/eventbridge/put-events.ts';
import type { Command } from '../../lib/domain/model/command.ts';

const eventBridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'cn-north-1' });
afterEach(() => eventBridge.reset());

const entry = (i: number, bytes = 100): PutEventsRequestEntry => ({
  EventBusName: 'flexdr',
  Source: 'flexdr.coordinator',
  DetailType: 'DispatchCommand',
  Detail: JSON.stringify({ i, pad: 'x'.repeat(Math.max(0, bytes - 20)) }),
});
const ok = (input: { Entries?: unknown[] }) => ({
  FailedEntryCount: 0,
  Entries: (input.Entries ?? []).map((_, k) => ({ EventId: `e${k}` })),
});
const noSleep = { sleep: async () => {} };

describe('putEntries', () => {
  it('sends 25 entries in 3 calls of 10, 10 and 5', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).callsFake(ok);
    // Act
    const out = await putEntries(
      client,
      Array.from({ length: 25 }, (_, i) => entry(i)),
      noSleep,
    );
    // Assess
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    const sizes = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length);
    expect(sizes.sort()).toEqual([10, 10, 5].sort());
    expect(out.succeeded).toHaveLength(25);
    expect(out.failed).toEqual([]);
  });

  it('splits by the 256 KB limit and refuses an entry larger than it alone', async () => {
    eventBridge.on(PutEventsCommand).callsFake(ok);
    const big = [entry(0, 100_000), entry(1, 100_000), entry(2, 100_000), entry(3, MAX_BYTES_PER_CALL + 10)];
    const out = await putEntries(client, big, noSleep);
    // two of 100 KB fit in one call, the third goes alone; the oversized one is never sent
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    for (const call of eventBridge.commandCalls(PutEventsCommand))
      expect((call.args[0].input.Entries ?? []).reduce((n, e) => n + entrySize(e), 0)).toBeLessThanOrEqual(
        MAX_BYTES_PER_CALL,
      );
    expect(out.succeeded).toEqual([0, 1, 2]);
    expect(out.failed).toEqual([
      { index: 3, code: 'EntryTooLarge', message: expect.stringContaining('the limit is') },
    ]);
  });

  it('resends exactly the failed entries, alone', async () => {
    let first = true;
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      if (!first) return ok(input);
      first = false;
      return {
        FailedEntryCount: 2,
        Entries: input.Entries.map((_, k) =>
          k === 3 || k === 7
            ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }
            : { EventId: `e${k}` },
        ),
      };
    });
    const out = await putEntries(
      client,
      Array.from({ length: 10 }, (_, i) => entry(i)),
      noSleep,
    );
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.Entries?.map((e) => JSON.parse(e.Detail ?? '{}').i)).toEqual([3, 7]);
    expect(out.succeeded).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(out.retries).toBe(2);
  });

  it('gives up on an entry that always fails after maxAttempts, and says why', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((e) =>
        JSON.parse(e.Detail ?? '{}').i === 1
          ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }
          : { EventId: 'x' },
      ),
    }));
    const out = await putEntries(client, [entry(0), entry(1)], { ...noSleep, maxAttempts: 4 });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 4);
    expect(out.succeeded).toEqual([0]);
    expect(out.failed).toEqual([{ index: 1, code: 'ThrottlingException', message: 'slow down' }]);
  });

  it('retries a throttled call, but not an access-denied one', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    eventBridge.on(PutEventsCommand).rejectsOnce(throttled).callsFake(ok);
    expect((await putEntries(client, [entry(0)], noSleep)).succeeded).toEqual([0]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);

    eventBridge.reset();
    const denied = Object.assign(new Error('not allowed'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    eventBridge.on(PutEventsCommand).rejects(denied);
    const out = await putEntries(client, [entry(0), entry(1)], noSleep);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(out.failed.map((f) => f.code)).toEqual(['AccessDeniedException', 'AccessDeniedException']);
  });

  it('backs off exponentially with full jitter, within the cap', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(
        Object.assign(new Error('busy'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
      );
    const delays: number[] = [];
    await putEntries(client, [entry(0)], {
      maxAttempts: 6,
      baseDelayMs: 50,
      maxDelayMs: 400,
      random: () => 0.5,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    // half of min(400, 50·2^attempt) for attempts 1..5
    expect(delays).toEqual([50, 100, 200, 200, 200]);
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    eventBridge.on(PutEventsCommand).callsFake(async (input: { Entries: unknown[] }) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return ok(input);
    });
    await putEntries(
      client,
      Array.from({ length: 200 }, (_, i) => entry(i)),
      { ...noSleep, concurrency: 3 },
    );
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 20);
    expect(peak).toBe(3);
  });
});

const command = (id: string, kind: 'DISPATCH' | 'CANCEL'): Command => ({
  commandId: id,
  eventId: 'ev',
  revision: 1,
  kind,
  buildingId: 'b1',
  parkId: 'p1',
  bmsIntegrationId: 'bms-a',
  direction: 'PEAK_SHAVING',
  start: '2026-12-14T09:00:00.000Z',
  intervalMinutes: 15,
  limitType: 'MAX_IMPORT',
  gridLimitKw: [100],
  baselineKw: [120],
  responseKw: [20],
  assets: [],
});

describe('EventBridgeCommandPublisher', () => {
  it('publishes dispatches and cancellations with routing ids, and reports what failed', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((e) =>
        JSON.parse(e.Detail ?? '{}').command.commandId === 'c2'
          ? { ErrorCode: 'AccessDenied', ErrorMessage: 'no' }
          : { EventId: 'x' },
      ),
    }));
    const publisher = new EventBridgeCommandPublisher(client, 'flexdr', { ...noSleep, maxAttempts: 2 });
    const result = await publisher.publish([command('c1', 'DISPATCH'), command('c2', 'CANCEL')]);
    expect(result.published).toEqual(['c1']);
    expect(result.failed).toEqual([{ commandId: 'c2', error: 'AccessDenied: no' }]);
    expect(eventBridge).toHaveReceivedNthCommandWith(PutEventsCommand, 1, {
      Entries: [
        expect.objectContaining({
          DetailType: 'DispatchCommand',
          Source: 'flexdr.coordinator',
          EventBusName: 'flexdr',
        }),
        expect.objectContaining({ DetailType: 'CommandCancelled' }),
      ],
    });
    const detail = JSON.parse(
      eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.Detail ?? '{}',
    );
    expect(detail).toMatchObject({ version: 1, buildingId: 'b1', parkId: 'p1', bmsIntegrationId: 'bms-a' });
  });
});

describe('EventBridgeEventPublisher', () => {
  it('throws, naming the message, when one finally fails', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const publisher = new EventBridgeEventPublisher(client, 'flexdr', noSleep);
    await expect(
      publisher.publish([
        { detailType: 'GridEventAccepted', source: 'flexdr.coordinator', detail: { version: 1 } },
      ]),
    ).rejects.toThrow(/GridEventAccepted \(AccessDeniedException\)/);
  });
});
