/**
 * The shape of every bus consumer: the EventBridge envelope and the message's own schema parsed by
 * Powertools' parser, one use-case called, optionally made idempotent on the message detail.
 */
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse } from 'aws-lambda';
import * as z from 'zod';
import type { Deps } from '../../lib/app/config.ts';
import { type MessageDetail, messages } from '../../lib/messages.ts';
import { busFunctions } from '../definitions.ts';
import {
  type BusSubscription,
  type BusSubscriptionName,
  busSubscriptions,
  type MessageOf,
} from '../routes.ts';
import { coldStart, type Wiring } from './deps.ts';
import { logger, metrics, tracer } from './powertools.ts';

export interface ConsumerOptions {
  /**
   * Run at most once per distinct detail (within the idempotency window): for consumers whose
   * repetition would repeat a side effect others can see, such as publishing commands. The
   * function's definition must grant `idempotency`.
   */
  idempotent?: boolean;
}

/**
 * The EventBridge envelope, checked field by field as Powertools' `EventBridgeSchema` does, and
 * reduced to the `detail` it carries. Powertools' `EventBridgeEnvelope` does the same, but imports
 * its schemas with `import { z } from 'zod'`, which keeps all of zod's locales (some 370 KB
 * minified) in every consumer's bundle.
 */
function detailOf<T extends z.ZodType>(schema: T) {
  return z
    .object({
      version: z.string(),
      id: z.string(),
      source: z.string(),
      account: z.string(),
      time: z.iso.datetime(),
      region: z.string(),
      resources: z.array(z.string()),
      'detail-type': z.string(),
      detail: schema as z.ZodType,
      'replay-name': z.string().optional(),
    })
    .transform((event) => event.detail as z.output<T>);
}

/**
 * One bus subscription's function: `makeHandler(wiring)` builds its Lambda handler from given
 * dependencies; `handler` is the same, wired from the environment at cold start.
 */
export function busConsumer<S extends BusSubscriptionName>(
  subscription: S,
  run: (deps: Deps, detail: MessageDetail<MessageOf<S>>) => Promise<void>,
  options: ConsumerOptions = {},
) {
  const definition = busFunctions[subscription];
  const sub = busSubscriptions.find((s) => s.name === subscription) as BusSubscription;
  const name = sub.message as MessageOf<S>;
  if (sub.queue) {
    if (options.idempotent)
      throw new Error(`${definition.id}: a queued consumer is not made idempotent per batch`);
    const makeHandler = ({ deps }: Wiring) =>
      middy(async (event: unknown): Promise<SQSBatchResponse> => {
        logger.appendKeys({ detailType: name });
        const parse = detailOf(messages[name].schema);
        const { Records } = SqsBatch.parse(event);
        // Side by side: one slow endpoint holds its own message, not the batch's others.
        const failed = await Promise.all(
          Records.map(async (record) => {
            const detail = parse.safeParse(parsedJson(record.body));
            if (!detail.success) {
              // Never runnable: it goes back until SQS moves it to the dead-letter queue.
              logger.warn('malformed message refused', {
                messageId: record.messageId,
                issues: detail.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
              });
              return [{ itemIdentifier: record.messageId }];
            }
            try {
              await run(deps, detail.data as MessageDetail<MessageOf<S>>);
              return [];
            } catch (error) {
              logger.error('message failed: the queue delivers it again, then to the dead-letter queue', {
                messageId: record.messageId,
                error,
              });
              return [{ itemIdentifier: record.messageId }];
            }
          }),
        );
        return { batchItemFailures: failed.flat() };
      })
        .use(captureLambdaHandler(tracer, { captureResponse: definition.captureResponse }))
        .use(injectLambdaContext(logger))
        .use(logMetrics(metrics));
    return { definition, makeHandler, handler: coldStart(definition, makeHandler) };
  }
  const makeHandler = ({ deps, idempotency }: Wiring) => {
    if (options.idempotent && !idempotency)
      throw new Error(
        `${definition.id} is idempotent but has no idempotency store: its definition must grant 'idempotency' (functions/definitions.ts)`,
      );
    const handler = middy(async (detail: MessageDetail<MessageOf<S>>) => {
      logger.appendKeys({ detailType: name });
      await run(deps, detail);
    })
      .use(captureLambdaHandler(tracer, { captureResponse: definition.captureResponse }))
      .use(injectLambdaContext(logger))
      .use(logMetrics(metrics))
      .use(parser({ schema: detailOf(messages[name].schema) }));
    if (process.env.FLEXDR_BUNDLE_IDEMPOTENCY !== 'omitted' && options.idempotent && idempotency)
      handler.use(makeHandlerIdempotent({ persistenceStore: idempotency }));
    return handler;
  };
  return { definition, makeHandler, handler: coldStart(definition, makeHandler) };
}

/** A record's body as JSON, or undefined when it is not JSON (refused by the schema then). */
function parsedJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** An SQS batch as Lambda's event source mapping delivers it: what a queued consumer reads of it. */
const SqsBatch = z.object({
  Records: z.array(z.object({ messageId: z.string(), body: z.string() })).min(1),
});

/**
 * The invocation event a subscription's function receives for one EventBridge event: the event
 * itself when the rule invokes the function, or a batch of one SQS record carrying it (as the rule
 * puts it on the queue) when the subscription is queued. The local runtime and the tests deliver
 * through this, so both run each function on what AWS hands it.
 */
export function invocationOf(sub: BusSubscription, event: unknown): unknown {
  if (!sub.queue) return event;
  // Read defensively: a malformed event is still carried, as a queue carries any body.
  const field = (name: string, otherwise: string) => {
    const v = (event as Record<string, unknown> | null)?.[name];
    return typeof v === 'string' ? v : otherwise;
  };
  const at = field('time', new Date(0).toISOString());
  const region = field('region', 'cn-north-1');
  const id = field('id', `${sub.name}-${Date.parse(at)}`);
  return {
    Records: [
      {
        messageId: id,
        receiptHandle: `local-${id}`,
        body: JSON.stringify(event) ?? 'null',
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.parse(at)),
          SenderId: 'events.amazonaws.com',
          ApproximateFirstReceiveTimestamp: String(Date.parse(at)),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${region}:000000000000:${sub.name}`,
        awsRegion: region,
      },
    ],
  };
}

/** Throws when a queued consumer's answer names failed messages (SQS would deliver them again). */
export function throwIfBatchFailed(sub: BusSubscription, result: unknown): void {
  const failures = (result as Partial<SQSBatchResponse> | undefined)?.batchItemFailures ?? [];
  if (sub.queue && failures.length > 0)
    throw new Error(`${sub.name}: ${failures.length} message(s) failed and go back to the queue`);
}
