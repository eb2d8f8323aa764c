/**
 * Who may do what on the VTN (pure). OpenADR 3.1 names two kinds of client, each with scopes
 * (`oAuth2ClientCredentials` in the document): the business logic (BL: a grid operator's system)
 * and VENs (building systems). FlexDR binds each VEN client to the buildings (or parks) it speaks
 * for, so a VEN is a FlexDR BMS and a BL is a grid operator: the use-cases' own checks apply
 * unchanged to OpenADR callers.
 */
import { ForbiddenError } from '../domain/errors.ts';

export const SCOPES = [
  'read_all',
  'read_targets',
  'read_ven_objects',
  'write_programs',
  'write_events',
  'write_reports',
  'write_subscriptions',
  'write_vens',
] as const;
export type Scope = (typeof SCOPES)[number];

export type ClientRole = 'BL' | 'VEN';

/** The scopes each kind of client is granted, as the document's scope descriptions assign them. */
export const ROLE_SCOPES: Record<ClientRole, readonly Scope[]> = {
  BL: ['read_all', 'write_programs', 'write_events', 'write_subscriptions', 'write_vens'],
  VEN: ['read_targets', 'read_ven_objects', 'write_reports', 'write_subscriptions', 'write_vens'],
};

/** A caller of the VTN, as its access token resolves. */
export interface OpenadrCaller {
  clientId: string;
  role: ClientRole;
  scopes: readonly Scope[];
  /** Buildings a VEN speaks for (a park VEN's are its park's buildings when the token was issued). */
  buildingIds: readonly string[];
  parkIds: readonly string[];
}

/** `read_all` covers both narrower read scopes (a BL reads everything). */
export function hasScope(caller: Pick<OpenadrCaller, 'scopes'>, needed: Scope): boolean {
  if (caller.scopes.includes(needed)) return true;
  return (needed === 'read_targets' || needed === 'read_ven_objects') && caller.scopes.includes('read_all');
}

export function requireScope(caller: OpenadrCaller, needed: Scope): void {
  if (!hasScope(caller, needed))
    throw new ForbiddenError(
      `this operation needs the scope ${needed}; the token grants ${caller.scopes.join(' ')}`,
    );
}

/**
 * Scopes granted for a token request: the role's scopes, narrowed to those asked for (`scope`,
 * space-separated, RFC 6749 §3.3). Asking for a scope the role lacks is refused: `undefined`.
 */
export function grantedScopes(role: ClientRole, requested: string | undefined): Scope[] | undefined {
  const all = ROLE_SCOPES[role];
  const asked = (requested ?? '').split(' ').filter(Boolean);
  if (asked.length === 0) return [...all];
  if (!asked.every((s) => (all as readonly string[]).includes(s))) return undefined;
  return all.filter((s) => asked.includes(s));
}

/** The targets a VEN holds: `building:<id>` for each building and `park:<id>` for each park. */
export function targetsOf(caller: Pick<OpenadrCaller, 'buildingIds' | 'parkIds'>): string[] {
  return [...caller.buildingIds.map((b) => `building:${b}`), ...caller.parkIds.map((p) => `park:${p}`)];
}

/**
 * The spec's target filter: an object matches when it shares at least one target with the query.
 * No filter matches everything.
 */
export function matchesTargets(
  objectTargets: readonly string[] | null | undefined,
  filter: readonly string[],
): boolean {
  if (filter.length === 0) return true;
  return (objectTargets ?? []).some((t) => filter.includes(t));
}
