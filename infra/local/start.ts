/**
 * `npm start`: the coordinator on this machine. Prints what started and where, the console URL and
 * development tokens for the three roles, then runs until Ctrl-C. Opens nothing by itself.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '../../lib/caught-errors.ts';
import { apiCall } from './api-client.ts';
import { LOG_LEGEND, logLine } from './log-line.ts';
import { DEFAULT_PORT, type LocalOptions, startLocal } from './runtime.ts';

const HELP = `usage: npm start -- [options]

  --port <n>          HTTP port of the API and console (default ${DEFAULT_PORT}; 0 = any free port)
  --in-memory         keep nothing on disk (DynamoDB Local in memory, schedules and clock too)
  --data-dir <path>   where the store, schedules, clock and secrets live (default .flexdr/)
  --reset             delete the data folder first (a fresh demo)
  --no-sim            do not run the BMS simulator (run npm run bms-sim separately, or use pull mode)
  --no-seed           do not seed the demo when the store is empty
  --decline <p>       share of commands the simulator declines (default 0.1)
  --speed <x>         simulated seconds per real second (default 1; 0 pauses the clock)
  --access-log        log every HTTP request
  --help              this text
`;

function parse() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        'in-memory': { type: 'boolean' },
        'data-dir': { type: 'string' },
        reset: { type: 'boolean' },
        'no-sim': { type: 'boolean' },
        'no-seed': { type: 'boolean' },
        decline: { type: 'string' },
        speed: { type: 'string' },
        'access-log': { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`${errorMessage(e)}\n\n${HELP}`);
    process.exit(2);
  }
}

function number(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`--${name} must be a number from ${min} to ${max}, not '${value}'\n`);
    process.exit(2);
  }
  return n;
}

const args = parse();
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const dataDir = args['data-dir'] ?? join(process.cwd(), '.flexdr');
if (args.reset && !args['in-memory']) {
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`deleted ${relative(process.cwd(), dataDir) || dataDir}`);
}

const started = Date.now();
const line = (s: string, simulatedMs?: number) => console.log(logLine(s, simulatedMs));
console.log(LOG_LEGEND);
const options: LocalOptions = {
  ...(args.port !== undefined ? { port: number('port', args.port, 0, 65535) as number } : {}),
  ...(args['in-memory'] ? { inMemory: true } : { dataDir }),
  simulator: !args['no-sim'],
  seed: !args['no-seed'],
  ...(args.decline !== undefined
    ? { declineProbability: number('decline', args.decline, 0, 1) as number }
    : {}),
  ...(args.speed !== undefined ? { speed: number('speed', args.speed, 0, 3600) as number } : {}),
  accessLog: Boolean(args['access-log']),
  log: line,
};

let runtime: Awaited<ReturnType<typeof startLocal>>;
try {
  runtime = await startLocal(options);
} catch (e) {
  console.error(`\nFlexDR could not start: ${errorMessage(e)}`);
  process.exit(1);
}

const identities = (await (await fetch(`${runtime.url}/local/identities`)).json()) as {
  label: string;
  request: Parameters<typeof runtime.token>[0];
}[];
const tokens = await Promise.all(
  identities.map(async (i) => ({ ...i, token: await runtime.token(i.request) })),
);
const envName = (i: (typeof tokens)[number]) =>
  `${i.request.role === 'parkManager' ? `MANAGER_${(i.request.parkIds?.[0] ?? '').replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}` : i.request.role.toUpperCase()}_TOKEN`;

// OpenADR 3.1 clients (a BL and a VEN per park), given fresh secrets at every start: a secret is
// shown once and only its hash is kept, so a restart cannot print the previous one.
const operatorToken = tokens.find((t) => t.request.role === 'operator')?.token;
const parks = operatorToken
  ? (await apiCall<{ items: { parkId: string }[] }>(runtime.url, 'GET', '/parks', { token: operatorToken }))
      .items
  : [];
const clientSpecs = [
  { clientId: 'grid-bl', body: { role: 'BL' }, env: 'OPENADR_BL' },
  ...parks.map((p) => ({
    clientId: `ven-${p.parkId}`,
    body: { role: 'VEN', parkIds: [p.parkId] },
    env: `OPENADR_VEN_${p.parkId.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`,
  })),
];
const openadrClients = await Promise.all(
  clientSpecs.map(async (c) => ({
    ...c,
    secret: (
      await apiCall<{ clientSecret: string }>(runtime.url, 'PUT', `/openadr-clients/${c.clientId}`, {
        token: operatorToken,
        body: c.body,
      })
    ).clientSecret,
  })),
);
const clientEnv = openadrClients.flatMap((c) => [
  `export ${c.env}_CLIENT_ID=${c.clientId}`,
  `export ${c.env}_CLIENT_SECRET=${c.secret}`,
]);

let tokenFile: string | undefined;
if (runtime.dataDir) {
  tokenFile = join(runtime.dataDir, 'tokens.env');
  writeFileSync(
    tokenFile,
    `# development tokens of npm start (valid 12 h); source this file in a shell\nexport FLEXDR_URL=${runtime.url}\n${tokens.map((t) => `export ${envName(t)}=${t.token}`).join('\n')}\n${clientEnv.join('\n')}\n`,
    { mode: 0o600 },
  );
}

const local = new Date(runtime.now() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
console.log(`
FlexDR is running (started in ${((Date.now() - started) / 1000).toFixed(1)} s)

  Console    ${runtime.url}/console/
  API        ${runtime.url}   (OpenAPI document: ${runtime.url}/openapi.json)
  DynamoDB   ${runtime.dynamodbEndpoint}   (DynamoDB Local${runtime.dataDir ? `, data in ${relative(process.cwd(), runtime.dataDir) || runtime.dataDir}/` : ', in memory'})
  Clock      ${local} Beijing time, ${runtime.clock.speed}x   (POST /local/clock {"advanceMinutes":15} to jump)

Development tokens (12 h; more from POST /local/tokens):
${tokens.map((t) => `  ${t.label}\n    ${envName(t)}=${t.token}`).join('\n')}
${tokenFile ? `\nThe same as shell variables: source ${relative(process.cwd(), tokenFile)}\n` : ''}
OpenADR 3.1 VTN at ${runtime.url}/openadr3 (client credentials; new secrets at every start):
${openadrClients.map((c) => `  ${c.clientId} (${c.body.role})\n    client_secret=${c.secret}`).join('\n')}

Try:  curl -s ${runtime.url}/parks -H "authorization: Bearer $OPERATOR_TOKEN"
      curl -s ${runtime.url}/openadr3/auth/token -d grant_type=client_credentials -d client_id=grid-bl -d client_secret=$OPENADR_BL_CLIENT_SECRET
Stop: Ctrl-C
`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  line(`${signal}: stopping`, runtime.now());
  const force = setTimeout(() => {
    line('did not stop within 15 s: exiting anyway', runtime.now());
    process.exit(1);
  }, 15_000);
  await runtime.stop();
  clearTimeout(force);
  line('stopped; the store, schedules and clock are kept for the next start', runtime.now());
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
// The gateway's server is unref'd (so tests can end); this keeps the command alive.
setInterval(() => {}, 1 << 30);
