/**
 * `npm run bench:load`: a load benchmark of the HTTP API against the local runtime on loopback.
 *
 * Starts the runtime in memory in its own process (`bench/load-run.ts`; or uses the one at
 * `FLEXDR_URL`, with `DYNAMODB_ENDPOINT` for the store check), enrolls `--buildings` buildings of
 * the benchmark fleet's shapes (`bench/fleet.ts`) across `--parks` parks through
 * `PUT /buildings/{id}`, then plays a compressed day: each simulated quarter hour every building
 * POSTs its state and the reading of the quarter just ended to `/buildings/{id}/telemetry` with the
 * BMS token of its group of 200 buildings, `--concurrency` requests at a time, while an operator
 * issues a peak-shaving and a valley-filling event and revises the first; the clock then moves
 * 15 minutes (`POST /local/clock`, which answers when the bus is quiet). At the end it reads every
 * building's readings back from DynamoDB and compares them with what was sent.
 *
 * Prints a table per kind of request (count, errors by status, p50/p95/p99/max latency, requests
 * per second while that kind was in flight) and one summary line; writes the report as JSON to
 * `bench/results/` (git-ignored). Options: `--buildings 10000 --quarters 96 --concurrency 32
 * --parks 8 --json path`. `runLoad` is the same run as a function (`test/long/load.test.ts`, `npm run check:long`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS } from '../infra/local/dynamodb-local.ts';
import { dynamoRepositories } from '../lib/adapters/dynamodb/index.ts';
import { errorCode, errorMessage } from '../lib/caught-errors.ts';
import { mapLimit } from '../lib/concurrency.ts';
import type { AssetState } from '../lib/domain/model/telemetry.ts';
import { type FleetMember, makeFleet } from './fleet.ts';

const QUARTER_MS = 15 * 60_000;
/** A Monday, a Chinese working day, 08:00 Beijing time. */
export const DEFAULT_START = '2026-12-14T08:00:00+08:00';
/** The runtime the benchmark runs against: in memory, the demo's parks and programs, no simulator, clock paused. */
export const LOAD_RUNTIME = {
  inMemory: true,
  port: 0,
  simulator: false,
  seed: true,
  quiet: true,
  speed: 0,
} as const;
const PEAK_PROGRAM = 'mengxi-dr-2026';
const VALLEY_PROGRAM = 'mengxi-valley-2026';

export interface LoadOptions {
  /** The gateway. */
  url: string;
  /** DynamoDB of that runtime, for the check that every reading sent is stored; skipped without it. */
  dynamodbEndpoint?: string | undefined;
  table?: string;
  buildings: number;
  quarters: number;
  concurrency: number;
  /** Parks the buildings are spread over; default 8 (fewer for small runs, at least 25 buildings each). */
  parks?: number;
  /** Buildings bound to one BMS token (`custom:buildingIds` must fit in a header). */
  tokenGroup?: number;
  /** Prefix of the ids enrolled (parks, buildings, events). */
  prefix?: string;
  seed?: number;
  log?: (line: string) => void;
}

export interface KindStats {
  kind: string;
  count: number;
  errors: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Wall time while at least one request of this kind was in flight. */
  busyMs: number;
  perSecond: number;
}

export interface EventOutcome {
  eventId: string;
  type: string;
  revision: number;
  status: string;
  commands: unknown;
}

export interface LoadReport {
  buildings: number;
  parks: number;
  quarters: number;
  concurrency: number;
  /** Simulated time of the first quarter. */
  startAt: string;
  enrollMs: number;
  dayMs: number;
  /** Time of the telemetry rounds alone (between clock moves). */
  telemetryMs: number;
  verifyMs: number;
  requests: number;
  errors: number;
  kinds: KindStats[];
  errorSamples: string[];
  readingsSent: number;
  /** Readings found in DynamoDB for the buildings and quarters sent; null when not checked. */
  readingsStored: number | null;
  /** Stored readings whose value is not the one sent. */
  readingsDiffering: number | null;
  /** Buildings with another count of readings than quarters sent. */
  buildingsShort: number | null;
  statesSent: number;
  /** Buildings whose stored state is the last one sent. */
  statesLatest: number | null;
  events: EventOutcome[];
  deadLetters: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] as number;
}

