/**
 * `npm run bench:province`: one peak-shaving event over a synthetic province, from acceptance
 * through every answer (a tenth decline), the debounced re-plan and the deadline, to settlement,
 * on DynamoDB Local (`bench/province-run.ts`, one process per size). Per stage: wall time,
 * invocations, the longest against its function's configured timeout, the most item writes to one
 * partition key in any second, PutEvents calls against ceil(entries / 10), peak RSS.
 * Options: `--sizes 2000,10000,100000` `--declines 0.1` `--json out.json`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { errorMessage } from '../lib/caught-errors.ts';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export interface ProvinceStage {
  stage: string;
  wallMs: number;
  invocations: number;
  fn: string;
  longestMs: number;
  timeoutS: number;
  maxWritesPerKeySecond: number;
  hottestKey: string;
  putEventsCalls: number;
  putEventsLowerBound: number;
  peakRssMb: number;
}

export interface ProvinceResult {
  buildings: number;
  parks: number;
  seedMs: number;
  commandsR1: number;
  declined: number;
  revision: number;
  status: string;
  settlementRevision?: number;
  stages: ProvinceStage[];
}

/** Runs one size in its own process (with `execPath`, so Node 22 under npm) and parses its line. */
export async function runProvince(buildings: number, declineShare = 0.1): Promise<ProvinceResult> {
  const { stdout } = await run(
    process.execPath,
    [
      '--max-old-space-size=8192',
      '--import',
      'tsx',
      join(here, 'province-run.ts'),
      String(buildings),
      String(declineShare),
    ],
    { timeout: 3_600_000, maxBuffer: 1 << 24 },
  );
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .at(-1);
  if (!line) throw new Error(`province-run ${buildings} printed no result:\n${stdout.slice(-2000)}`);
  return JSON.parse(line) as ProvinceResult;
}

const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** The result as a Markdown table, one row per stage. */
export function provinceTable(r: ProvinceResult): string {
  const rows = r.stages.map((s) =>
    [
      s.stage,
      fmt(s.wallMs),
      fmt(s.invocations),
      `${s.fn} ${fmt(s.longestMs)} ms / ${s.timeoutS} s (${((s.longestMs / (s.timeoutS * 1000)) * 100).toFixed(1)} %)`,
      s.maxWritesPerKeySecond > 0 ? `${fmt(s.maxWritesPerKeySecond)} (${s.hottestKey})` : '0',
      `${fmt(s.putEventsCalls)} / ${fmt(s.putEventsLowerBound)}`,
      fmt(s.peakRssMb),
    ].join(' | '),
  );
  return [
    `${fmt(r.buildings)} buildings in ${fmt(r.parks)} parks: ${fmt(r.commandsR1)} commands, ${fmt(r.declined)} declined, ${r.status} at revision ${r.revision}`,
    '',
    '| stage | wall ms | invocations | longest invocation / timeout | most writes to one key in a second | PutEvents calls / lower bound | peak RSS MB |',
    '|---|---:|---:|---|---:|---:|---:|',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '2000,10000' },
      declines: { type: 'string', default: '0.1' },
      json: { type: 'string', default: join(here, 'results', 'province.json') },
    },
  });
  const results: ProvinceResult[] = [];
  for (const n of values.sizes.split(',').map(Number)) {
    try {
      const r = await runProvince(n, Number(values.declines));
      results.push(r);
      console.log(`${provinceTable(r)}\n`);
    } catch (e) {
      // The child's last words: where it stopped, and why.
      const stderr = String((e as { stderr?: unknown }).stderr ?? '')
        .trim()
        .split('\n')
        .slice(-15)
        .join('\n');
      console.log(`${fmt(n)} buildings: failed: ${errorMessage(e).split('\n')[0]}\n${stderr}\n`);
    }
  }
  mkdirSync(dirname(values.json), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
  console.log('Peak RSS is the Node process; DynamoDB Local runs in its own JVM. Raw rows:', values.json);
}
