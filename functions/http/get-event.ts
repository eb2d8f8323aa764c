import { getEventStatus } from '../../lib/app/events.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /events/{eventId}: status, plan summary and command counts. */
export const { handler, makeHandler } = httpRoute('get-event', {
  async run({ deps, who, params }) {
    return { statusCode: 200, body: await getEventStatus(deps, who, params.eventId) };
  },
});
