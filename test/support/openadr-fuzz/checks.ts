import { afterAll, beforeAll, expect } from 'vitest';
import type { OperationId } from '../../../functions/openadr/operations.ts';
import { errorMessage } from '../../../lib/caught-errors.ts';
import { mapLimit } from '../../../lib/concurrency.ts';
import { validateResponse } from '../openadr-openapi.ts';
import { agent, describeCase, fingerprint, send } from './transport.ts';
import {
  type Answer,
  type Case,
  CONCURRENCY,
  harvest,
  ops,
  rt,
  startFuzzWorld,
  stopFuzzWorld,
  TRACE,
} from './world.ts';

// ---- the checks and tallies ----------------------------------------------------------------------

interface Finding {
  kind: string;
  key: string;
  example: string;
  count: number;
}
/** Refusals of operations for which the document lists no 4xx: reported, not failed. */
const UNDOCUMENTABLE = 'refusal the document lists no 4xx for';

/** Violations noted, one entry per kind and key with a count and an example. */
class Findings {
  readonly byKey = new Map<string, Finding>();
  /** Operations a case was sent to. */
  readonly operations = new Set<OperationId>();

  note(kind: string, key: string, example: string): void {
    const k = `${kind}|${key}`;
    const f = this.byKey.get(k);
    if (f) f.count++;
    else this.byKey.set(k, { kind, key, example, count: 1 });
  }

  /** What fails a test: every finding but the refusals the document cannot list. */
  failures(): string[] {
    return [...this.byKey.values()]
      .filter((f) => f.kind !== UNDOCUMENTABLE)
      .map((f) => `${f.kind}: ${f.count}× ${f.key}`);
  }
}

/** Every finding of the file, printed at its end ({@link printSummary}). */
const findings = new Findings();
/** The findings of the test running now: each test asserts on its own. */
let current = new Findings();

/** Starts collecting the findings of one test; it asserts on them with {@link expectNoFindings}. */
export function collectFindings(): Findings {
  current = new Findings();
  return current;
}

function note(kind: string, key: string, example: string): void {
  findings.note(kind, key, example);
  current.note(kind, key, example);
}

export const tally = {
  cases: 0,
  operations: new Set<OperationId>(),
  statuses: new Map<number, number>(),
  byOperation: new Map<OperationId, Map<number, number>>(),
  fiveXx: 0,
  valid: 0,
  refusalsChecked: 0,
};
export const unhandled: unknown[] = [];
export const onUnhandled = (reason: unknown) => void unhandled.push(reason);

const HTTP_STATUSES = new Set([415, 429]);

