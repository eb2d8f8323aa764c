import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../../lib/openadr/', import.meta.url));
const sources = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => [f, readFileSync(`${dir}${f}`, 'utf8')] as const);

describe('lib/openadr stays pure', () => {
  it.each(sources)('%s imports only zod and lib/domain, and reads no clock', (_, source) => {
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    for (const from of imports) expect(from).toMatch(/^(zod|\.\.\/domain\/.+|\.\/[a-z-]+\.ts)$/);
    expect(source).not.toMatch(/Date\.now|new Date\(|performance\.now|process\./);
  });
});
