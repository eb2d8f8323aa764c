/**
 * Crashes the local runtime (SIGKILL, no goodbye) at a step of an event's life, starts it again on
 * the same data, and checks that the event still completes and settles exactly once, with every
 * building holding at most one standing command that agrees with the event (issue 15).
 *
 *   npm run bench:faults                      every step
 *   npm run bench:faults -- --steps after-plan,evaluation
 *
 * Steps: `after-accept` (the operator's POST /events answered), `after-plan` (the plan's consumer
 * ran; the dispatch announcement waits in the outbox), `during-dispatch` (the first command
 * delivered to a BMS), `deadline` (the acknowledgement deadline's schedule fires), `evaluation`
 * (the evaluation's schedule fires).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { allPlanCommands } from '../infra/local/api-client.ts';

export const CRASH_STEPS = [
  'after-accept',
  'after-plan',
  'during-dispatch',
  'deadline',
  'evaluation',
] as const;
export type CrashStep = (typeof CRASH_STEPS)[number];

/** A Tuesday, 16:00 in Beijing: the demo park has an evening peak to shave an hour later. */
const START_AT = Date.parse('2026-12-08T08:00:00Z');
const PARK = 'hohhot-jinqiao';
const PROGRAM = 'mengxi-dr-2026';
const ROOT = new URL('..', import.meta.url).pathname;

interface Child {
  process: ChildProcess;
  url: string;
  operator: string;
  lines: string[];
  /** Resolves when a log line matches (or rejects when the process ends first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

function startChild(dataDir: string): Promise<Child> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/crash-child.ts'), dataDir, String(START_AT)],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const watchers: { pattern: RegExp; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    lines.push(line);
    for (const w of [...watchers])
      if (w.pattern.test(line)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
  });
  child.on('exit', (code, signal) => {
    for (const w of watchers.splice(0))
      w.reject(
        new Error(`the runtime ended (${signal ?? code}) before '${w.pattern}': ${stderr.slice(-2000)}`),
      );
  });
  const waitFor = (pattern: RegExp, timeoutMs = 180_000) => {
    const seen = lines.find((l) => pattern.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${pattern}' within ${timeoutMs} ms`)), timeoutMs);
      watchers.push({
        pattern,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  };
  return waitFor(/^READY /).then((ready) => {
    const [, url, operator] = ready.split(' ');
    return { process: child, url: url as string, operator: operator as string, lines, waitFor };
  });
}

function kill(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return resolve();
    child.process.once('exit', () => resolve());
    child.process.kill('SIGKILL');
  });
}

async function call<T>(
  child: Child,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${child.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${child.operator}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as T };
}

/**
 * The ids of processes running DynamoDB Local on a store under `dir`, waiting up to `graceMs` for
 * them to end (Linux: read from /proc; elsewhere none are seen).
 */
export async function javaOn(dir: string, graceMs = 5_000): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const pids = existsSync('/proc')
      ? readdirSync('/proc')
          .filter((d) => /^\d+$/.test(d))
          .filter((d) => {
            try {
              const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
              return cmd.includes('DynamoDBLocal.jar') && cmd.includes(dir);
            } catch {
              return false;
            }
          })
          .map(Number)
      : [];
    if (pids.length === 0 || Date.now() > deadline) return pids;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A seeded store to copy for each crash, so each starts in seconds instead of seeding again. */
export async function seededStore(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'flexdr-crash-seed-'));
  const child = await startChild(dir);
  await kill(child);
  return dir;
}

export interface CrashOutcome {
  step: CrashStep;
  eventId: string;
  status: string;
  settlementRevision: number | undefined;
  /** Buildings holding more than one standing command, or one that disagrees with the event. */
  violations: string[];
  /** Whether the kill came at the step (false: the run was past it when killed). */
  killedAt: string;
  /** DynamoDB Local processes still running on the store 5 s after the runtime was killed. */
  orphans: number[];
  seconds: number;
}

