/**
 * Narrowing what a `catch` receives. A caught value is `unknown` (anything can be thrown), so it
 * is narrowed here rather than cast: `e as Error` lies when a string or a plain object was thrown,
 * and `.message` on it then prints `undefined`.
 */

/** Throws a TypeError naming what was thrown unless `e` is an `Error`. */
export function assertIsError(e: unknown): asserts e is Error {
  if (!(e instanceof Error)) throw new TypeError(`expected an Error, caught ${typeof e}: ${String(e)}`);
}

/** The message of an `Error`; anything else thrown, as text. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The `name` of what was thrown (AWS SDK errors are told apart by it), when it has one. */
export function errorName(e: unknown): string | undefined {
  return stringProperty(e, 'name');
}

/**
 * The `code` of what was thrown (Node system errors: `EPERM`, `ECONNREFUSED`, TLS codes), or of
 * its `cause` (fetch wraps network errors in a TypeError whose cause holds the code).
 */
export function errorCode(e: unknown, options: { orCause?: boolean } = {}): string | undefined {
  const own = stringProperty(e, 'code');
  if (own !== undefined || !options.orCause || !(e instanceof Error)) return own;
  return stringProperty(e.cause, 'code');
}

function stringProperty(e: unknown, key: 'name' | 'code'): string | undefined {
  if (typeof e !== 'object' || e === null || !(key in e)) return undefined;
  const value: unknown = Reflect.get(e, key);
  return typeof value === 'string' ? value : undefined;
}
