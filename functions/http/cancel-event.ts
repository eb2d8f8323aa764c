import { cancelEvent } from '../../lib/app/events.ts';
import { httpRoute } from '../commons/http.ts';

/**
 * POST /events/{eventId}/cancel: `202` with the cancelled revision; the cancellation commands and
 * the release of reservations follow on the bus (`finish-cancellation`), counted on `GET /events/{id}`.
 */
export const { handler, makeHandler } = httpRoute('cancel-event', {
  async run({ deps, who, params }) {
    const record = await cancelEvent(deps, who, params.eventId);
    return {
      statusCode: 202,
      body: { eventId: params.eventId, revision: record.revision, status: record.status },
    };
  },
});
