/**
 * The caller, from the JWT claims API Gateway's authorizer verified (Cognito on AWS, a signed
 * development token locally). Roles are Cognito groups; bindings are custom claims.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { Principal, Role } from '../../lib/app/auth.ts';
import { ForbiddenError, UnauthorizedError } from '../../lib/domain/errors.ts';

/** Group names as they appear in tokens. */
export const GROUPS: Record<string, Role> = {
  'grid-operator': 'operator',
  'park-manager': 'parkManager',
  bms: 'bms',
};

/** Claims arrive as arrays, as JSON arrays, as `[a b]` (Cognito through HTTP APIs) or comma-separated. */
function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String);
  const s = String(value).trim();
  if (s.startsWith('[') && s.includes('"')) {
    try {
      const parsed: unknown = JSON.parse(s);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // fall through to the plain forms
    }
  }
  return s
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

export function principalOf(
  event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'>,
): Principal {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  if (!claims || typeof claims.sub !== 'string' || claims.sub === '')
    throw new UnauthorizedError('no verified token');
  const roles = [...new Set(list(claims['cognito:groups']).flatMap((g) => (GROUPS[g] ? [GROUPS[g]] : [])))];
  if (roles.length !== 1)
    throw new ForbiddenError(
      roles.length === 0 ? 'the token carries no FlexDR role' : 'the token carries several FlexDR roles',
    );
  return {
    subject: claims.sub,
    role: roles[0] as Role,
    parkIds: list(claims['custom:parkIds']),
    buildingIds: list(claims['custom:buildingIds']),
  };
}
