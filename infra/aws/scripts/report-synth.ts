/**
 * After `cdk synth`: each stack's resource count (against CloudFormation's 500 and FlexDR's own
 * 450) and each function bundle's size, read from the cloud assembly. `npm run synth` runs it
 * (`postsynth`); `tsx infra/aws/scripts/report-synth.ts [cdk.out]` runs it alone.
 * Exits 1 when a stack is above 450 resources or a bundle above the limit (BUNDLE_LIMIT_KB, off by default).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OUT = resolve(ROOT, process.argv[2] ?? 'cdk.out');
const STACK_LIMIT = 450;
const BUNDLE_LIMIT_KB = Number(process.env.BUNDLE_LIMIT_KB ?? 0);

interface Template {
  Resources?: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
  >;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);

if (!existsSync(OUT)) {
  console.error(`no cloud assembly at ${OUT}: run cdk synth first`);
  process.exit(1);
}
let failed = false;
const templates = readdirSync(OUT)
  .filter((f) => f.endsWith('.template.json'))
  .sort();
console.log(`\nResources per stack (limit ${STACK_LIMIT}, CloudFormation's 500):`);
const bundles: { fn: string; code: number; map: number }[] = [];
for (const file of templates) {
  const template = JSON.parse(readFileSync(join(OUT, file), 'utf8')) as Template;
  const resources = Object.entries(template.Resources ?? {});
  const stack = file.replace(/\.template\.json$/, '');
  const over = resources.length > STACK_LIMIT;
  failed ||= over;
  console.log(`  ${stack.padEnd(40)} ${String(resources.length).padStart(4)}${over ? '  OVER' : ''}`);
  for (const [id, r] of resources) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const assetPath = r.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') continue;
    const dir = join(OUT, assetPath);
    const code = readdirSync(dir).filter((f) => /\.(m?js|cjs)$/.test(f));
    const maps = readdirSync(dir).filter((f) => f.endsWith('.map'));
    bundles.push({
      fn: `${stack}/${
        String(r.Metadata?.['aws:cdk:path'] ?? id)
          .split('/')
          .slice(-2, -1)[0] ?? id
      }`,
      code: code.reduce((n, f) => n + sizeOf(join(dir, f)), 0),
      map: maps.reduce((n, f) => n + sizeOf(join(dir, f)), 0),
    });
  }
}
if (bundles.length > 0) {
  console.log(
    `\nFunction bundles (minified code, source map)${BUNDLE_LIMIT_KB ? `, limit ${BUNDLE_LIMIT_KB} KB` : ''}:`,
  );
  for (const b of bundles.sort((x, y) => y.code - x.code)) {
    const over = BUNDLE_LIMIT_KB > 0 && b.code > BUNDLE_LIMIT_KB * 1024;
    failed ||= over;
    console.log(
      `  ${b.fn.padEnd(60)} ${kb(b.code).padStart(8)} ${kb(b.map).padStart(8)}${over ? '  OVER' : ''}`,
    );
  }
  const total = bundles.reduce((n, b) => n + b.code, 0);
  console.log(
    `  ${`${bundles.length} bundles, largest ${kb(bundles[0]?.code ?? 0)}, total`.padEnd(60)} ${kb(total).padStart(8)}`,
  );
} else console.log('\nNo function bundles in the assembly (bundling skipped?).');
if (failed) process.exit(1);
