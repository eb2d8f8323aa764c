/**
 * `npm run deploy` / `npm run destroy` (see docs/deploy.md).
 *
 *   npm run deploy -- [--config stage.json] [--dry-run] [--against dir] [-- <extra cdk args>]
 *   npm run destroy -- [--config stage.json] [--force]
 *
 * Deploy: 1. check the configuration (the same zod schema as the app); 2. synthesize and print
 * resources per stack and bundle sizes; 3. with `--dry-run`, diff every stack offline against the
 * templates in `--against` (a saved cdk.out, for example from the last deploy) or against an empty
 * stack, and stop; 4. check that the target account and region are bootstrapped; 5.
 * `cdk deploy --all` (CDK orders the stacks by their dependencies: data, service and integrations,
 * observability) and keep the templates deployed in `cdk.deployed/<stage>` for the next dry run.
 * Destroy: `cdk destroy --all`; tables and the idempotency table survive when `retainData` is on.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readConfig } from '../config.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OUT = join(ROOT, 'cdk.out');
const QUIET = { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' };

const [command = 'deploy', ...rest] = process.argv.slice(2);
const { values, positionals } = parseArgs({
  args: rest,
  allowPositionals: true,
  options: {
    config: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    against: { type: 'string' },
    force: { type: 'boolean', default: false },
  },
});

function run(cmd: string, args: string[], options: { allowFailure?: boolean } = {}): number {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const result = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: QUIET });
  const status = result.status ?? 1;
  if (status !== 0 && !options.allowFailure) {
    console.error(`${cmd} failed (exit ${status})`);
    process.exit(status);
  }
  return status;
}

// 1. The configuration: a JSON file with the `flexdr` context, or cdk.json's.
const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8'));
const configFile = values.config ? resolve(values.config) : undefined;
const raw = configFile ? JSON.parse(readFileSync(configFile, 'utf8')) : cdkJson.context?.flexdr;
const config = readConfig(raw);
const context = configFile ? ['-c', `flexdrConfigFile=${configFile}`] : [];
console.log(
  `FlexDR stage '${config.stage}': ${config.bmsIntegrations.length} BMS integration(s), ${config.identity.provider === 'cognito' ? `Cognito (MFA ${config.identity.mfa})` : `OIDC issuer ${config.identity.issuer}`}, ` +
    `data ${config.retainData ? 'retained' : 'destroyed'} with the stacks${configFile ? ` (from ${configFile})` : ''}`,
);
const cdk = (args: string[], options?: { allowFailure?: boolean }) =>
  run('npx', ['cdk', ...args, ...context, '--no-notices', '--no-version-reporting', ...positionals], options);

if (command === 'destroy') {
  if (config.retainData)
    console.log('retainData is on: the tables stay (and keep costing storage) after destroy.');
  cdk(['destroy', '--all', ...(values.force ? ['--force'] : [])]);
  process.exit(0);
}
if (command !== 'deploy') {
  console.error(`unknown command '${command}': deploy or destroy`);
  process.exit(2);
}

// 2. Synthesize (cdk-nag runs here) and report sizes.
cdk(['synth', '--quiet']);
run('npx', ['tsx', 'infra/aws/scripts/report-synth.ts', OUT]);

const stacks = readdirSync(OUT)
  .filter((f) => f.endsWith('.template.json'))
  .map((f) => f.replace(/\.template\.json$/, ''));
const saved = resolve(values.against ?? join(ROOT, 'cdk.deployed', config.stage));

// 3. Dry run: what would change, offline (no account needed).
if (values['dry-run']) {
  const empty = mkdtempSync(join(tmpdir(), 'flexdr-empty-'));
  for (const stack of stacks) {
    const before = join(saved, `${stack}.template.json`);
    const against = existsSync(before) ? before : join(empty, `${stack}.template.json`);
    if (against !== before) writeFileSync(against, JSON.stringify({ Resources: {} }));
    console.log(`\n=== ${stack}: against ${against === before ? before : 'an empty stack (first deploy)'}`);
    // --app cdk.out: the assembly just synthesized, no second synth.
    run(
      'npx',
      [
        'cdk',
        'diff',
        stack,
        '--exclusively',
        '--app',
        OUT,
        '--template',
        against,
        '--no-notices',
        '--no-version-reporting',
      ],
      { allowFailure: true },
    );
  }
  console.log('\nDry run: nothing deployed.');
  process.exit(0);
}

// 4. Bootstrap check: the CDK toolkit stack's version parameter, through the AWS CLI when present.
const qualifier = cdkJson.context?.['@aws-cdk/core:bootstrapQualifier'] ?? 'hnb659fds';
const aws = spawnSync('aws', ['ssm', 'get-parameter', '--name', `/cdk-bootstrap/${qualifier}/version`], {
  encoding: 'utf8',
  env: QUIET,
});
if (aws.error)
  console.log('AWS CLI not found: skipping the bootstrap check (cdk deploy fails clearly without it).');
else if (aws.status !== 0) {
  console.error(
    `This account and region are not bootstrapped for CDK (no /cdk-bootstrap/${qualifier}/version):\n` +
      '  npx cdk bootstrap aws://<account>/<region>\nthen run npm run deploy again.',
  );
  process.exit(1);
}

// 5. Deploy every stack in dependency order, then keep what was deployed for the next dry run.
cdk(['deploy', '--all', '--app', OUT, '--require-approval', 'broadening']);
mkdirSync(saved, { recursive: true });
for (const stack of stacks)
  cpSync(join(OUT, `${stack}.template.json`), join(saved, `${stack}.template.json`));
console.log(`\nDeployed; templates kept in ${saved} for the next --dry-run.`);
