import { deleteBuilding } from '../../lib/app/enrollment.ts';
import { httpRoute } from '../commons/http.ts';

/** DELETE /buildings/{buildingId} */
export const { handler, makeHandler } = httpRoute('delete-building', {
  async run({ deps, who, params }) {
    await deleteBuilding(deps, who, params.buildingId);
    return { statusCode: 204, body: undefined };
  },
});
