/**
 * The pure rules of notifications: which operations of a subscription ask for a change, its
 * programID and targets filters, what each subscriber may see (object privacy), bearer tokens kept
 * from everyone but the owner, and distinct signed callbacks.
 */
import { describe, expect, it } from 'vitest';
import {
  callbacksOf,
  notificationOf,
  type ObjectOperation,
  operationsFor,
  passesFilters,
  servedSubscription,
  subscriberOf,
  visibleObject,
  withoutSecrets,
} from '../../../lib/openadr/notifications.ts';

const op = (
  objects: ObjectOperation['objects'],
  operations: ObjectOperation['operations'],
  callbackUrl: string,
  bearerToken?: string,
): ObjectOperation => ({ objects, operations, callbackUrl, ...(bearerToken ? { bearerToken } : {}) });

const BL = subscriberOf({ clientId: 'grid-op', role: 'BL', buildingIds: [], parkIds: [] }, 'ignored');
const VEN = subscriberOf(
  { clientId: 'ven-b1', role: 'VEN', buildingIds: ['b1'], parkIds: ['p1'] },
  'ven-one',
);

describe('notification matching', () => {
  it('grants a VEN its buildings, parks and name, and a BL nothing to match (it sees all)', () => {
    expect(VEN.granted).toEqual(['building:b1', 'park:p1', 'ven-one']);
    expect(BL).toMatchObject({ role: 'BL', venName: 'grid-op', granted: [] });
  });

  it('keeps the operations that name the type and the operation', () => {
    const sub = {
      objectOperations: [
        op(['PROGRAM', 'EVENT'], ['CREATE'], 'https://a'),
        op(['EVENT'], ['UPDATE', 'DELETE'], 'https://b'),
        op(['REPORT'], ['CREATE'], 'https://c'),
      ],
    };
    expect(operationsFor(sub, 'EVENT', 'CREATE').map((o) => o.callbackUrl)).toEqual(['https://a']);
    expect(operationsFor(sub, 'EVENT', 'DELETE').map((o) => o.callbackUrl)).toEqual(['https://b']);
    expect(operationsFor(sub, 'VEN', 'CREATE')).toEqual([]);
  });

  it('filters on programID and on targets, the latter only for types that carry targets', () => {
    expect(passesFilters({ programID: 'p' }, 'EVENT', {}, 'p')).toBe(true);
    expect(passesFilters({ programID: 'p' }, 'EVENT', {}, 'q')).toBe(false);
    expect(passesFilters({ programID: 'p' }, 'REPORT', {}, undefined)).toBe(false);
    expect(
      passesFilters({ targets: ['zone:a'] }, 'PROGRAM', { targets: ['zone:b', 'zone:a'] }, undefined),
    ).toBe(true);
    expect(passesFilters({ targets: ['zone:a'] }, 'PROGRAM', { targets: ['zone:b'] }, undefined)).toBe(false);
    expect(passesFilters({ targets: ['zone:a'] }, 'REPORT', { targets: ['zone:b'] }, undefined)).toBe(true);
    expect(passesFilters({ targets: [] }, 'EVENT', {}, undefined)).toBe(true);
  });

  it('shows a VEN programs without targets or sharing one, never BL events, and only its own objects', () => {
    expect(visibleObject(VEN, 'PROGRAM', { id: 'open' })).toEqual({ id: 'open' });
    expect(visibleObject(VEN, 'PROGRAM', { targets: ['park:p1'] })).toBeDefined();
    expect(visibleObject(VEN, 'PROGRAM', { targets: ['park:p2'] })).toBeUndefined();
    expect(visibleObject(VEN, 'EVENT', { id: 'e' })).toBeUndefined();
    expect(visibleObject(VEN, 'REPORT', { clientID: 'ven-b1' })).toBeDefined();
    expect(visibleObject(VEN, 'REPORT', { clientID: 'ven-b2' })).toBeUndefined();
    expect(visibleObject(BL, 'EVENT', { id: 'e' })).toEqual({ id: 'e' });
  });

  it("keeps a subscription's bearer tokens from everyone but its owner", () => {
    const sub = { clientID: 'ven-b1', objectOperations: [op(['EVENT'], ['CREATE'], 'https://a', 'secret')] };
    expect(servedSubscription(sub, 'ven-b1')).toBe(sub);
    expect(JSON.stringify(servedSubscription(sub, 'grid-op'))).not.toContain('secret');
    expect(JSON.stringify(withoutSecrets(sub))).not.toContain('secret');
    expect(JSON.stringify(visibleObject(BL, 'SUBSCRIPTION', sub))).not.toContain('secret');
    expect(withoutSecrets({ objectOperations: 'not a list' })).toEqual({ objectOperations: [] });
  });

  it('posts once per distinct URL and token, signed with the given key', () => {
    const targets = callbacksOf(
      [
        op(['EVENT'], ['CREATE'], 'https://a', 't'),
        op(['EVENT'], ['UPDATE'], 'https://a', 't'),
        op(['EVENT'], ['DELETE'], 'https://a'),
      ],
      'key',
    );
    expect(targets).toEqual([
      { url: 'https://a', bearerToken: 't', signingSecret: 'key' },
      { url: 'https://a', bearerToken: undefined, signingSecret: 'key' },
    ]);
    expect(callbacksOf([op(['EVENT'], ['CREATE'], 'https://a')], undefined)[0]).not.toHaveProperty(
      'signingSecret',
    );
  });

  it("gives a notification the object's targets, or null when it has none", () => {
    expect(notificationOf('EVENT', 'CREATE', { targets: ['x'] }).targets).toEqual(['x']);
    expect(notificationOf('EVENT', 'CREATE', { targets: [] }).targets).toBeNull();
    expect(notificationOf('PROGRAM', 'DELETE', {}).targets).toBeNull();
  });
});
