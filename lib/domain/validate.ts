import type * as z from 'zod';
import { ValidationError } from './errors.ts';

/**
 * Parses `input` with `schema`, or throws a {@link ValidationError} whose message names every
 * offending path, for example `targetsKw: targetsKw has 3 values but the window has 4 intervals`.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new ValidationError(`invalid ${what}: ${summary}`, issues, { cause: result.error });
}
