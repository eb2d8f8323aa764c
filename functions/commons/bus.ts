/**
 * The shape of every bus consumer: the EventBridge envelope and the message's own schema parsed by
 * Powertools' parser, one use-case called, optionally made idempotent on the message detail.
 */
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { EventBridgeEnvelope } from '@aws-lambda-powertools/parser/envelopes/eventbridge';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Deps } from '../../lib/app/config.ts';
import { type MessageDetail, type MessageName, messages } from '../../lib/messages.ts';
import { getDeps, getIdempotencyStore } from './deps.ts';
import { logger, metrics, tracer } from './powertools.ts';

export interface ConsumerOptions {
  /**
   * Run at most once per distinct detail (within the idempotency window): for consumers whose
   * repetition would repeat a side effect others can see, such as publishing commands.
   */
  idempotent?: boolean;
}

/** Builds the Lambda handler that consumes one bus message type. */
export function busConsumer<N extends MessageName>(
  name: N,
  run: (deps: Deps, detail: MessageDetail<N>) => Promise<void>,
  options: ConsumerOptions = {},
) {
  const handler = middy(async (detail: MessageDetail<N>) => {
    logger.appendKeys({ detailType: name });
    await run(getDeps(), detail);
  })
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(parser({ schema: messages[name].schema, envelope: EventBridgeEnvelope }));
  if (options.idempotent) handler.use(makeHandlerIdempotent({ persistenceStore: getIdempotencyStore() }));
  return handler;
}
