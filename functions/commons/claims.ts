/**
 * The caller, from the JWT claims API Gateway's authorizer verified: Cognito's in global regions,
 * any OIDC issuer's where Cognito has no user pools (AWS China), a signed development token
 * locally. Which claim holds what is a {@link ClaimMapping}; Cognito's is the default.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import type { Principal, Role } from '../../lib/app/auth.ts';
import { ForbiddenError, UnauthorizedError } from '../../lib/domain/errors.ts';
import type { UserBinding } from '../../lib/domain/model/binding.ts';

/** Group names as they appear in tokens. */
export const GROUPS: Record<string, Role> = {
  'grid-operator': 'operator',
  'park-manager': 'parkManager',
  bms: 'bms',
};

/**
 * The claims the token hook writes a user's bindings into (Cognito's pre-token-generation trigger,
 * the local token issuer). No user pool attribute has these names: they exist only in tokens.
 */
export const BINDING_CLAIMS = { parkIds: 'custom:parkIds', buildingIds: 'custom:buildingIds' } as const;

/** The resource server machines get tokens for, and its scopes, each naming the role it grants. */
export const RESOURCE_SERVER = 'flexdr';
export const MACHINE_SCOPES: Record<string, Role> = { [`${RESOURCE_SERVER}/bms`]: 'bms' };

const RoleName = z.enum(['operator', 'parkManager', 'bms']);
const ClaimName = z.string().min(1).max(128);

/**
 * Where a token's claims say who the caller is. `roles` names a claim whose values (a list) are
 * mapped to roles by `roleValues`; `scopes` maps OAuth2 scopes (the `scope` claim) to roles, for
 * machines. `bindings`: `claims`, read from `parkIds` / `buildingIds`; `store`, read from the
 * coordinator's table at each request (an issuer that knows nothing of FlexDR's parks).
 */
export const ClaimMapping = z.strictObject({
  roles: ClaimName,
  roleValues: z.record(z.string().min(1).max(128), RoleName),
  scopes: z.record(z.string().min(1).max(256), RoleName).default({}),
  bindings: z.enum(['claims', 'store']),
  parkIds: ClaimName.default(BINDING_CLAIMS.parkIds),
  buildingIds: ClaimName.default(BINDING_CLAIMS.buildingIds),
});
export type ClaimMapping = z.infer<typeof ClaimMapping>;

/** Cognito's tokens: groups, resource-server scopes, bindings written by the pre-token trigger. */
export const COGNITO_CLAIMS: ClaimMapping = {
  roles: 'cognito:groups',
  roleValues: GROUPS,
  scopes: MACHINE_SCOPES,
  bindings: 'claims',
  ...BINDING_CLAIMS,
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

/**
 * The principal of a verified token. With `mapping.bindings` `store`, its bindings are empty here:
 * {@link withBindings} adds the stored ones.
 */
export function principalOf(
  event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'>,
  mapping: ClaimMapping = COGNITO_CLAIMS,
): Principal {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  if (!claims || typeof claims.sub !== 'string' || claims.sub === '')
    throw new UnauthorizedError('no verified token');
  const has = (record: Record<string, Role>, key: string) =>
    Object.hasOwn(record, key) ? [record[key] as Role] : [];
  const roles = [
    ...new Set([
      ...list(claims[mapping.roles]).flatMap((g) => has(mapping.roleValues, g)),
      ...String(claims.scope ?? '')
        .split(' ')
        .flatMap((s) => has(mapping.scopes, s)),
    ]),
  ];
  if (roles.length !== 1)
    throw new ForbiddenError(
      roles.length === 0 ? 'the token carries no FlexDR role' : 'the token carries several FlexDR roles',
    );
  const fromClaims = mapping.bindings === 'claims';
  return {
    subject: claims.sub,
    role: roles[0] as Role,
    parkIds: fromClaims ? list(claims[mapping.parkIds]) : [],
    buildingIds: fromClaims ? list(claims[mapping.buildingIds]) : [],
  };
}

/** The principal with the bindings stored for its subject (none stored: none). */
export function withBindings(
  who: Principal,
  binding: Pick<UserBinding, 'parkIds' | 'buildingIds'> | undefined,
): Principal {
  return { ...who, parkIds: binding?.parkIds ?? [], buildingIds: binding?.buildingIds ?? [] };
}
