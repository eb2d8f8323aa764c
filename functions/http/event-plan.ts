import { getEventCommands, getEventStatus } from '../../lib/app/events.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /events/{eventId}/plan: the plan per interval and a page of commands with their status. */
export const { handler, makeHandler } = httpRoute('event-plan', {
  async run({ deps, who, params, query }) {
    const [status, page] = await Promise.all([
      getEventStatus(deps, who, params.eventId),
      getEventCommands(deps, who, params.eventId, query),
    ]);
    return {
      statusCode: 200,
      body: { plan: status.plan ?? null, commands: page.items, cursor: page.cursor },
    };
  },
});
