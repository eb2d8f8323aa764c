import { describe, expect, it } from 'vitest';
import { ClaimMapping, COGNITO_CLAIMS, principalOf, withBindings } from '../../functions/commons/claims.ts';
import {
  bindingClaims,
  CLIENT_CREDENTIALS,
  subjectOf,
  type TokenHookEvent,
  tokenOverrides,
} from '../../functions/identity/token-claims.ts';
import type { Principal } from '../../lib/app/auth.ts';
import { deleteBinding, getBinding, putBinding } from '../../lib/app/bindings.ts';
import type { Deps } from '../../lib/app/config.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/domain/errors.ts';
import type { UserBinding } from '../../lib/domain/model/binding.ts';
import type { Building, Park } from '../../lib/domain/model/building.ts';

const userEvent = (sub: string): TokenHookEvent => ({
  triggerSource: 'TokenGeneration_Authentication',
  callerContext: { clientId: 'users-client' },
  request: { userAttributes: { sub } },
});
const machineEvent = (clientId: string): TokenHookEvent => ({
  triggerSource: CLIENT_CREDENTIALS,
  callerContext: { clientId },
  request: { userAttributes: {} },
});

describe('the pre-token trigger', () => {
  it("takes a user's sub, and a machine's app client id", () => {
    expect(subjectOf(userEvent('u-1'))).toBe('u-1');
    expect(subjectOf(machineEvent('client-7'))).toBe('client-7');
    expect(subjectOf(userEvent(''))).toBeUndefined();
  });

  it("writes a user's stored bindings into both tokens", () => {
    // Act
    const overrides = tokenOverrides(userEvent('u-1'), { parkIds: ['p1', 'p2'], buildingIds: [] });
    // Assess: the empty list is suppressed, so nothing else can fill it.
    const token = {
      claimsToAddOrOverride: { 'custom:parkIds': 'p1,p2' },
      claimsToSuppress: ['custom:buildingIds'],
    };
    expect(overrides).toEqual({ idTokenGeneration: token, accessTokenGeneration: token });
  });

  it("writes a machine's bindings into its access token only (it has no ID token)", () => {
    expect(tokenOverrides(machineEvent('c'), { parkIds: [], buildingIds: ['b1', 'b2'] })).toEqual({
      accessTokenGeneration: {
        claimsToAddOrOverride: { 'custom:buildingIds': 'b1,b2' },
        claimsToSuppress: ['custom:parkIds'],
      },
    });
  });

  it('suppresses every binding claim of a subject with no binding stored', () => {
    const token = { claimsToSuppress: ['custom:parkIds', 'custom:buildingIds'] };
    expect(tokenOverrides(userEvent('nobody'), undefined)).toEqual({
      idTokenGeneration: token,
      accessTokenGeneration: token,
    });
    expect(bindingClaims(undefined)).toEqual({});
  });

  it('writes claims that principalOf reads back as the same bindings', () => {
    const claims = bindingClaims({ parkIds: ['p1', 'p2'], buildingIds: ['b1'] });
    const who = principalOf(jwt({ sub: 'u-1', 'cognito:groups': '[park-manager]', ...claims }));
    expect(who).toEqual({ subject: 'u-1', role: 'parkManager', parkIds: ['p1', 'p2'], buildingIds: ['b1'] });
  });
});

function jwt(claims: Record<string, string>) {
  return { requestContext: { authorizer: { jwt: { claims, scopes: [] } } } } as unknown as Parameters<
    typeof principalOf
  >[0];
}

describe('claims', () => {
  it("gives a machine's client-credentials token the role of its flexdr scope", () => {
    const who = principalOf(jwt({ sub: 'client-7', scope: 'flexdr/bms', 'custom:buildingIds': 'b1' }));
    expect(who).toEqual({ subject: 'client-7', role: 'bms', parkIds: [], buildingIds: ['b1'] });
  });

  it('refuses a token whose groups and scopes name two roles', () => {
    expect(() =>
      principalOf(jwt({ sub: 'x', 'cognito:groups': '[grid-operator]', scope: 'flexdr/bms' })),
    ).toThrow(ForbiddenError);
  });

  it("reads an OIDC issuer's role claim by the mapping, and leaves bindings to the store", () => {
    // Prepare: what IDENTITY_CLAIMS holds for a China stage.
    const mapping = ClaimMapping.parse({
      roles: 'roles',
      roleValues: { dispatcher: 'operator', 'park-admin': 'parkManager' },
      bindings: 'store',
    });
    // Act: the issuer's token claims a binding of its own, which a store mapping ignores.
    const who = principalOf(
      jwt({ sub: 'zhang', roles: '[park-admin]', 'custom:parkIds': 'forged' }),
      mapping,
    );
    // Assess
    expect(who).toEqual({ subject: 'zhang', role: 'parkManager', parkIds: [], buildingIds: [] });
    expect(withBindings(who, { parkIds: ['p1'], buildingIds: [] }).parkIds).toEqual(['p1']);
    expect(withBindings(who, undefined).parkIds).toEqual([]);
    expect(() => principalOf(jwt({ sub: 'zhang', 'cognito:groups': '[grid-operator]' }), mapping)).toThrow(
      ForbiddenError,
    );
  });

  it("never maps a role from a value that is only an object's property name", () => {
    expect(() => principalOf(jwt({ sub: 'x', 'cognito:groups': '[constructor]' }), COGNITO_CLAIMS)).toThrow(
      /no FlexDR role/,
    );
  });
});

