import { queryFlexibility } from '../../lib/app/queries.ts';
import { httpRoute } from '../commons/http.ts';

/** POST /flexibility: kW a scope could offer per interval, both directions, by park. */
export const { handler, makeHandler } = httpRoute('query-flexibility', {
  async run({ deps, who, body }) {
    return { statusCode: 200, body: await queryFlexibility(deps, who, body) };
  },
});
