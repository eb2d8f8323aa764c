/** What the adapters' aws-sdk-client-mock tests share: DynamoDB's refusals and a small command. */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { CommandRecord } from '../../lib/ports.ts';

/** A TransactWriteItems refusal with one cancellation code per item, as DynamoDB reports it. */
export const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

/** A single write's failed condition. */
export const conditionFailed = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

/** PENDING command `c<i>` of event `ev`, for building `b<i>`, or of `building` (one shard) when given. */
export const commandRecord = (i: number, building?: string): CommandRecord => ({
  command: {
    commandId: `c${i}`,
    eventId: 'ev',
    revision: 1,
    kind: 'DISPATCH',
    buildingId: building ?? `b${i}`,
    parkId: 'p',
    bmsIntegrationId: 'bms',
    direction: 'PEAK_SHAVING',
    start: '2026-12-14T09:00:00.000Z',
    intervalMinutes: 15,
    limitType: 'MAX_IMPORT',
    gridLimitKw: [1],
    baselineKw: [2],
    responseKw: [1],
    assets: [],
  },
  status: 'PENDING',
  updatedAt: '2026-12-14T01:00:00.000Z',
});
