import { listParks } from '../../lib/app/enrollment.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /parks: every park for an operator, a park manager's own parks. */
export const { handler, makeHandler } = httpRoute('list-parks', {
  async run({ deps, who, query }) {
    return { statusCode: 200, body: await listParks(deps, who, query) };
  },
});
