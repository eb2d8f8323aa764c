/**
 * EventBridge event-pattern matching, small and exact, for the in-process bus: the same patterns
 * the CDK rules deploy decide where a local event goes. Covers what the EventBridge user guide
 * documents: exact values, `prefix`, `suffix` (both also with `equals-ignore-case`),
 * `equals-ignore-case`, `anything-but` (values, lists, `prefix`, `suffix`, `wildcard`),
 * `numeric` ranges, `exists`, `null` and empty strings, arrays in events (any element matches),
 * nested fields, `wildcard`, `cidr` (IPv4 and IPv6) and `$or` at any level.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type EventPattern = { [key: string]: unknown };

/** Does `event` (an EventBridge event: source, detail-type, detail, …) match `pattern`? */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function matchObject(pattern: Record<string, unknown>, value: unknown): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(sub) || !sub.some((alt) => isPlainObject(alt) && matchObject(alt, value)))
        return false;
      continue;
    }
    const field = isPlainObject(value) ? value[key] : undefined;
    const present = isPlainObject(value) && Object.hasOwn(value, key);
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, field, present)) return false;
    } else if (isPlainObject(sub)) {
      if (!isPlainObject(field)) return false;
      if (!matchObject(sub, field)) return false;
    } else {
      throw new Error(`invalid event pattern at '${key}': values must be arrays or objects`);
    }
  }
  return true;
}

/** A leaf: the array of allowed values or matchers; an array field matches when any element does. */
function matchLeaf(rules: unknown[], field: unknown, present: boolean): boolean {
  const values: Json[] = Array.isArray(field) ? (field as Json[]) : present ? [field as Json] : [];
  return rules.some((rule) => {
    if (isPlainObject(rule) && 'exists' in rule) {
      // `exists` looks at presence of a leaf, not at a value.
      const exists = present && !isPlainObject(field);
      return rule.exists === exists;
    }
    return values.some((v) => matchRule(rule, v));
  });
}

function matchRule(rule: unknown, v: Json): boolean {
  if (!isPlainObject(rule)) return rule === v; // exact: string, number, boolean or null
  const [op, arg] = Object.entries(rule)[0] ?? [];
  switch (op) {
    case 'prefix':
      return typeof v === 'string' && stringOp(arg, v, (s, p) => s.startsWith(p));
    case 'suffix':
      return typeof v === 'string' && stringOp(arg, v, (s, p) => s.endsWith(p));
    case 'equals-ignore-case':
      return typeof v === 'string' && typeof arg === 'string' && v.toLowerCase() === arg.toLowerCase();
    case 'wildcard':
      return typeof v === 'string' && typeof arg === 'string' && wildcard(arg).test(v);
    case 'anything-but':
      return anythingBut(arg, v);
    case 'numeric':
      return typeof v === 'number' && numeric(arg as unknown[], v);
    case 'cidr':
      return typeof v === 'string' && typeof arg === 'string' && inCidr(v, arg);
    default:
      throw new Error(`unsupported event pattern operator '${String(op)}'`);
  }
}

/** `prefix`/`suffix` take a string or `{ "equals-ignore-case": string }`. */
function stringOp(arg: unknown, v: string, test: (s: string, p: string) => boolean): boolean {
  if (typeof arg === 'string') return test(v, arg);
  if (isPlainObject(arg) && typeof arg['equals-ignore-case'] === 'string')
    return test(v.toLowerCase(), (arg['equals-ignore-case'] as string).toLowerCase());
  return false;
}

function anythingBut(arg: unknown, v: Json): boolean {
  if (Array.isArray(arg)) return !arg.includes(v);
  if (isPlainObject(arg)) {
    if (typeof v !== 'string') return false;
    if ('prefix' in arg) return !stringOp(arg.prefix, v, (s, p) => s.startsWith(p));
    if ('suffix' in arg) return !stringOp(arg.suffix, v, (s, p) => s.endsWith(p));
    if ('wildcard' in arg) {
      const list = Array.isArray(arg.wildcard) ? arg.wildcard : [arg.wildcard];
      return !list.some((w) => typeof w === 'string' && wildcard(w).test(v));
    }
    if ('equals-ignore-case' in arg) {
      const list = Array.isArray(arg['equals-ignore-case'])
        ? arg['equals-ignore-case']
        : [arg['equals-ignore-case']];
      return !list.some((w) => typeof w === 'string' && w.toLowerCase() === v.toLowerCase());
    }
    throw new Error('unsupported anything-but operand');
  }
  return v !== arg;
}

function numeric(conditions: unknown[], v: number): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const op = conditions[i];
    const bound = Number(conditions[i + 1]);
    const ok =
      op === '>'
        ? v > bound
        : op === '>='
          ? v >= bound
          : op === '<'
            ? v < bound
            : op === '<='
              ? v <= bound
              : op === '='
                ? v === bound
                : false;
    if (!ok) return false;
  }
  return true;
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 's');
}

function ipToBigInt(ip: string): { value: bigint; bits: number } | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    const parts = ip.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), bits: 32 };
  }
  if (ip.includes(':')) {
    const [head = '', tail = ''] = ip.split('::');
    const h = head ? head.split(':') : [];
    const t = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
    const groups = ip.includes('::') ? [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t] : h;
    if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return { value: groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n), bits: 128 };
  }
  return undefined;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base = '', lenText = ''] = cidr.split('/');
  const a = ipToBigInt(ip);
  const b = ipToBigInt(base);
  const len = Number(lenText);
  if (!a || !b || a.bits !== b.bits || !Number.isInteger(len) || len < 0 || len > a.bits) return false;
  const shift = BigInt(a.bits - len);
  return a.value >> shift === b.value >> shift;
}
