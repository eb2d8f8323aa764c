import { eventDelivery } from '../../lib/app/queries.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /events/{eventId}/delivery: target, planned and metered response per interval, as it happens. */
export const { handler, makeHandler } = httpRoute('event-delivery', {
  async run({ deps, who, params }) {
    return { statusCode: 200, body: await eventDelivery(deps, who, params.eventId) };
  },
});