/** Kills the runtime at `step` of a new event, restarts it, and reads how the event ended. */
export async function crashAt(step: CrashStep, seeded: string): Promise<CrashOutcome> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), `flexdr-crash-${step}-`));
  cpSync(seeded, dataDir, { recursive: true });
  rmSync(join(dataDir, 'runtime.pid'), { force: true });
  const eventId = `crash-${step}`;
  let child = await startChild(dataDir);
  try {
    const start = START_AT + 60 * 60_000;
    const event = {
      eventId,
      programId: PROGRAM,
      type: 'PEAK_SHAVING',
      start: new Date(start).toISOString(),
      end: new Date(start + 60 * 60_000).toISOString(),
      intervalMinutes: 15,
      targetsKw: [150, 150, 150, 150],
      scope: { parkIds: [PARK] },
      noticeAt: new Date(START_AT).toISOString(),
    };
    const waits: Record<CrashStep, () => Promise<string>> = {
      'after-accept': async () => 'POST /events answered',
      'after-plan': () => child.waitFor(new RegExp(`GridEventAccepted ${eventId} r1 → plan-event`)),
      'during-dispatch': () => child.waitFor(new RegExp(`DispatchCommand ${eventId} `)),
      deadline: async () => {
        await child.waitFor(new RegExp(`DispatchPlanned ${eventId} r1 → dispatch-event`));
        void call(child, 'POST', '/local/clock', { advanceMinutes: 20 }).catch(() => {});
        return child.waitFor(new RegExp(`schedule ack-${eventId}-r\\d+ fires`));
      },
      evaluation: async () => {
        await child.waitFor(new RegExp(`DispatchPlanned ${eventId} r1 → dispatch-event`));
        void call(child, 'POST', '/local/clock', { advanceMinutes: 180 }).catch(() => {});
        return child.waitFor(new RegExp(`schedule eval-${eventId}-\\d+ fires`));
      },
    };
    const posted = await call(child, 'POST', '/events', event);
    if (posted.status !== 201)
      throw new Error(`POST /events answered ${posted.status}: ${JSON.stringify(posted.body)}`);
    const killedAt = await waits[step]();
    await kill(child);
    const orphans = await javaOn(dataDir);

    child = await startChild(dataDir);
    // Past the window and the settlement delay, step by step, until the event settles.
    let view: { status: string; settlement?: { revision?: number } } = { status: '' };
    for (let i = 0; i < 12; i++) {
      view = (await call<typeof view>(child, 'GET', `/events/${eventId}`)).body;
      if (view.status === 'settled' || view.status === 'failed' || view.status === 'cancelled') break;
      await call(child, 'POST', '/local/clock', { advanceMinutes: 30 });
    }
    type Stored = { command: { buildingId: string; kind: string; revision: number }; status: string };
    const records = await allPlanCommands(eventId, (path) =>
      call<{ commands?: Stored[]; cursor?: string }>(child, 'GET', path).then((r) => r.body),
    );
    const full = await call<{ revision: number; status: string }>(child, 'GET', `/events/${eventId}`);
    if (records.length === 0) throw new Error(`${eventId} has no commands to check`);
    const standing = records
      .filter((c) => ['PENDING', 'PUBLISHED', 'ACKNOWLEDGED'].includes(c.status))
      .map((c) => c.command);
    const violations: string[] = [];
    const per = new Map<string, number>();
    for (const c of standing) {
      per.set(c.buildingId, (per.get(c.buildingId) ?? 0) + 1);
      if (c.revision > full.body.revision)
        violations.push(`${c.buildingId} holds r${c.revision} of r${full.body.revision}`);
    }
    for (const [b, n] of per) if (n > 1) violations.push(`${b} holds ${n} standing commands`);
    return {
      step,
      eventId,
      status: view.status,
      settlementRevision: view.settlement?.revision,
      violations,
      killedAt,
      orphans,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await kill(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { steps: { type: 'string' } } });
  const steps = (values.steps?.split(',') ?? [...CRASH_STEPS]) as CrashStep[];
  const seeded = await seededStore();
  let failed = 0;
  try {
    for (const step of steps) {
      const o = await crashAt(step, seeded);
      const ok =
        o.status === 'settled' &&
        o.settlementRevision === 1 &&
        o.violations.length === 0 &&
        o.orphans.length === 0;
      if (!ok) failed++;
      console.log(
        `${ok ? 'ok  ' : 'FAIL'} ${step.padEnd(16)} killed at: ${o.killedAt.slice(0, 90)} → ${o.status}, settlement revision ${o.settlementRevision ?? '-'}, ${o.violations.length} violations, ${o.orphans.length} DynamoDB Local left running, ${o.seconds.toFixed(1)} s${o.violations.length ? `: ${o.violations.join('; ')}` : ''}`,
      );
    }
  } finally {
    rmSync(seeded, { recursive: true, force: true });
  }
  process.exit(failed > 0 ? 1 : 0);
}
