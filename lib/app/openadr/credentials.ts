/**
 * OAuth2 client credentials for the VTN (OpenADR 3.1 Definition, "OAuth 2.0 client credential
 * flow"). Clients are provisioned out of band by a grid operator (any client) or a park manager
 * (VENs of their own parks and buildings); the secret is shown once and only its scrypt hash is
 * kept. Access tokens are opaque random strings stored under their SHA-256 with an expiry: the
 * document leaves the token format to the VTN, and a reference token needs no signing key, can be
 * revoked by deleting the client, and leaks nothing usable from a copy of the table.
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import {
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError,
} from '../../domain/errors.ts';
import { Id } from '../../domain/model/common.ts';
import { toIso } from '../../domain/time.ts';
import { parseOrThrow } from '../../domain/validate.ts';
import { type ClientRole, grantedScopes, type OpenadrCaller } from '../../openadr/access.ts';
import { ClientCredentialRequest } from '../../openadr/schemas.ts';
import type { OpenadrClient } from '../../ports.ts';
import { type Principal, requireRole } from '../auth.ts';
import type { Deps } from '../config.ts';

/** The ports provisioning a client uses (its bindings are checked against parks and buildings). */
type ProvisionDeps = Pick<Deps, 'openadr' | 'parks' | 'buildings' | 'clock'>;
/** The ports issuing a token uses. */
type TokenDeps = Pick<Deps, 'openadr' | 'buildings' | 'clock' | 'config'>;

/** What an operator or park manager sends to provision a client. */
export const ClientProvisioning = z.strictObject({
  role: z.enum(['BL', 'VEN']),
  /** A VEN's buildings; it reads their commands and reports for them. */
  buildingIds: z.array(Id).max(500).default([]),
  /** A VEN's parks: every building of the park, as enrolled when the token is issued. */
  parkIds: z.array(Id).max(50).default([]),
});
export type ClientProvisioning = z.input<typeof ClientProvisioning>;

/** An OAuth2 error (RFC 6749 §5.2), answered as a problem that also carries `error`. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_scope' | 'unsupported_grant_type',
    message: string,
  ) {
    super(message);
  }
  get statusCode(): 400 | 401 {
    return this.error === 'invalid_client' ? 401 : 400;
  }
}

/** A form-encoded value (RFC 6749 §2.3.1 encodes Basic credentials so before base64). */
function formDecoded(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new OAuthError('invalid_request', 'the Basic credentials are not form-encoded');
  }
}

/**
 * The token request from the body's fields and the `Authorization` header: the client
 * authenticates with HTTP Basic (RFC 6749 §2.3.1, which a server MUST support) or with
 * `client_id` and `client_secret` in the body, never both (§2.3). Every refusal is an RFC 6749
 * error: a missing `grant_type` or a malformed field is `invalid_request`, missing credentials
 * `invalid_client`.
 */
export function tokenRequest(
  body: Readonly<Record<string, unknown>>,
  authorization: string | undefined,
): ClientCredentialRequest {
  const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization ?? '');
  const fields: Record<string, unknown> = { ...body };
  if (basic) {
    if (body.client_id !== undefined || body.client_secret !== undefined)
      throw new OAuthError(
        'invalid_request',
        'the client authenticated twice (HTTP Basic and the body); use one (RFC 6749 §2.3)',
      );
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0)
      throw new OAuthError('invalid_client', 'the Basic credentials are not client_id:client_secret');
    fields.client_id = formDecoded(decoded.slice(0, colon));
    fields.client_secret = formDecoded(decoded.slice(colon + 1));
  }
  if (fields.grant_type === undefined)
    throw new OAuthError('invalid_request', 'grant_type is required (client_credentials)');
  if (fields.client_id === undefined || fields.client_secret === undefined)
    throw new OAuthError(
      'invalid_client',
      'no client authentication: send client_id and client_secret, in the body or with HTTP Basic',
    );
  const parsed = ClientCredentialRequest.safeParse(fields);
  if (!parsed.success)
    throw new OAuthError(
      'invalid_request',
      parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '),
    );
  return parsed.data;
}

const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const;

