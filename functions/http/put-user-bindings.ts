import { putBinding } from '../../lib/app/bindings.ts';
import { httpRoute } from '../commons/http.ts';

/** PUT /users/{userId}/bindings: the whole set of a user's parks and buildings. */
export const { handler, makeHandler } = httpRoute('put-user-bindings', {
  async run({ deps, who, params, body }) {
    return { statusCode: 200, body: await putBinding(deps, who, params.userId, body) };
  },
});