/** Checks one answer; every violation is noted, none thrown. */
export function check(c: Case, a: Answer): void {
  tally.cases++;
  tally.operations.add(c.op);
  current.operations.add(c.op);
  tally.statuses.set(a.status, (tally.statuses.get(a.status) ?? 0) + 1);
  const mine = tally.byOperation.get(c.op) ?? new Map<number, number>();
  mine.set(a.status, (mine.get(a.status) ?? 0) + 1);
  tally.byOperation.set(c.op, mine);
  const op = ops[c.op];
  const shown = describeCase(c, a);
  if (TRACE.has(c.op)) console.log(`trace: ${shown}`);
  harvest(c, a);
  if (a.status >= 500) {
    tally.fiveXx++;
    note('5xx', `${c.op} ${a.status} ${c.what}`, describeCase(c, a, 5_000));
  }
  let body: unknown;
  let parsed = true;
  try {
    body = a.text ? JSON.parse(a.text) : undefined;
  } catch {
    parsed = false;
  }
  if (c.refuse && a.status < 400)
    note('not refused', `${c.op} ${a.status} ${c.what.replace(/\(.*\)/, '')}`, shown);
  if (a.status >= 400 && a.status < 500) {
    const p = body as { type?: unknown; title?: unknown; status?: unknown; detail?: unknown } | undefined;
    const problems: string[] = [];
    if (!parsed || !p || typeof p !== 'object') problems.push('not a JSON object');
    else {
      if (typeof p.type !== 'string') problems.push('no type');
      if (typeof p.title !== 'string') problems.push('no title');
      if (p.status !== a.status) problems.push(`status ${JSON.stringify(p.status)}`);
      if (typeof p.detail !== 'string' || p.detail.length === 0) problems.push('no detail');
    }
    if (problems.length)
      note('not a problem', `${a.status} ${problems.join(', ')} (${c.what.replace(/ \w+ID$/, '')})`, shown);
  }
  // HTTP's own refusals the document lists for no operation (RFC 9110 §15.5.16, RFC 6585 §4): a
  // problem body is all that can be checked of them, above.
  if (HTTP_STATUSES.has(a.status)) return;
  try {
    if (!parsed) throw new Error(`${c.op} ${a.status}: the body is not JSON`);
    validateResponse({
      method: op.method,
      path: op.path.replace(/\{\w+\}/g, 'x'),
      status: a.status,
      body,
      ...(a.contentType !== undefined ? { contentType: a.contentType } : {}),
    });
    tally.valid++;
  } catch (e) {
    const message = errorMessage(e);
    const documented = /status not documented \(documented: ([^)]*)\)/.exec(message)?.[1];
    // Where the document lists no 4xx at all for the operation, no refusal can be documented.
    const kind =
      documented !== undefined && a.status < 500 && !/\b4\d\d\b/.test(documented)
        ? UNDOCUMENTABLE
        : 'invalid against openadr3.yaml';
    note(kind, message.split('\n').slice(0, 3).join(' / ').slice(0, 240), shown);
  }
}

export async function runBatch(batch: Case[]): Promise<void> {
  await rt.idle();
  const before = await fingerprint();
  const answers = await mapLimit(batch, CONCURRENCY, send);
  for (const [i, c] of batch.entries()) check(c, answers[i] as Answer);
  if (answers.every((a) => a.status >= 400 && a.status < 500)) {
    await rt.idle();
    const after = await fingerprint();
    if (after !== before)
      note(
        'store changed by refusals',
        `${before} → ${after}`,
        batch.map((c, i) => describeCase(c, answers[i])).join('\n'),
      );
    else tally.refusalsChecked += batch.length;
  }
}

/** Asserts that the test that collected `mine` found nothing and left no rejection unhandled. */
export function expectNoFindings(mine: Findings): void {
  expect(unhandled).toEqual([]);
  expect(mine.failures()).toEqual([]);
}

/** Prints the file's tallies and findings (every one, failing or not). */
function printSummary(seed: number): void {
  const statuses = [...tally.statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
  console.log(`OpenADR fuzz statuses: ${statuses.join(' ')} (seed ${seed})`);
  console.log(
    [...tally.byOperation]
      .map(
        ([id, m]) =>
          `  ${id}: ${[...m]
            .sort(([a], [b]) => a - b)
            .map(([s, n]) => `${s}×${n}`)
            .join(' ')}`,
      )
      .join('\n'),
  );
  const byKind = new Map<string, Finding[]>();
  for (const f of findings.byKey.values()) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
  for (const [kind, list] of byKind) {
    console.log(`\n== ${kind}: ${list.reduce((n, f) => n + f.count, 0)} responses, ${list.length} kinds`);
    for (const f of list)
      console.log(`-- ${f.count}× ${f.key}\n   e.g. ${f.example.split('\n').join('\n        ')}`);
  }
  console.log(
    `OpenADR fuzz: ${tally.cases} cases over ${tally.operations.size} operations, ${tally.fiveXx} 5xx, ${tally.refusalsChecked} refusals with the store unchanged, ${tally.valid} responses valid against openadr3.yaml`,
  );
}

/**
 * The hooks of a fuzz file: before its tests the local VTN and its world (with unhandled
 * rejections recorded); after them the file's summary printed and everything stopped.
 */
export function fuzzFileHooks(seed: number): void {
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    await startFuzzWorld();
  }, 120_000);
  afterAll(async () => {
    printSummary(seed);
    agent.destroy();
    await stopFuzzWorld();
    process.off('unhandledRejection', onUnhandled);
  });
}
