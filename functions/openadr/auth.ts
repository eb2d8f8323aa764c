import { issueToken, tokenRequest } from '../../lib/app/openadr/credentials.ts';
import { openadrHandler } from './handler.ts';

/**
 * `GET /auth/server` names the token endpoint; `POST /auth/token` is it (OAuth2 client
 * credentials, form-encoded as RFC 6749 asks, JSON accepted too; the client authenticates with
 * HTTP Basic or in the body; every refusal carries RFC 6749's `error`).
 */
export const { handler, makeHandler } = openadrHandler('auth', {
  getAuthServerInfo: async ({ baseUrl }) => ({ tokenURL: `${baseUrl}/auth/token` }),
  fetchToken: async ({ deps, body, sourceIp, authorization }) =>
    issueToken(deps, tokenRequest(body ?? {}, authorization), sourceIp),
});
