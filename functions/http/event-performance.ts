import { eventPerformance } from '../../lib/app/queries.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /events/{eventId}/performance: delivery per interval against the baseline, and settlement. */
export const handler = httpRoute('event-performance', {
  async run({ deps, who, params }) {
    return { statusCode: 200, body: await eventPerformance(deps, who, params.eventId) };
  },
});
