import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { evaluateEvent } from '../../lib/app/evaluation.ts';
import { busConsumer } from '../commons/bus.ts';
import { metrics } from '../commons/powertools.ts';

/** `EvaluationDue` (a one-time schedule after the window) → measure delivery and settle. */
export const { handler, makeHandler } = busConsumer('evaluate-event', async (deps, detail) => {
  const result = await evaluateEvent(deps, detail.eventId);
  if (result?.settled) {
    metrics.addMetric('EventsSettled', MetricUnit.Count, 1);
    if (result.deliveryRatio !== undefined)
      metrics.addMetric('DeliveryRatio', MetricUnit.Percent, 100 * result.deliveryRatio);
  }
});
