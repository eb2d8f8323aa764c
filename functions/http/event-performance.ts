import { eventPerformance } from '../../lib/app/queries.ts';
import { httpRoute } from '../commons/http.ts';

/**
 * GET /events/{eventId}/performance[?revision=N]: delivery per interval against the baseline, and
 * settlement (the latest revision, or an earlier one), with the buildings awaiting data.
 */
export const { handler, makeHandler } = httpRoute('event-performance', {
  async run({ deps, who, params, query }) {
    return { statusCode: 200, body: await eventPerformance(deps, who, params.eventId, query.revision) };
  },
});