/** Latency, errors and busy wall time per kind of request. */
class Recorder {
  private readonly kinds = new Map<
    string,
    { latencies: number[]; errors: Record<string, number>; active: number; since: number; busy: number }
  >();
  readonly samples: string[] = [];

  private of(kind: string) {
    let k = this.kinds.get(kind);
    if (!k) {
      k = { latencies: [], errors: {}, active: 0, since: 0, busy: 0 };
      this.kinds.set(kind, k);
    }
    return k;
  }

  async request(
    kind: string,
    url: string,
    init: { method: string; token: string; body?: unknown },
  ): Promise<{ status: number; body: unknown }> {
    const k = this.of(kind);
    if (k.active++ === 0) k.since = performance.now();
    const started = performance.now();
    let status = 0;
    let text = '';
    let failure: string | undefined;
    try {
      const res = await fetch(url, {
        method: init.method,
        headers: {
          authorization: `Bearer ${init.token}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      status = res.status;
      text = await res.text();
    } catch (e) {
      failure = `network ${errorCode(e, { orCause: true }) ?? errorMessage(e)}`;
    } finally {
      k.latencies.push(performance.now() - started);
      if (--k.active === 0) k.busy += performance.now() - k.since;
    }
    const label = failure ?? (status >= 200 && status < 300 ? undefined : String(status));
    if (label) {
      k.errors[label] = (k.errors[label] ?? 0) + 1;
      if (this.samples.length < 20)
        this.samples.push(`${kind} ${init.method} ${url}: ${label} ${text.slice(0, 300)}`);
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status, body };
  }

  stats(): KindStats[] {
    return [...this.kinds.entries()].map(([kind, k]) => {
      const sorted = [...k.latencies].sort((a, b) => a - b);
      const round = (x: number) => Math.round(x * 10) / 10;
      return {
        kind,
        count: sorted.length,
        errors: k.errors,
        p50Ms: round(percentile(sorted, 50)),
        p95Ms: round(percentile(sorted, 95)),
        p99Ms: round(percentile(sorted, 99)),
        maxMs: round(sorted.at(-1) ?? 0),
        meanMs: round(sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length)),
        busyMs: Math.round(k.busy),
        perSecond: k.busy > 0 ? round((sorted.length * 1000) / k.busy) : 0,
      };
    });
  }
}

/** The reading of building `i` for quarter `q`, kW: its baseline shape with a little deterministic wobble. */
function readingKw(m: FleetMember, i: number, q: number): number {
  const base = m.baselineKw[q] ?? m.baselineKw[0] ?? 100;
  return Math.round(base * (1 + 0.03 * Math.sin(i * 7.3 + q * 1.7)) * 10) / 10;
}

/** Reported asset states at quarter `q`: batteries and tanks drift a little through the day. */
function assetStates(m: FleetMember, i: number, q: number): AssetState[] {
  const wobble = Math.sin(i * 3.1 + q / 6);
  return m.state.assets.map((a): AssetState => {
    if (a.kind === 'battery')
      return { ...a, soc: Math.round(Math.min(0.95, Math.max(0.1, a.soc + 0.05 * wobble)) * 1000) / 1000 };
    if (a.kind === 'heatStorage')
      return { ...a, storedKwhTh: Math.round(Math.max(0, a.storedKwhTh * (1 + 0.1 * wobble)) * 10) / 10 };
    return a;
  });
}

const iso = (ms: number) => new Date(ms).toISOString();

/** What every step of a run shares: its size, the recorder, the tokens and the fleet. */
interface LoadRun {
  options: LoadOptions;
  log: (line: string) => void;
  n: number;
  quarters: number;
  concurrency: number;
  parks: number;
  /** Buildings per BMS token. */
  group: number;
  prefix: string;
  rec: Recorder;
  api: (path: string) => string;
  operator: string;
  /** A BMS token per group of buildings. */
  tokens: string[];
  fleet: FleetMember[];
  parkIds: string[];
}

/** What the day left to check: its first and last quarter, the events issued and what was sent. */
interface LoadDay {
  first: number;
  last: number;
  peakId: string;
  valleyId: string;
  dayMs: number;
  telemetryMs: number;
  readingsSent: number;
  statesSent: number;
}

/** What the store holds of what was sent (null when the run was not given the store). */
interface StoreCheck {
  readingsStored: number | null;
  readingsDiffering: number | null;
  buildingsShort: number | null;
  statesLatest: number | null;
  verifyMs: number;
}

/**
 * Runs the load benchmark against a running local stack.
 * 1. Tokens and the fleet ({@link prepareRun}).
 * 2. Enrollment: the parks, then every building ({@link enroll}).
 * 3. The day: a telemetry round per quarter while the operator issues and revises events
 *    ({@link runDay}).
 * 4. Outcomes: the events and the bus's dead letters ({@link readOutcomes}), and whether the store
 *    holds every reading and state sent ({@link verifyStore}).
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const run = await prepareRun(options);
  const enrollMs = await enroll(run);
  const day = await runDay(run);
  const { events, deadLetters } = await readOutcomes(run, day);
  const store = await verifyStore(run, day);
  const kinds = run.rec.stats();
  const errors = kinds.reduce((s, k) => s + Object.values(k.errors).reduce((a, b) => a + b, 0), 0);
  return {
    buildings: run.n,
    parks: run.parks,
    quarters: run.quarters,
    concurrency: run.concurrency,
    startAt: iso(day.first),
    enrollMs: Math.round(enrollMs),
    dayMs: Math.round(day.dayMs),
    telemetryMs: Math.round(day.telemetryMs),
    verifyMs: Math.round(store.verifyMs),
    requests: kinds.reduce((s, k) => s + k.count, 0),
    errors,
    kinds,
    errorSamples: run.rec.samples,
    readingsSent: day.readingsSent,
    readingsStored: store.readingsStored,
    readingsDiffering: store.readingsDiffering,
    buildingsShort: store.buildingsShort,
    statesSent: day.statesSent,
    statesLatest: store.statesLatest,
    events,
    deadLetters,
  };
}

/** Tokens (an operator, and a BMS per group of buildings) and the fleet, spread evenly over the parks. */
async function prepareRun(options: LoadOptions): Promise<LoadRun> {
  const n = options.buildings;
  const quarters = options.quarters;
  const parks = Math.max(1, Math.min(options.parks ?? 8, Math.ceil(n / 25)));
  const group = options.tokenGroup ?? 200;
  const prefix = options.prefix ?? 'load';
  const api = (path: string) => `${options.url}${path}`;
  const issue = async (request: Record<string, unknown>): Promise<string> => {
    const res = await fetch(api('/local/tokens'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    if (!res.ok) throw new Error(`POST /local/tokens answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  };
  const operator = await issue({ role: 'operator', subject: `${prefix}-operator` });
  const fleet = makeFleet(options.seed ?? 11, n, quarters).map((m, i) => {
    const buildingId = `${prefix}-b${String(i).padStart(6, '0')}`;
    const park = i % parks;
    return {
      ...m,
      building: {
        ...m.building,
        buildingId,
        parkId: `${prefix}-park-${park}`,
        feederId: `${prefix}-feeder-${park}-${Math.floor(i / parks / 100)}`,
      },
      state: { ...m.state, buildingId },
    };
  });
  const tokens: string[] = [];
  for (let g = 0; g * group < n; g++)
    tokens.push(
      await issue({
        role: 'bms',
        subject: `${prefix}-bms-${g}`,
        buildingIds: fleet.slice(g * group, (g + 1) * group).map((m) => m.building.buildingId),
      }),
    );
  return {
    options,
    log: options.log ?? (() => {}),
    n,
    quarters,
    concurrency: options.concurrency,
    parks,
    group,
    prefix,
    rec: new Recorder(),
    api,
    operator,
    tokens,
    fleet,
    parkIds: Array.from({ length: parks }, (_, p) => `${prefix}-park-${p}`),
  };
}

/** Enrolls the parks, then every building; answers how long it took, ms. */
async function enroll(run: LoadRun): Promise<number> {
  const { rec, api, operator, n, parks } = run;
  const enrollStart = performance.now();
  for (const [p, parkId] of run.parkIds.entries())
    await rec.request('put-park', api(`/parks/${parkId}`), {
      method: 'PUT',
      token: operator,
      body: { parkId, name: `Load park ${p}`, zone: 'mengxi', city: 'Hohhot' },
    });
  let enrolled = 0;
  await mapLimit(run.fleet, run.concurrency, async (m) => {
    await rec.request('put-building', api(`/buildings/${m.building.buildingId}`), {
      method: 'PUT',
      token: operator,
      body: m.building,
    });
    if (++enrolled % 2000 === 0) run.log(`enrolled ${enrolled}/${n} buildings`);
  });
  const enrollMs = performance.now() - enrollStart;
  run.log(`enrolled ${n} buildings in ${parks} parks in ${(enrollMs / 1000).toFixed(1)} s`);
  return enrollMs;
}

/** The simulation clock of the local stack, epoch ms. */
async function clockNow(run: LoadRun): Promise<number> {
  const res = await fetch(run.api('/local/clock'));
  return Date.parse(((await res.json()) as { now: string }).now);
}

type OperatorAction = { quarter: number; run: (t: number) => Promise<unknown> };

/**
 * The operator's actions, each in the quarter given (the last one for short runs): a peak event on
 * the first park, a valley event on the second, then the peak event revised to 80 %.
 */
function operatorActions(run: LoadRun, peakId: string, valleyId: string): OperatorAction[] {
  const { rec, api, operator, n, parks, quarters } = run;
  const parkSize = (p: number) => Math.ceil((n - p) / parks);
  const eventBody = (
    eventId: string,
    type: 'PEAK_SHAVING' | 'VALLEY_FILLING',
    park: string,
    at: number,
    kwPerBuilding: number,
    buildings: number,
  ) => ({
    eventId,
    programId: type === 'PEAK_SHAVING' ? PEAK_PROGRAM : VALLEY_PROGRAM,
    type,
    start: iso(at + 2 * QUARTER_MS),
    end: iso(at + 6 * QUARTER_MS),
    targetsKw: new Array(4).fill(Math.round(kwPerBuilding * buildings)),
    scope: { parkIds: [park] },
    noticeAt: iso(at),
  });
  const peakPark = run.parkIds[0] as string;
  const valleyPark = run.parkIds[Math.min(1, parks - 1)] as string;
  let peakEvent: ReturnType<typeof eventBody> | undefined;
  return [
    {
      quarter: Math.min(1, quarters - 1),
      run: async (t) => {
        peakEvent = eventBody(peakId, 'PEAK_SHAVING', peakPark, t, 12, parkSize(0));
        return rec.request('create-event', api('/events'), {
          method: 'POST',
          token: operator,
          body: peakEvent,
        });
      },
    },
    {
      quarter: Math.min(2, quarters - 1),
      run: (t) =>
        rec.request('create-event', api('/events'), {
          method: 'POST',
          token: operator,
          body: eventBody(valleyId, 'VALLEY_FILLING', valleyPark, t, 15, parkSize(parks > 1 ? 1 : 0)),
        }),
    },
    {
      quarter: Math.min(3, quarters - 1),
      run: async () => {
        const revised = { ...(peakEvent as ReturnType<typeof eventBody>) };
        revised.targetsKw = revised.targetsKw.map((kw) => Math.round(kw * 0.8));
        return rec.request('revise-event', api(`/events/${peakId}`), {
          method: 'PUT',
          token: operator,
          body: revised,
        });
      },
    },
  ];
}

/** Every building posts its state at `t` and its reading of the quarter before, quarter `q`. */
async function telemetryRound(run: LoadRun, q: number, t: number): Promise<void> {
  await mapLimit(run.fleet, run.concurrency, async (m, i) => {
    await run.rec.request('telemetry', run.api(`/buildings/${m.building.buildingId}/telemetry`), {
      method: 'POST',
      token: run.tokens[Math.floor(i / run.group)] as string,
      body: {
        state: {
          buildingId: m.building.buildingId,
          at: iso(t),
          netLoadKw: readingKw(m, i, q),
          assets: assetStates(m, i, q),
        },
        readings: [
          { buildingId: m.building.buildingId, intervalStart: iso(t - QUARTER_MS), kw: readingKw(m, i, q) },
        ],
      },
    });
  });
}

/**
 * The day: per quarter a telemetry round alongside that quarter's operator actions, then the
 * clock advanced by 15 minutes.
 */
async function runDay(run: LoadRun): Promise<LoadDay> {
  const { n, quarters } = run;
  const first = Math.floor((await clockNow(run)) / QUARTER_MS) * QUARTER_MS;
  const runId = (first / QUARTER_MS).toString(36);
  const peakId = `${run.prefix}-peak-${runId}`;
  const valleyId = `${run.prefix}-valley-${runId}`;
  const actions = operatorActions(run, peakId, valleyId);
  const dayStart = performance.now();
  let telemetryMs = 0;
  let sent = 0;
  let last = first;
  for (let q = 0; q < quarters; q++) {
    const t = q === 0 ? first : Math.floor((await clockNow(run)) / QUARTER_MS) * QUARTER_MS;
    last = t;
    const roundStart = performance.now();
    // Actions of the same quarter run one after the other (a revision follows its creation).
    let operatorDone: Promise<unknown> = Promise.resolve();
    for (const a of actions.filter((x) => x.quarter === q)) operatorDone = operatorDone.then(() => a.run(t));
    await telemetryRound(run, q, t);
    // Counted as sent whatever the answers: the store check then shows what an error lost.
    sent += n;
    await operatorDone;
    const roundMs = performance.now() - roundStart;
    telemetryMs += roundMs;
    run.log(
      `quarter ${q + 1}/${quarters} (${iso(t)}): ${n} telemetry posts in ${(roundMs / 1000).toFixed(1)} s (${Math.round((n * 1000) / roundMs)}/s)`,
    );
    if (q < quarters - 1)
      await run.rec.request('advance-clock', run.api('/local/clock'), {
        method: 'POST',
        token: run.operator,
        body: { advanceMinutes: 15 },
      });
  }
  const dayMs = performance.now() - dayStart;
  return { first, last, peakId, valleyId, dayMs, telemetryMs, readingsSent: sent, statesSent: sent };
}

/** The events as the API shows them after the day, and the bus's dead letters. */
async function readOutcomes(
  run: LoadRun,
  day: LoadDay,
): Promise<{ events: EventOutcome[]; deadLetters: number }> {
  const { rec, api, operator } = run;
  const events: EventOutcome[] = [];
  for (const id of [day.peakId, day.valleyId]) {
    const res = await rec.request('get-event', api(`/events/${id}`), { method: 'GET', token: operator });
    const body = res.body as {
      event?: { type: string };
      revision?: number;
      status?: string;
      commands?: unknown;
    };
    events.push({
      eventId: id,
      type: body?.event?.type ?? '?',
      revision: body?.revision ?? 0,
      status: body?.status ?? `HTTP ${res.status}`,
      commands: body?.commands,
    });
  }
  const bus = await rec.request('local-bus', api('/local/bus'), { method: 'GET', token: operator });
  const deadLetters = ((bus.body as { deadLetters?: unknown[] })?.deadLetters ?? []).length;
  return { events, deadLetters };
}

/** Reads back from DynamoDB every building's readings of the day and its last state. */
async function verifyStore(run: LoadRun, day: LoadDay): Promise<StoreCheck> {
  const verifyStart = performance.now();
  const unchecked = {
    readingsStored: null,
    readingsDiffering: null,
    buildingsShort: null,
    statesLatest: null,
  };
  if (!run.options.dynamodbEndpoint) return { ...unchecked, verifyMs: performance.now() - verifyStart };
  const { fleet, quarters } = run;
  const { first, last } = day;
  const client = new DynamoDBClient({
    endpoint: run.options.dynamodbEndpoint,
    ...LOCAL_AWS,
    maxAttempts: 10,
  });
  const doc = DynamoDBDocumentClient.from(client);
  try {
    const repos = dynamoRepositories(doc, run.options.table ?? 'flexdr', {
      readingRetentionDays: 120,
      now: () => last,
    });
    let stored = 0;
    let differing = 0;
    let short = 0;
    const from = first - QUARTER_MS;
    await mapLimit(fleet, run.concurrency, async (m, i) => {
      const readings = await repos.telemetry.readings(m.building.buildingId, from, last);
      stored += readings.length;
      if (readings.length !== quarters) short++;
      for (const r of readings) {
        const q = (Date.parse(r.intervalStart) - from) / QUARTER_MS;
        if (r.kw !== readingKw(m, i, q)) differing++;
      }
    });
    const states = await repos.telemetry.getTelemetry(fleet.map((m) => m.building.buildingId));
    return {
      readingsStored: stored,
      readingsDiffering: differing,
      buildingsShort: short,
      statesLatest: [...states.values()].filter((s) => s.state && Date.parse(s.state.at) === last).length,
      verifyMs: performance.now() - verifyStart,
    };
  } finally {
    client.destroy();
  }
}

const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits });

/** The table of a report, one row per kind of request. */
function formatReport(r: LoadReport): string {
  const lines = [
    '| request | count | errors | p50 ms | p95 ms | p99 ms | max ms | req/s (while in flight) |',
    '|---|---:|---|---:|---:|---:|---:|---:|',
    ...r.kinds.map((k) => {
      const errors = Object.entries(k.errors)
        .map(([s, c]) => `${fmt(c)}× ${s}`)
        .join(', ');
      return `| ${k.kind} | ${fmt(k.count)} | ${errors || '0'} | ${fmt(k.p50Ms, 1)} | ${fmt(k.p95Ms, 1)} | ${fmt(k.p99Ms, 1)} | ${fmt(k.maxMs, 1)} | ${fmt(k.perSecond, 1)} |`;
    }),
  ];
  return lines.join('\n');
}

/** One line: size, telemetry throughput and latency, errors, items sent against stored. */
export function summaryLine(r: LoadReport): string {
  const t = r.kinds.find((k) => k.kind === 'telemetry');
  const stored =
    r.readingsStored === null
      ? 'store not checked'
      : `readings sent ${fmt(r.readingsSent)}, stored ${fmt(r.readingsStored)}${r.readingsStored === r.readingsSent && r.readingsDiffering === 0 ? ' (equal)' : ` (MISMATCH: ${fmt(r.readingsDiffering ?? 0)} differing, ${fmt(r.buildingsShort ?? 0)} buildings short)`}, latest states ${fmt(r.statesLatest ?? 0)}/${fmt(r.buildings)}`;
  return (
    `load: ${fmt(r.buildings)} buildings × ${r.quarters} quarters, concurrency ${r.concurrency}: ` +
    `${fmt(r.requests)} requests, ${fmt(r.errors)} errors, ${r.deadLetters} dead letters; telemetry ${fmt(t?.count ?? 0)} ` +
    `at ${fmt(((t?.count ?? 0) * 1000) / Math.max(1, r.telemetryMs), 1)} req/s, p50 ${fmt(t?.p50Ms ?? 0, 1)} ms, ` +
    `p99 ${fmt(t?.p99Ms ?? 0, 1)} ms; ${stored}; events ${r.events.map((e) => `${e.eventId} r${e.revision} ${e.status}`).join(', ')}`
  );
}

/** Starts `bench/load-run.ts` and waits for its `{ url, dynamodbEndpoint }` line. */
async function startRuntimeProcess(
  startIso: string,
): Promise<{ url: string; dynamodbEndpoint: string; child: ChildProcess; lines: string[] }> {
  const here = dirname(fileURLToPath(import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'load-run.ts'), startIso], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buffer = '';
  return new Promise((ok, ko) => {
    child.once('exit', (code) => ko(new Error(`bench/load-run.ts exited with ${code} before it was ready`)));
    child.stdout?.on('data', (c: Buffer) => {
      buffer += c.toString();
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('{')) {
          lines.push(line);
          const ready = JSON.parse(line) as { url?: string; dynamodbEndpoint?: string };
          if (ready.url && ready.dynamodbEndpoint)
            ok({ url: ready.url, dynamodbEndpoint: ready.dynamodbEndpoint, child, lines });
        }
        nl = buffer.indexOf('\n');
      }
    });
  });
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const { values } = parseArgs({
    options: {
      buildings: { type: 'string', default: '10000' },
      quarters: { type: 'string', default: '96' },
      concurrency: { type: 'string', default: '32' },
      parks: { type: 'string', default: '8' },
      start: { type: 'string', default: DEFAULT_START },
      json: { type: 'string' },
    },
  });
  const buildings = Number(values.buildings);
  const quarters = Number(values.quarters);
  const concurrency = Number(values.concurrency);
  for (const [name, v] of Object.entries({ buildings, quarters, concurrency }))
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  const log = (l: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${l}`);

  let target: { url: string; dynamodbEndpoint?: string | undefined };
  let runtime: Awaited<ReturnType<typeof startRuntimeProcess>> | undefined;
  if (process.env.FLEXDR_URL) {
    target = {
      url: process.env.FLEXDR_URL.replace(/\/$/, ''),
      dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT,
    };
    log(
      `using the runtime at ${target.url}${target.dynamodbEndpoint ? '' : ' (no DYNAMODB_ENDPOINT: store not checked)'}`,
    );
  } else {
    log('starting the local runtime in memory (bench/load-run.ts)');
    runtime = await startRuntimeProcess(values.start);
    target = runtime;
  }
  let report: LoadReport;
  let runtimePeakMb: number | undefined;
  try {
    report = await runLoad({
      ...target,
      buildings,
      quarters,
      concurrency,
      parks: Number(values.parks),
      log,
    });
  } finally {
    if (runtime) {
      const child = runtime.child;
      const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
      child.stdin?.end();
      await exited;
      const lastLine = runtime.lines.at(-1) ?? '{}';
      runtimePeakMb = (JSON.parse(lastLine) as { peakMb?: number }).peakMb;
    }
  }
  const out = {
    ...report,
    runtimePeakMb,
    loadGeneratorPeakMb: Math.round(process.resourceUsage().maxRSS / 1024),
    command: `npm run bench:load -- --buildings ${buildings} --quarters ${quarters} --concurrency ${concurrency}`,
  };
  console.log(formatReport(report));
  console.log();
  for (const e of report.events) console.log(`event ${e.eventId} (${e.type}) r${e.revision}: ${e.status}`);
  for (const s of report.errorSamples) console.log(`error: ${s}`);
  console.log(
    `enroll ${fmt(report.enrollMs / 1000, 1)} s, day ${fmt(report.dayMs / 1000, 1)} s (telemetry rounds ${fmt(report.telemetryMs / 1000, 1)} s), verify ${fmt(report.verifyMs / 1000, 1)} s; peak MB: runtime ${runtimePeakMb ?? '?'} (DynamoDB Local's JVM apart), load generator ${out.loadGeneratorPeakMb}`,
  );
  console.log(summaryLine(report));
  const file = values.json ?? join(here, 'results', `load-${buildings}x${quarters}-c${concurrency}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`JSON: ${file}`);
  const ok =
    report.errors === 0 &&
    report.deadLetters === 0 &&
    (report.readingsStored === null ||
      (report.readingsStored === report.readingsSent && report.readingsDiffering === 0));
  process.exitCode = ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
