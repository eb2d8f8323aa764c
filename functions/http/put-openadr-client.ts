import { provisionClient } from '../../lib/app/openadr/credentials.ts';
import { httpRoute } from '../commons/http.ts';

/** PUT /openadr-clients/{clientId}: out-of-band provisioning of an OpenADR client; 201 new, 200 new secret. */
export const { handler, makeHandler } = httpRoute('put-openadr-client', {
  async run({ deps, who, params, body }) {
    const result = await provisionClient(deps, who, params.clientId, body);
    return { statusCode: result.created ? 201 : 200, body: result };
  },
});
