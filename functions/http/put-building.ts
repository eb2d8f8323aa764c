import { putBuilding } from '../../lib/app/enrollment.ts';
import { ValidationError } from '../../lib/domain/errors.ts';
import { httpRoute } from '../commons/http.ts';

/** PUT /buildings/{buildingId}: enroll or edit a building and its assets. */
export const { handler, makeHandler } = httpRoute('put-building', {
  async run({ deps, who, params, body }) {
    if (body.buildingId !== params.buildingId)
      throw new ValidationError(`the body's buildingId '${body.buildingId}' is not '${params.buildingId}'`);
    return { statusCode: 200, body: await putBuilding(deps, who, body) };
  },
});
