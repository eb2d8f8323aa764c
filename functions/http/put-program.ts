import { putProgram } from '../../lib/app/enrollment.ts';
import { ValidationError } from '../../lib/domain/errors.ts';
import { httpRoute } from '../commons/http.ts';

/**
 * PUT /programs/{programId}: a demand-response program's baseline method, settlement rules and,
 * optionally, its time-of-use tariffs per zone and season (`tariffs`, presets in
 * `lib/domain/model/tariff-presets.ts`) (operator).
 */
export const { handler, makeHandler } = httpRoute('put-program', {
  async run({ deps, who, params, body }) {
    if (body.programId !== params.programId)
      throw new ValidationError(`the body's programId '${body.programId}' is not '${params.programId}'`);
    return { statusCode: 200, body: await putProgram(deps, who, body) };
  },
});
