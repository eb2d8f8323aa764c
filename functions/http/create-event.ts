import { acceptEvent } from '../../lib/app/events.ts';
import { httpRoute } from '../commons/http.ts';

/** POST /events: a grid operator issues an event; 201 when new, 200 with the first result when re-sent. */
export const handler = httpRoute('create-event', {
  async run({ deps, who, body }) {
    const { record, created } = await acceptEvent(deps, who, body);
    return {
      statusCode: created ? 201 : 200,
      body: { eventId: record.event.eventId, revision: record.revision, status: record.status },
    };
  },
});
