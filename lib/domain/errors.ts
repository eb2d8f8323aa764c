/**
 * Domain errors. Small classes with a `name` and an optional `cause`; exactly one place (the
 * HTTP error mapper, in `functions/`) turns them into status codes with `instanceof`.
 */

/** Input that breaks a rule of the domain. `issues` lists every problem, each with its path. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly issues: readonly { path: string; message: string }[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A computation was asked of data that cannot support it (for example no eligible baseline days). */
export class InsufficientDataError extends Error {
  override readonly name = 'InsufficientDataError';
}
