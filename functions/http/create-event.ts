import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { acceptEvent } from '../../lib/app/events.ts';
import { httpRoute } from '../commons/http.ts';
import { metrics } from '../commons/powertools.ts';

/** POST /events: a grid operator issues an event; 201 when new, 200 with the first result when re-sent. */
export const { handler, makeHandler } = httpRoute('create-event', {
  async run({ deps, who, body }) {
    const { record, created } = await acceptEvent(deps, who, body);
    if (created) metrics.addMetric('EventsAccepted', MetricUnit.Count, 1);
    return {
      statusCode: created ? 201 : 200,
      body: { eventId: record.event.eventId, revision: record.revision, status: record.status },
    };
  },
});
