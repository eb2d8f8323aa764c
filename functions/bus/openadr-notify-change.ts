import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type NotifyOutcome, onObjectChanged } from '../../lib/app/openadr/notify.ts';
import { busConsumer } from '../commons/bus.ts';
import { logger, metrics } from '../commons/powertools.ts';

/** What every OpenADR notifier reports: deliveries as metrics, failures and broken endpoints as warnings. */
export function reportNotifications(what: string, outcome: NotifyOutcome): void {
  if (outcome.skipped) logger.info('OpenADR notification skipped', { what, reason: outcome.skipped });
  if (outcome.matched === 0) return;
  metrics.addMetric('WebhooksDelivered', MetricUnit.Count, outcome.delivered);
  metrics.addMetric('WebhooksFailed', MetricUnit.Count, outcome.failed.length);
  for (const f of outcome.failed) logger.warn('OpenADR webhook delivery failed', { what, ...f });
  // The spec's "mark it broken and tell the developer": this warning is what an alarm watches.
  for (const b of outcome.broken) logger.warn('OpenADR subscription marked broken', { what, ...b });
}

/** `OpenadrObjectChanged` → webhook notifications to the subscriptions that may see the object. */
export const { handler, makeHandler } = busConsumer('openadr-notify-change', async (deps, detail) =>
  reportNotifications(`${detail.objectType} ${detail.operation}`, await onObjectChanged(deps, detail)),
);
