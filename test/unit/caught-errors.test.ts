import { describe, expect, it } from 'vitest';
import { assertIsError, errorCode, errorMessage, errorName } from '../../lib/caught-errors.ts';

describe('caught errors', () => {
  it('gives the message of an Error and anything else thrown as text', () => {
    expect(errorMessage(new RangeError('too far'))).toBe('too far');
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });

  it('asserts an Error, and names what was thrown instead', () => {
    const e: unknown = new Error('boom');
    assertIsError(e);
    expect(e.message).toBe('boom');
    expect(() => assertIsError('boom')).toThrow(/expected an Error, caught string: boom/);
    expect(() => assertIsError(null)).toThrow(TypeError);
  });

  it('reads a string name or code, never a value of another type', () => {
    const conflict = Object.assign(new Error('taken'), { name: 'ConflictException' });
    expect(errorName(conflict)).toBe('ConflictException');
    expect(errorName({ name: 7 })).toBeUndefined();
    expect(errorName('ConflictException')).toBeUndefined();
    expect(errorCode(Object.assign(new Error('no'), { code: 'EPERM' }))).toBe('EPERM');
    expect(errorCode({ code: 1 })).toBeUndefined();
  });

  it("reads a fetch failure's code from its cause only when asked", () => {
    const failed = new TypeError('fetch failed', {
      cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
    });
    expect(errorCode(failed)).toBeUndefined();
    expect(errorCode(failed, { orCause: true })).toBe('ECONNREFUSED');
    expect(errorCode(new Error('no cause'), { orCause: true })).toBeUndefined();
  });
});
