import { cancelEvent } from '../../lib/app/events.ts';
import { httpRoute } from '../commons/http.ts';

/** POST /events/{eventId}/cancel: cancellation commands go out, reservations are released. */
export const { handler, makeHandler } = httpRoute('cancel-event', {
  async run({ deps, who, params }) {
    const record = await cancelEvent(deps, who, params.eventId);
    return {
      statusCode: 200,
      body: { eventId: params.eventId, revision: record.revision, status: record.status },
    };
  },
});
