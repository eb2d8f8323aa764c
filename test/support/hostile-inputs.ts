/** Hostile request material the fuzzers share: content types, raw bodies, deep nesting. */

/** Content types a client may send, right and wrong. */
export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
] as const;

/** Raw texts that are not JSON, or JSON every JSON route must refuse whatever its schema. */
export const REFUSED_RAW_BODIES = [
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":-Infinity}',
  "{'a':1}",
  '{"a":1,}',
  '[1,2',
  '{"a":"\\ud800"',
  '\u0000',
  'undefined',
  'null',
  '"text"',
  '1e999',
  '[]',
  'true',
  '\ufeff{}',
  '{"__proto__":{"polluted":true}}',
  '<xml/>',
  'a=1&b=2',
  '{"a":1}{"b":2}',
] as const;

/** A JSON text nested `depth` deep (arrays or objects), built as text so nothing recurses. */
export function nestedText(depth: number, arrays: boolean): string {
  return arrays
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}
