/**
 * Domain errors. Small classes with a `name` and an optional `cause`; exactly one place (the
 * HTTP error mapper, in `functions/`) turns them into status codes with `instanceof`.
 */

/**
 * The base of a domain error class: its instances carry `name` as a literal, which survives
 * minification (unlike `constructor.name`) and shows in logs.
 */
function namedError<const N extends string>(name: N) {
  return class extends Error {
    override readonly name: N = name;
  };
}

/** Input that breaks a rule of the domain. `issues` lists every problem, each with its path. */
export class ValidationError extends namedError('ValidationError') {
  constructor(
    message: string,
    readonly issues: readonly { path: string; message: string }[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A computation was asked of data that cannot support it (for example no eligible baseline days). */
export class InsufficientDataError extends namedError('InsufficientDataError') {}

/** The thing asked for does not exist (or the caller may not know it exists). */
export class NotFoundError extends namedError('NotFoundError') {}

/** The request conflicts with the current state (a concurrent update, a duplicate with other content). */
export class ConflictError extends namedError('ConflictError') {}

/** The caller is authenticated but not allowed to do this. */
export class ForbiddenError extends namedError('ForbiddenError') {}

/** The caller is not authenticated. */
export class UnauthorizedError extends namedError('UnauthorizedError') {}

/** The caller failed too often lately and must wait `retryAfterSeconds` before trying again. */
export class TooManyRequestsError extends namedError('TooManyRequestsError') {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
