import { getEventCommands, getEventStatus } from '../../lib/app/events.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /events/{eventId}/plan: the plan per interval and every command with its status. */
export const { handler, makeHandler } = httpRoute('event-plan', {
  async run({ deps, who, params }) {
    const [status, commands] = await Promise.all([
      getEventStatus(deps, who, params.eventId),
      getEventCommands(deps, who, params.eventId),
    ]);
    return { statusCode: 200, body: { plan: status.plan ?? null, commands } };
  },
});
