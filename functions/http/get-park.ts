import { getPark } from '../../lib/app/enrollment.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /parks/{parkId} */
export const { handler, makeHandler } = httpRoute('get-park', {
  async run({ deps, who, params }) {
    return { statusCode: 200, body: await getPark(deps, who, params.parkId) };
  },
});
