import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { dispatchPlanned } from '../../lib/app/lifecycle.ts';
import { busConsumer } from '../commons/bus.ts';
import { metrics } from '../commons/powertools.ts';

/** `DispatchPlanned` → publish the revision's commands, once per revision. */
export const { handler, makeHandler } = busConsumer(
  'dispatch-event',
  async (deps, detail) => {
    const { published, failed } = await dispatchPlanned(deps, detail);
    metrics.addMetric('CommandsDispatched', MetricUnit.Count, published);
    // A command that finally failed is recorded as FAILED and counted here, for the alarm.
    metrics.addMetric('PutEventsFailedEntries', MetricUnit.Count, failed);
  },
  { idempotent: true },
);