function hashSecret(secret: string, salt = randomBytes(16)): string {
  const hash = scryptSync(secret, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

function secretMatches(secret: string, stored: string): boolean {
  const [kind, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const given = scryptSync(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
  });
  return timingSafeEqual(expected, given);
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Creates a client, or gives an existing one a new secret and bindings. Either way the client
 * gets a new generation, so the old secret and every token issued before stop working at once. Operators provision any
 * client; a park manager only VENs bound to their own parks or to buildings of them.
 */
export async function provisionClient(
  deps: ProvisionDeps,
  who: Principal,
  clientId: string,
  input: unknown,
): Promise<{ clientId: string; clientSecret: string; role: ClientRole; created: boolean }> {
  requireRole(who, 'operator', 'parkManager');
  const spec = parseOrThrow(ClientProvisioning, input, 'request body');
  if (spec.role === 'BL' && (spec.buildingIds.length > 0 || spec.parkIds.length > 0))
    throw new ValidationError('a BL client is bound to no building or park', [
      { path: 'role', message: 'BL clients see every program and event' },
    ]);
  if (spec.role === 'VEN' && spec.buildingIds.length === 0 && spec.parkIds.length === 0)
    throw new ValidationError('a VEN client needs buildingIds or parkIds', [
      { path: 'buildingIds', message: 'name the buildings (or parks) the VEN speaks for' },
    ]);
  if (who.role === 'parkManager' && spec.role === 'BL')
    throw new ForbiddenError('only a grid operator provisions BL clients');
  await requireBindingsInView(deps, who, spec);
  const existing = await deps.openadr.getClient(clientId);
  if (existing) await requireBindingsInView(deps, who, existing);
  const clientSecret = randomBytes(32).toString('base64url');
  const client: OpenadrClient = {
    clientId,
    role: spec.role,
    secretHash: hashSecret(clientSecret),
    buildingIds: spec.buildingIds,
    parkIds: spec.parkIds,
    createdAt: existing?.createdAt ?? toIso(deps.clock.now()),
    createdBy: existing?.createdBy ?? who.subject,
    generation: randomBytes(16).toString('base64url'),
  };
  await deps.openadr.putClient(client);
  return { clientId, clientSecret, role: spec.role, created: !existing };
}

/**
 * Buildings and parks must exist; a park manager may only bind (or manage a client bound to)
 * their own parks and those parks' buildings, and never a BL client.
 */
async function requireBindingsInView(
  deps: Pick<Deps, 'parks' | 'buildings'>,
  who: Principal,
  client: { role: ClientRole; buildingIds: readonly string[]; parkIds: readonly string[] },
): Promise<void> {
  const manager = who.role === 'parkManager';
  if (manager && client.role === 'BL') throw new ForbiddenError('only a grid operator manages BL clients');
  for (const parkId of client.parkIds) {
    if (manager && !who.parkIds.includes(parkId))
      throw new ForbiddenError(`you are not bound to park '${parkId}'`);
    if (!(await deps.parks.get(parkId))) throw new NotFoundError(`park '${parkId}' not found`);
  }
  const buildings = await deps.buildings.getMany(client.buildingIds);
  for (const id of client.buildingIds) {
    const b = buildings.find((x) => x.buildingId === id);
    if (!b) throw new NotFoundError(`building '${id}' not found`);
    if (manager && !who.parkIds.includes(b.parkId))
      throw new ForbiddenError(`you are not bound to building '${id}'`);
  }
}

/** Removes a client; its tokens stop working at once (every request reads the token's client). */
export async function removeClient(deps: ProvisionDeps, who: Principal, clientId: string): Promise<void> {
  requireRole(who, 'operator', 'parkManager');
  const existing = await deps.openadr.getClient(clientId);
  if (!existing) throw new NotFoundError(`client '${clientId}' not found`);
  await requireBindingsInView(deps, who, existing);
  await deps.openadr.deleteClient(clientId);
}

/**
 * A hash of no secret, checked when the client id is unknown so that both refusals cost one
 * scrypt: the answer's timing must not tell which client ids exist.
 */
const DUMMY_SECRET_HASH = hashSecret(randomBytes(32).toString('base64url'));

/**
 * `POST /auth/token`: client credentials for an opaque bearer token.
 * 1. Only the client credentials grant.
 * 2. Throttle: when the client id or the source address has failed
 *    `openadrTokenFailuresPerClient` / `…PerAddress` times in the current fixed window, 429 with
 *    the seconds left in the window (counted whether or not the id exists, so 429 tells nothing).
 * 3. Check the secret, against a dummy hash for an unknown id (the same work either way); on a
 *    failure count it for the id and the address, then refuse with one answer for both cases.
 * 4. Grant the asked scopes (never wider than the role's), the client's buildings (its parks'
 *    buildings as enrolled now) and its generation, and store the token under its SHA-256.
 */
export async function issueToken(
  deps: TokenDeps,
  request: ClientCredentialRequest,
  sourceIp = 'unknown',
): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope: string }> {
  if (request.grant_type !== 'client_credentials')
    throw new OAuthError(
      'unsupported_grant_type',
      `grant_type '${request.grant_type}' is not supported; use client_credentials`,
    );
  const { openadrTokenFailuresPerClient, openadrTokenFailuresPerAddress, openadrTokenThrottleWindowSeconds } =
    deps.config;
  const windowMs = openadrTokenThrottleWindowSeconds * 1000;
  const now = deps.clock.now();
  const windowStartMs = Math.floor(now / windowMs) * windowMs;
  const counters = [
    { key: hashToken(`client:${request.client_id}`), limit: openadrTokenFailuresPerClient },
    { key: hashToken(`address:${sourceIp}`), limit: openadrTokenFailuresPerAddress },
  ];
  const counts = await Promise.all(counters.map((c) => deps.openadr.tokenFailures(c.key, windowStartMs)));
  if (counters.some((c, i) => (counts[i] ?? 0) >= c.limit))
    throw new TooManyRequestsError(
      'too many failed token requests for this client or from this address; try again later',
      Math.max(1, Math.ceil((windowStartMs + windowMs - now) / 1000)),
    );
  const client = await deps.openadr.getClient(request.client_id);
  const matches = secretMatches(request.client_secret, client?.secretHash ?? DUMMY_SECRET_HASH);
  if (!client || !matches) {
    await Promise.all(
      counters.map((c) => deps.openadr.addTokenFailure(c.key, windowStartMs, windowStartMs + windowMs)),
    );
    // The same answer for an unknown client and a wrong secret: do not confirm which ids exist.
    throw new OAuthError('invalid_client', 'unknown client or wrong secret');
  }
  const scopes = grantedScopes(client.role, request.scope);
  if (!scopes)
    throw new OAuthError('invalid_scope', `a ${client.role} client may ask only for a subset of its scopes`);
  const buildingIds = new Set(client.buildingIds);
  for (const parkId of client.parkIds) {
    let cursor: string | undefined;
    do {
      const page = await deps.buildings.listByPark(parkId, { cursor, limit: 500 });
      for (const b of page.items) buildingIds.add(b.buildingId);
      cursor = page.cursor;
    } while (cursor);
  }
  const ttl = deps.config.openadrTokenTtlSeconds;
  const token = randomBytes(32).toString('base64url');
  await deps.openadr.putToken(hashToken(token), {
    clientId: client.clientId,
    generation: client.generation,
    role: client.role,
    scopes,
    buildingIds: [...buildingIds],
    parkIds: client.parkIds,
    expiresAtMs: now + ttl * 1000,
  });
  return { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: scopes.join(' ') };
}

/**
 * The caller of a bearer token; 401 when it is missing, unknown or expired, or when its client is
 * gone or was provisioned again since (deleted and re-created, or its secret rotated): the token
 * must carry the client's current generation.
 */
export async function callerOf(
  deps: Pick<Deps, 'openadr'>,
  bearer: string | undefined,
): Promise<OpenadrCaller> {
  if (!bearer) throw new UnauthorizedError('a bearer token is required (POST /auth/token)');
  const token = await deps.openadr.getToken(hashToken(bearer));
  if (!token) throw new UnauthorizedError('the token is unknown or expired');
  const client = await deps.openadr.getClient(token.clientId);
  if (!client || client.generation !== token.generation)
    throw new UnauthorizedError('the token was revoked: its client was removed or provisioned again');
  return {
    clientId: token.clientId,
    role: token.role,
    scopes: token.scopes,
    buildingIds: token.buildingIds,
    parkIds: token.parkIds,
  };
}
