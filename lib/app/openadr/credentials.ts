/**
 * OAuth2 client credentials for the VTN (OpenADR 3.1 Definition, "OAuth 2.0 client credential
 * flow"). Clients are provisioned out of band by a grid operator (any client) or a park manager
 * (VENs of their own parks and buildings); the secret is shown once and only its scrypt hash is
 * kept. Access tokens are opaque random strings stored under their SHA-256 with an expiry: the
 * document leaves the token format to the VTN, and a reference token needs no signing key, can be
 * revoked by deleting the client, and leaks nothing usable from a copy of the table.
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../domain/errors.ts';
import { Id } from '../../domain/model/common.ts';
import { toIso } from '../../domain/time.ts';
import { parseOrThrow } from '../../domain/validate.ts';
import { type ClientRole, grantedScopes, type OpenadrCaller, type Scope } from '../../openadr/access.ts';
import type { ClientCredentialRequest } from '../../openadr/schemas.ts';
import type { OpenadrClient } from '../../ports.ts';
import { type Principal, requireRole } from '../auth.ts';
import type { Deps } from '../config.ts';

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

const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const;

export function hashSecret(secret: string, salt = randomBytes(16)): string {
  const hash = scryptSync(secret, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export function secretMatches(secret: string, stored: string): boolean {
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

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Creates a client, or gives an existing one a new secret and bindings (the old secret stops
 * working; tokens already issued keep their grants until they expire). Operators provision any
 * client; a park manager only VENs bound to their own parks or to buildings of them.
 */
export async function provisionClient(
  deps: Deps,
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
  };
  await deps.openadr.putClient(client);
  return { clientId, clientSecret, role: spec.role, created: !existing };
}

/**
 * Buildings and parks must exist; a park manager may only bind (or manage a client bound to)
 * their own parks and those parks' buildings, and never a BL client.
 */
async function requireBindingsInView(
  deps: Deps,
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

/** Removes a client; its tokens stop working at once (every request reads the client's token). */
export async function removeClient(deps: Deps, who: Principal, clientId: string): Promise<void> {
  requireRole(who, 'operator', 'parkManager');
  const existing = await deps.openadr.getClient(clientId);
  if (!existing) throw new NotFoundError(`client '${clientId}' not found`);
  await requireBindingsInView(deps, who, existing);
  await deps.openadr.deleteClient(clientId);
}

/** `POST /auth/token`: client credentials for an opaque bearer token. */
export async function issueToken(
  deps: Deps,
  request: ClientCredentialRequest,
): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope: string }> {
  if (request.grant_type !== 'client_credentials')
    throw new OAuthError(
      'unsupported_grant_type',
      `grant_type '${request.grant_type}' is not supported; use client_credentials`,
    );
  const client = await deps.openadr.getClient(request.client_id);
  // The same answer for an unknown client and a wrong secret: do not confirm which ids exist.
  if (!client || !secretMatches(request.client_secret, client.secretHash))
    throw new OAuthError('invalid_client', 'unknown client or wrong secret');
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
    role: client.role,
    scopes,
    buildingIds: [...buildingIds],
    parkIds: client.parkIds,
    expiresAtMs: deps.clock.now() + ttl * 1000,
  });
  return { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: scopes.join(' ') };
}

/** The caller of a bearer token; 401 when it is missing, unknown, expired or its client is gone. */
export async function callerOf(deps: Deps, bearer: string | undefined): Promise<OpenadrCaller> {
  if (!bearer) throw new UnauthorizedError('a bearer token is required (POST /auth/token)');
  const token = await deps.openadr.getToken(hashToken(bearer));
  if (!token) throw new UnauthorizedError('the token is unknown or expired');
  if (!(await deps.openadr.getClient(token.clientId)))
    throw new UnauthorizedError('the token was revoked with its client');
  return {
    clientId: token.clientId,
    role: token.role,
    scopes: token.scopes as Scope[],
    buildingIds: token.buildingIds,
    parkIds: token.parkIds,
  };
}
