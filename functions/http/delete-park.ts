import { deletePark } from '../../lib/app/enrollment.ts';
import { httpRoute } from '../commons/http.ts';

/** DELETE /parks/{parkId}: only once it has no buildings. */
export const { handler, makeHandler } = httpRoute('delete-park', {
  async run({ deps, who, params }) {
    await deletePark(deps, who, params.parkId);
    return { statusCode: 204, body: undefined };
  },
});
