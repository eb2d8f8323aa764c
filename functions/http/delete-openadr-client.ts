import { removeClient } from '../../lib/app/openadr/credentials.ts';
import { httpRoute } from '../commons/http.ts';

/** DELETE /openadr-clients/{clientId}: the client and, with it, every token it holds. */
export const { handler, makeHandler } = httpRoute('delete-openadr-client', {
  async run({ deps, who, params }) {
    await removeClient(deps, who, params.clientId);
    return { statusCode: 204, body: undefined };
  },
});
