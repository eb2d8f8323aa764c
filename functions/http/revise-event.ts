import { reviseEvent } from '../../lib/app/events.ts';
import { httpRoute } from '../commons/http.ts';

/** PUT /events/{eventId}: new targets or window, as a new revision. */
export const { handler, makeHandler } = httpRoute('revise-event', {
  async run({ deps, who, params, body }) {
    const record = await reviseEvent(deps, who, params.eventId, body);
    return {
      statusCode: 202,
      body: { eventId: params.eventId, revision: record.revision, status: record.status },
    };
  },
});
