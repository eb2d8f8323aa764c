/**
 * The OpenADR store against a real DynamoDB Local: unique names written in the same transaction
 * as the object, optimistic replacement, compare-and-set of the VTN's bookkeeping, listing in
 * creation order, and tokens that expire on read before TTL removes them.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoOpenadrRepository } from '../../lib/adapters/dynamodb/openadr-repository.ts';
import { ConflictError } from '../../lib/domain/errors.ts';
import type { OpenadrObject } from '../../lib/ports.ts';
import { createTestTable, type TestTable } from '../support/dynamodb-local.ts';

let table: TestTable;
let repo: DynamoOpenadrRepository;
let now = Date.parse('2026-12-20T00:00:00Z');

beforeAll(async () => {
  table = await createTestTable(inject('dynamodbEndpoint'));
  repo = new DynamoOpenadrRepository(table.doc, table.tableName, () => now);
});
afterAll(async () => {
  await table?.drop();
});

const program = (id: string, name: string, modified: string, createdAt = modified): OpenadrObject => ({
  objectType: 'PROGRAM',
  id,
  clientId: 'bl',
  uniqueName: name,
  createdAt,
  body: {
    id,
    objectType: 'PROGRAM',
    programName: name,
    createdDateTime: createdAt,
    modificationDateTime: modified,
  },
});

describe('OpenADR repository on DynamoDB Local', () => {
  it('keeps names unique: a taken name is a conflict and stores nothing', async () => {
    await repo.create(program('p1', 'peak', '2026-12-20T00:00:01.000Z'));
    await expect(repo.create(program('p2', 'peak', '2026-12-20T00:00:02.000Z'))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(await repo.get('PROGRAM', 'p2')).toBeUndefined();
    await expect(repo.create(program('p1', 'other', '2026-12-20T00:00:03.000Z'))).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('replaces only the version it read, and moves a renamed object’s name', async () => {
    const first = (await repo.get('PROGRAM', 'p1')) as OpenadrObject;
    const renamed = program('p1', 'peak-2', '2026-12-20T00:01:00.000Z', first.createdAt);
    await repo.replace(renamed, first);
    // The same stale read again: somebody changed it meanwhile.
    await expect(
      repo.replace(program('p1', 'peak-3', '2026-12-20T00:02:00.000Z'), first),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await repo.get('PROGRAM', 'p1'))?.body.programName).toBe('peak-2');
    // The old name is free again, the new one taken.
    await repo.create(program('p3', 'peak', '2026-12-20T00:03:00.000Z'));
    await expect(repo.create(program('p4', 'peak-2', '2026-12-20T00:04:00.000Z'))).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('sets the bookkeeping by compare-and-set: of two writers that read the same state, one wins', async () => {
    const read = (await repo.get('PROGRAM', 'p3')) as OpenadrObject;
    const results = await Promise.all([
      repo.setInternal(read, { failures: 1 }),
      repo.setInternal(read, { failures: 1 }),
    ]);
    expect(results.sort()).toEqual([false, true]);
    const again = (await repo.get('PROGRAM', 'p3')) as OpenadrObject;
    expect(again.internal).toEqual({ failures: 1 });
    expect(await repo.setInternal(again, { failures: 2 })).toBe(true);
    expect((await repo.get('PROGRAM', 'p3'))?.internal).toEqual({ failures: 2 });
    expect(await repo.setInternal(program('gone', 'x', 'y'), { failures: 1 })).toBe(false);
  });

  it('lists a type oldest first, and deleting frees the name', async () => {
    expect((await repo.list('PROGRAM')).map((o) => o.id)).toEqual(['p1', 'p3']);
    const p3 = (await repo.get('PROGRAM', 'p3')) as OpenadrObject;
    await repo.delete(p3);
    expect(await repo.get('PROGRAM', 'p3')).toBeUndefined();
    await repo.create(program('p5', 'peak', '2026-12-20T00:05:00.000Z'));
    expect((await repo.list('PROGRAM')).map((o) => o.id)).toEqual(['p1', 'p5']);
    expect(await repo.list('EVENT')).toEqual([]);
  });

  it('answers a token until it expires, whatever TTL has not yet removed', async () => {
    const token = {
      clientId: 'ven-a',
      generation: 'g1',
      role: 'VEN' as const,
      scopes: ['read_targets' as const],
      buildingIds: ['b1'],
      parkIds: [],
      expiresAtMs: now + 3_600_000,
    };
    await repo.putToken('h1', token);
    expect(await repo.getToken('h1')).toEqual(token);
    now += 3_600_000;
    expect(await repo.getToken('h1')).toBeUndefined();
    expect(await repo.getToken('unknown')).toBeUndefined();
  });

  it('counts failures per key and window atomically, each window on its own', async () => {
    // Prepare
    const window = now - (now % 300_000);

    // Act: eight concurrent failures in one window, one in the next.
    const counts = await Promise.all(
      Array.from({ length: 8 }, () => repo.addTokenFailure('k1', window, window + 300_000)),
    );
    await repo.addTokenFailure('k1', window + 300_000, window + 600_000);

    // Assess
    expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await repo.tokenFailures('k1', window)).toBe(8);
    expect(await repo.tokenFailures('k1', window + 300_000)).toBe(1);
    expect(await repo.tokenFailures('k2', window)).toBe(0);
  });
});
