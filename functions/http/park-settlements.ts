import { parkSettlements } from '../../lib/app/queries.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /parks/{parkId}/settlements: what a park earned, event by event. */
export const { handler, makeHandler } = httpRoute('park-settlements', {
  async run({ deps, who, params, query }) {
    return { statusCode: 200, body: await parkSettlements(deps, who, params.parkId, query) };
  },
});
