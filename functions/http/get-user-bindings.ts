import { getBinding } from '../../lib/app/bindings.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /users/{userId}/bindings: an operator's, or a park manager's within their parks. */
export const { handler, makeHandler } = httpRoute('get-user-bindings', {
  async run({ deps, who, params }) {
    return { statusCode: 200, body: await getBinding(deps, who, params.userId) };
  },
});
