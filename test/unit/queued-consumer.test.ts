/**
 * A queued bus consumer (`BusSubscription.queue`) as Lambda's SQS event source mapping runs it: a
 * batch of records, each an EventBridge event as the rule put it on the queue, delivered side by
 * side, and only the records that failed named back, so SQS delivers those again and the rest
 * never twice.
 */
import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/bus/openadr-notify-command.ts';
import { invocationOf, throwIfBatchFailed } from '../../functions/commons/bus.ts';
import type { Wiring } from '../../functions/commons/deps.ts';
import { type BusSubscription, busSubscriptions } from '../../functions/routes.ts';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import type { Deps } from '../../lib/app/config.ts';
import { commandMessage } from '../../lib/messages.ts';
import { peakCommand } from './openadr/support.ts';

const sub = busSubscriptions.find((s) => s.name === 'openadr-notify-command') as BusSubscription;
const envelope = (commandId: string, detail?: unknown) => ({
  version: '0',
  id: `id-${commandId}`,
  'detail-type': 'DispatchCommand',
  source: 'flexdr.coordinator',
  account: '000000000000',
  time: '2026-12-14T01:00:00Z',
  region: 'cn-north-1',
  resources: [],
  detail: detail ?? commandMessage(peakCommand({ commandId })).detail,
});

describe('a queued consumer', () => {
  it('runs each record of a batch, and names back only those that failed', async () => {
    // Prepare: c1 is a cancellation (nothing to notify: it succeeds without any port); c2 needs the
    // OpenADR store, which this wiring lacks, so it fails; c3's message is malformed
    const handler = makeHandler({ deps: {} as Deps } as Wiring) as unknown as (
      event: unknown,
      context: unknown,
    ) => Promise<unknown>;
    const records = [
      envelope('c1', commandMessage(peakCommand({ commandId: 'c1', kind: 'CANCEL' })).detail),
      envelope('c2'),
      envelope('c3', { version: 1 }),
    ].map((e) => (invocationOf(sub, e) as { Records: unknown[] }).Records[0]);

    // Act
    const result = await handler(
      { Records: records },
      lambdaContext('Bus-openadr-notify-command', { timeoutMs: 60_000 }),
    );

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'id-c2' }, { itemIdentifier: 'id-c3' }] });
    expect(() => throwIfBatchFailed(sub, result)).toThrow(/2 message\(s\) failed and go back to the queue/);
    expect(() => throwIfBatchFailed(sub, { batchItemFailures: [] })).not.toThrow();
  });
});
