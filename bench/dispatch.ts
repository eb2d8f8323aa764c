/**
 * `npm run bench:dispatch`: from "event accepted" to "last command published" against DynamoDB
 * Local, with PutEvents answered by a loopback stub after 30 ms. Each size runs in its own
 * process. Options: `--sizes 1000,10000,50000` `--json out.json`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { errorMessage } from '../lib/caught-errors.ts';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,50000' },
    json: { type: 'string', default: join(here, 'results', 'dispatch.json') },
  },
});

const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
const rows: unknown[] = [];
console.log(
  '| buildings | commands | accept ms | read scope ms | plan ms | store ms | publish ms | mark published ms | total ms | PutEvents calls | lower bound | peak MB |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const n of values.sizes.split(',').map(Number)) {
  try {
    const { stdout } = await run(
      process.execPath,
      ['--max-old-space-size=8192', '--import', 'tsx', join(here, 'dispatch-run.ts'), String(n)],
      {
        timeout: 1_800_000,
        maxBuffer: 1 << 22,
      },
    );
    const line =
      stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .at(-1) ?? '{}';
    const r = JSON.parse(line) as Record<string, number>;
    rows.push(r);
    console.log(
      `| ${fmt(n)} | ${fmt(r.commands ?? 0)} | ${fmt(r.acceptMs ?? 0)} | ${fmt(r.readScopeMs ?? 0)} | ${fmt(r.planMs ?? 0)} | ${fmt(r.storeMs ?? 0)} | ${fmt(r.publishMs ?? 0)} | ${fmt(r.markPublishedMs ?? 0)} | ${fmt(r.totalMs ?? 0)} | ${fmt(r.putEventsCalls ?? 0)} | ${fmt(r.lowerBound ?? 0)} | ${fmt(r.peakMb ?? 0)} |`,
    );
  } catch (e) {
    console.log(`| ${fmt(n)} | failed: ${errorMessage(e).split('\n')[0]} |`);
  }
}
mkdirSync(dirname(values.json), { recursive: true });
writeFileSync(values.json, `${JSON.stringify(rows, null, 2)}\n`);
console.log('\nPeak MB is the Node process; DynamoDB Local runs in its own JVM. Raw rows:', values.json);
