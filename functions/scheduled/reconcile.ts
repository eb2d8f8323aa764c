import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { reconcile } from '../../lib/app/outbox.ts';
import { coldStart, type Wiring } from '../commons/deps.ts';
import { logger, metrics, tracer } from '../commons/powertools.ts';
import { reconcileFunction as definition } from '../definitions.ts';

/**
 * Every few minutes (a schedule): relay what the outbox's stream missed, announce again what is
 * stuck, finish interrupted cancellations. `StrandedEvents` above 0 raises an alarm: something
 * should have moved by itself and did not.
 */
function reconcileHandler({ deps }: Wiring) {
  return middy(async () => {
    const result = await reconcile(deps);
    metrics.addMetric('OutboxRelayedLate', MetricUnit.Count, result.relayed);
    metrics.addMetric(
      'StrandedEvents',
      MetricUnit.Count,
      result.reannounced.length + result.cancellationsFinished.length,
    );
    if (result.reannounced.length + result.cancellationsFinished.length > 0)
      logger.warn('stranded events moved on', { ...result });
    return result;
  })
    .use(captureLambdaHandler(tracer, { captureResponse: definition.captureResponse }))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}

export const makeHandler = reconcileHandler;

export const handler = coldStart(definition, makeHandler);
