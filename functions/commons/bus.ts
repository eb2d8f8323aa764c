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
import * as z from 'zod';
import type { Deps } from '../../lib/app/config.ts';
import { type MessageDetail, messages } from '../../lib/messages.ts';
import { busFunctions } from '../definitions.ts';
import { type BusSubscriptionName, busSubscriptions, type MessageOf } from '../routes.ts';
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
  const name = busSubscriptions.find((s) => s.name === subscription)?.message as MessageOf<S>;
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