/** The ports the binding use-cases take, in memory. */
function fakes() {
  const bindings = new Map<string, UserBinding>();
  const parks = new Map<string, Park>(
    ['p1', 'p2'].map((id) => [id, { parkId: id, name: id, zone: 'mengxi', city: 'Hohhot' } as Park]),
  );
  const buildings = new Map<string, Building>(
    [
      ['b1', 'p1'],
      ['b2', 'p2'],
    ].map(([id, parkId]) => [id as string, { buildingId: id, parkId } as Building]),
  );
  const deps = {
    clock: { now: () => Date.parse('2026-01-05T00:00:00Z') },
    bindings: {
      get: async (id: string) => bindings.get(id),
      put: async (b: UserBinding) => void bindings.set(b.userId, b),
      delete: async (id: string) => void bindings.delete(id),
    },
    parks: { get: async (id: string) => parks.get(id) },
    buildings: {
      getMany: async (ids: readonly string[]) => ids.flatMap((id) => buildings.get(id) ?? []),
    },
  } as unknown as Pick<Deps, 'bindings' | 'parks' | 'buildings' | 'clock'>;
  return { deps, bindings };
}

const operator: Principal = { subject: 'op', role: 'operator', parkIds: [], buildingIds: [] };
const managerOfP1: Principal = { subject: 'm1', role: 'parkManager', parkIds: ['p1'], buildingIds: [] };
const bms: Principal = { subject: 'bms', role: 'bms', parkIds: [], buildingIds: ['b1'] };

describe('binding use-cases', () => {
  it('lets an operator bind anyone to any park and building, recording who and when', async () => {
    const { deps, bindings } = fakes();
    const stored = await putBinding(deps, operator, 'u', { parkIds: ['p2', 'p2'], buildingIds: ['b1'] });
    expect(stored).toEqual({
      userId: 'u',
      parkIds: ['p2'],
      buildingIds: ['b1'],
      updatedAt: '2026-01-05T00:00:00.000Z',
      updatedBy: 'op',
    });
    expect(bindings.get('u')).toEqual(stored);
  });

  it('lets a park manager bind within their parks only, and never over a binding beyond them', async () => {
    const { deps } = fakes();
    await expect(
      putBinding(deps, managerOfP1, 'bms-a', { parkIds: [], buildingIds: ['b1'] }),
    ).resolves.toMatchObject({
      buildingIds: ['b1'],
    });
    await expect(putBinding(deps, managerOfP1, 'u', { parkIds: ['p2'], buildingIds: [] })).rejects.toThrow(
      ForbiddenError,
    );
    await expect(putBinding(deps, managerOfP1, 'u', { parkIds: [], buildingIds: ['b2'] })).rejects.toThrow(
      ForbiddenError,
    );
    // A user an operator bound to p2 as well: the manager of p1 can neither read, change nor remove it.
    await putBinding(deps, operator, 'both', { parkIds: ['p1', 'p2'], buildingIds: [] });
    await expect(putBinding(deps, managerOfP1, 'both', { parkIds: ['p1'], buildingIds: [] })).rejects.toThrow(
      ForbiddenError,
    );
    await expect(getBinding(deps, managerOfP1, 'both')).rejects.toThrow(ForbiddenError);
    await expect(deleteBinding(deps, managerOfP1, 'both')).rejects.toThrow(ForbiddenError);
    await expect(getBinding(deps, operator, 'both')).resolves.toMatchObject({ parkIds: ['p1', 'p2'] });
  });

  it('refuses a BMS, parks and buildings that do not exist, and a binding that is not there', async () => {
    const { deps } = fakes();
    await expect(putBinding(deps, bms, 'bms', { parkIds: [], buildingIds: ['b1', 'b2'] })).rejects.toThrow(
      ForbiddenError,
    );
    const refused = await putBinding(deps, operator, 'u', { parkIds: ['p9'], buildingIds: ['b9'] }).catch(
      (e) => e,
    );
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues.map((i) => i.path)).toEqual(['parkIds.0', 'buildingIds.0']);
    await expect(getBinding(deps, operator, 'nobody')).rejects.toThrow(NotFoundError);
  });

  it('removes a binding', async () => {
    const { deps, bindings } = fakes();
    await putBinding(deps, managerOfP1, 'm2', { parkIds: ['p1'], buildingIds: [] });
    await deleteBinding(deps, managerOfP1, 'm2');
    expect(bindings.has('m2')).toBe(false);
  });
});
