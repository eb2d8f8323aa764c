import { deleteBinding } from '../../lib/app/bindings.ts';
import { httpRoute } from '../commons/http.ts';

/** DELETE /users/{userId}/bindings */
export const { handler, makeHandler } = httpRoute('delete-user-bindings', {
  async run({ deps, who, params }) {
    await deleteBinding(deps, who, params.userId);
    return { statusCode: 204, body: undefined };
  },
});
