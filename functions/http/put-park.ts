import { putPark } from '../../lib/app/enrollment.ts';
import { ValidationError } from '../../lib/domain/errors.ts';
import { httpRoute } from '../commons/http.ts';

/** PUT /parks/{parkId}: create or replace a park (operator, or its park manager). */
export const { handler, makeHandler } = httpRoute('put-park', {
  async run({ deps, who, params, body }) {
    if (body.parkId !== params.parkId)
      throw new ValidationError(`the body's parkId '${body.parkId}' is not '${params.parkId}'`);
    return { statusCode: 200, body: await putPark(deps, who, body) };
  },
});
