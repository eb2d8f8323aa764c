/** The one place where errors become HTTP answers (STYLE 7). */
import {
  ConflictError,
  ForbiddenError,
  InsufficientDataError,
  NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError,
} from '../../lib/domain/errors.ts';

export interface HttpError {
  statusCode: number;
  body: { message: string; issues?: readonly { path: string; message: string }[] };
  /** Headers the answer must carry (`retry-after` on a 429). */
  headers?: Record<string, string>;
}

/** Raised at the edge for requests that are not JSON or are too large. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    message: string,
    readonly statusCode: 400 | 413 | 415,
  ) {
    super(message);
  }
}

export function toHttpError(e: unknown): HttpError | undefined {
  if (e instanceof ValidationError)
    return { statusCode: 400, body: { message: e.message, issues: e.issues } };
  if (e instanceof RequestError) return { statusCode: e.statusCode, body: { message: e.message } };
  if (e instanceof UnauthorizedError) return { statusCode: 401, body: { message: e.message } };
  if (e instanceof ForbiddenError) return { statusCode: 403, body: { message: e.message } };
  if (e instanceof NotFoundError) return { statusCode: 404, body: { message: e.message } };
  if (e instanceof ConflictError) return { statusCode: 409, body: { message: e.message } };
  if (e instanceof TooManyRequestsError)
    return {
      statusCode: 429,
      body: { message: e.message },
      headers: { 'retry-after': String(e.retryAfterSeconds) },
    };
  if (e instanceof InsufficientDataError) return { statusCode: 422, body: { message: e.message } };
  return undefined;
}
