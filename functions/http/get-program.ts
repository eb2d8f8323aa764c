import { getProgram } from '../../lib/app/enrollment.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /programs/{programId} */
export const { handler, makeHandler } = httpRoute('get-program', {
  async run({ deps, who, params }) {
    return { statusCode: 200, body: await getProgram(deps, who, params.programId) };
  },
});
