import { listBuildings } from '../../lib/app/enrollment.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /parks/{parkId}/buildings: a page at a time. */
export const { handler, makeHandler } = httpRoute('list-buildings', {
  async run({ deps, who, params, query }) {
    return { statusCode: 200, body: await listBuildings(deps, who, params.parkId, query) };
  },
});
