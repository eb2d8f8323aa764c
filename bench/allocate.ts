/**
 * `npm run bench:allocate`: the allocator against HiGHS across fleet sizes and window lengths.
 * Each case runs in its own process (peak memory is the process's own, one core), the median of
 * several runs; HiGHS runs where it can finish within its time limit. The fleet's batteries and
 * tanks carry the prefix caps `lib/domain/flexibility.ts` gives them. A second table solves the same
 * fleets without their caps (the window budgets only, the LP as it was before prefix caps) and with
 * them, for the fleet as it is and with half its batteries charging near their minimum (caps that
 * rise through the window; see bench/allocate-run.ts), and gives the ratio of the solve times.
 * Options: `--sizes 100,1000` `--intervals 4,16` `--highs-max 10000` `--highs-timeout 900`
 * `--prefix-caps no` (first table only) `--json out.json`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,10000,100000' },
    intervals: { type: 'string', default: '4,16,96' },
    'highs-max': { type: 'string', default: '10000' },
    'highs-timeout': { type: 'string', default: '900' },
    'flexdr-timeout': { type: 'string', default: '600' },
    'prefix-caps': { type: 'string', default: 'yes' },
    json: { type: 'string', default: join(here, 'results', 'allocate.json') },
  },
});

interface Row {
  solver: string;
  variant: string;
  buildings: number;
  intervals: number;
  runs: number;
  buildMs: number;
  solveMs: number;
  peakMb: number;
  cost: number;
  shortfallKwh: number;
  status: string;
  stats: { chainedResources: number } | null;
}

async function runCase(
  solver: string,
  n: number,
  t: number,
  timeoutS: number,
  variant = 'fleet',
): Promise<Row | string> {
  const runs = solver === 'highs' || n * t >= 1_000_000 ? 1 : n * t >= 100_000 ? 3 : 5;
  try {
    const { stdout } = await run(
      process.execPath,
      [
        '--expose-gc',
        '--max-old-space-size=8192',
        '--import',
        'tsx',
        join(here, 'allocate-run.ts'),
        solver,
        String(n),
        String(t),
        String(runs),
        variant,
      ],
      { timeout: timeoutS * 1000, maxBuffer: 1 << 20 },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Row;
  } catch (e) {
    const err = e as { killed?: boolean; signal?: string; message: string };
    return err.killed || err.signal === 'SIGTERM'
      ? `timeout > ${timeoutS} s`
      : `failed: ${err.message.split('\n')[0]}`;
  }
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sizes = values.sizes.split(',').map(Number);
const windows = values.intervals.split(',').map(Number);
const highsMax = Number(values['highs-max']);
const highsFits = (n: number, t: number) => n <= highsMax && n * t <= highsMax * 16;
const results: { flexdr: Row | string; highs: Row | string | null }[] = [];

console.log(
  '| buildings | intervals | build ms | solve ms | total ms | peak MB | cost ¥ | shortfall kWh | HiGHS ms | HiGHS peak MB | HiGHS cost ¥ | speed-up | cost rel. diff |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const n of sizes) {
  for (const t of windows) {
    const flexdr = await runCase('flexdr', n, t, Number(values['flexdr-timeout']));
    const highs = highsFits(n, t) ? await runCase('highs', n, t, Number(values['highs-timeout'])) : null;
    results.push({ flexdr, highs });
    const cells: string[] = [String(n), String(t)];
    if (typeof flexdr === 'string') cells.push(flexdr, '', '', '', '', '');
    else
      cells.push(
        fmt(flexdr.buildMs, 1),
        fmt(flexdr.solveMs, 1),
        fmt(flexdr.buildMs + flexdr.solveMs, 1),
        fmt(flexdr.peakMb),
        fmt(flexdr.cost, 2),
        fmt(flexdr.shortfallKwh, 1),
      );
    if (highs === null) cells.push('skipped', '', '', '', '');
    else if (typeof highs === 'string') cells.push(highs, '', '', '', '');
    else {
      cells.push(fmt(highs.solveMs, 0), fmt(highs.peakMb), fmt(highs.cost, 2));
      if (typeof flexdr === 'string') cells.push('', '');
      else
        cells.push(
          `${fmt(highs.solveMs / flexdr.solveMs, 0)}×`,
          (Math.abs(flexdr.cost - highs.cost) / Math.max(1, Math.abs(highs.cost))).toExponential(1),
        );
    }
    console.log(`| ${cells.join(' | ')} |`);
  }
}

const prefixRows: {
  variant: string;
  withCaps: Row | string;
  withoutCaps: Row | string;
  highs: Row | string | null;
}[] = [];
if (values['prefix-caps'] !== 'no') {
  const solveOf = (row: Row | string) => (typeof row === 'object' ? row.solveMs : Number.NaN);
  console.log(
    '\nPrefix caps: the same fleets solved with and without them (the window budgets kept); `charging` has half its batteries charging near their minimum. HiGHS solves the `charging` fleet with its caps.\n',
  );
  console.log(
    '| buildings | intervals | fleet | chained resources | solve ms without caps | solve ms with caps | with / without | cost ¥ without caps | cost ¥ with caps | shortfall kWh with caps | HiGHS cost ¥ | cost rel. diff |',
  );
  console.log('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const timeout = Number(values['flexdr-timeout']);
  for (const n of sizes) {
    for (const t of windows) {
      for (const fleet of ['fleet', 'charging']) {
        const withoutCaps = await runCase('flexdr', n, t, timeout, `${fleet}-no-caps`);
        const withCaps = await runCase('flexdr', n, t, timeout, fleet);
        const highs =
          fleet === 'charging' && highsFits(n, t)
            ? await runCase('highs', n, t, Number(values['highs-timeout']), fleet)
            : null;
        prefixRows.push({ variant: fleet, withCaps, withoutCaps, highs });
        const ratio = solveOf(withCaps) / solveOf(withoutCaps);
        const cells: string[] = [String(n), String(t), fleet];
        cells.push(typeof withCaps === 'string' ? withCaps : fmt(withCaps.stats?.chainedResources ?? 0));
        cells.push(
          typeof withoutCaps === 'string' ? withoutCaps : fmt(withoutCaps.solveMs, 1),
          typeof withCaps === 'string' ? '' : fmt(withCaps.solveMs, 1),
          Number.isFinite(ratio) ? `${fmt(ratio, 2)}×` : '',
          typeof withoutCaps === 'string' ? '' : fmt(withoutCaps.cost, 2),
          typeof withCaps === 'string' ? '' : fmt(withCaps.cost, 2),
          typeof withCaps === 'string' ? '' : fmt(withCaps.shortfallKwh, 1),
        );
        if (highs === null) cells.push(fleet === 'charging' ? 'skipped' : '', '');
        else if (typeof highs === 'string') cells.push(highs, '');
        else
          cells.push(
            fmt(highs.cost, 2),
            typeof withCaps === 'string'
              ? ''
              : (Math.abs(withCaps.cost - highs.cost) / Math.max(1, Math.abs(highs.cost))).toExponential(1),
          );
        console.log(`| ${cells.join(' | ')} |`);
      }
    }
  }
}

mkdirSync(dirname(values.json), { recursive: true });
writeFileSync(values.json, `${JSON.stringify({ fleet: results, prefixCaps: prefixRows }, null, 2)}\n`);
console.log(
  `\nSolve times exclude building the problem (flexibility of every building), shown apart. Raw rows: ${values.json}`,
);
