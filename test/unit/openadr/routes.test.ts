/** The OpenADR fallback route's answers: which methods a path takes (405's `Allow`), none for 404. */
import { describe, expect, it } from 'vitest';
import {
  methodsAt,
  OPENADR_FALLBACK_ROUTE,
  OPENADR_PREFIX,
  type OpenadrOperation,
  openadrOperations,
} from '../../../functions/openadr/operations.ts';

describe('methodsAt', () => {
  it('names every method the document serves at a path, sorted', () => {
    expect(methodsAt('/openadr3/programs/abc')).toEqual(['DELETE', 'GET', 'PUT']);
    expect(methodsAt('/openadr3/programs')).toEqual(['GET', 'POST']);
    expect(methodsAt('/openadr3/auth/token')).toEqual(['POST']);
  });

  it('finds each operation at its own path, ids filled in', () => {
    for (const op of Object.values(openadrOperations) as OpenadrOperation[])
      expect(methodsAt(`${OPENADR_PREFIX}${op.path.replace(/\{\w+\}/g, 'x1')}`)).toContain(op.method);
  });

  it('names none for paths the document does not serve, so they are 404s', () => {
    for (const path of [
      '/openadr3/nothing',
      '/openadr3/programs/abc/extra',
      '/openadr3/notifiers/mqtt/topics/programs',
      '/openadr3',
      '/programs',
      '/openadr3x/programs',
    ])
      expect(methodsAt(path), path).toEqual([]);
    expect(OPENADR_FALLBACK_ROUTE.path).toBe(`${OPENADR_PREFIX}/{proxy+}`);
  });
});
