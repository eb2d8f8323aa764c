import { listEvents } from '../../lib/app/events.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /events: newest first (operator). */
export const { handler, makeHandler } = httpRoute('list-events', {
  async run({ deps, who, query }) {
    const page = await listEvents(deps, who, query);
    return {
      statusCode: 200,
      body: {
        items: page.items.map((r) => ({
          event: r.event,
          revision: r.revision,
          status: r.status,
          updatedAt: r.updatedAt,
        })),
        cursor: page.cursor,
      },
    };
  },
});
