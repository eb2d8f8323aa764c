import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { outboxEntryOf } from '../../lib/adapters/dynamodb/outbox.ts';
import { relayOutbox } from '../../lib/app/outbox.ts';
import type { OutboxEntry } from '../../lib/ports.ts';
import { coldStart, type Wiring } from '../commons/deps.ts';
import { logger, metrics, tracer } from '../commons/powertools.ts';
import { outboxRelayFunction as definition } from '../definitions.ts';

/** The outbox entries a stream batch inserted, with the sequence number of the record of each. */
export function insertedEntries(event: DynamoDBStreamEvent): { entry: OutboxEntry; sequence: string }[] {
  return event.Records.flatMap((r) => {
    if (r.eventName !== 'INSERT' || !r.dynamodb?.NewImage) return [];
    const entry = outboxEntryOf(unmarshall(r.dynamodb.NewImage as Record<string, AttributeValue>));
    return entry ? [{ entry, sequence: r.dynamodb.SequenceNumber ?? '' }] : [];
  });
}

/**
 * The table's stream (filtered to outbox inserts) → put each message on the bus, then remove it.
 * A failed batch is reported from its first record, so the stream retries it (and bisects it).
 */
function relayHandler({ deps }: Wiring) {
  return middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const inserted = insertedEntries(event);
    try {
      await relayOutbox(
        deps,
        inserted.map((i) => i.entry),
      );
    } catch (e) {
      logger.error('relaying the outbox failed', { error: e as Error, entries: inserted.length });
      const first = inserted[0]?.sequence;
      return { batchItemFailures: first ? [{ itemIdentifier: first }] : [] };
    }
    metrics.addMetric('OutboxRelayed', MetricUnit.Count, inserted.length);
    return { batchItemFailures: [] };
  })
    .use(captureLambdaHandler(tracer, { captureResponse: definition.captureResponse }))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

export const makeHandler = relayHandler;

export const handler = coldStart(definition, makeHandler);
