import { issueToken } from '../../lib/app/openadr/credentials.ts';
import { parseOrThrow } from '../../lib/domain/validate.ts';
import { ClientCredentialRequest } from '../../lib/openadr/schemas.ts';
import { openadrHandler } from './handler.ts';

/**
 * `GET /auth/server` names the token endpoint; `POST /auth/token` is it (OAuth2 client
 * credentials, form-encoded as RFC 6749 asks; JSON is accepted too).
 */
export const { handler, makeHandler } = openadrHandler('auth', {
  getAuthServerInfo: async ({ baseUrl }) => ({ tokenURL: `${baseUrl}/auth/token` }),
  fetchToken: async ({ deps, body, sourceIp }) =>
    issueToken(deps, parseOrThrow(ClientCredentialRequest, body, 'request body'), sourceIp),
});
