/**
 * `npm run tour`: the README's tour, as a script that cannot go stale. Every time is computed from
 * the runtime's simulation clock (`GET /local/clock`), never from the wall clock, and each step
 * prints the request it makes and what the answer shows:
 *
 * 1. the clock, and the tour's window (`tourWindow`): one hour starting at least 30 minutes after the
 *    clock's now, and late enough that no earlier event of the park changed its load in the hours
 *    the peak-shaving program's day-of baseline adjustment reads (so a second tour right after the
 *    first is not paid on a baseline its predecessor lowered);
 * 2. grid operator: the parks, a window in the past refused by `/flexibility`, the park's
 *    flexibility for the window, an event of 60 % of it, and its plan;
 * 3. BMS: the commands of one commanded building, pulled with a BMS token, and the answer its BMS
 *    gave (the simulator's acknowledgement or decline), and the building's latest state;
 * 4. the clock jumped past the window and the 30-minute settlement delay (`POST /local/clock`);
 * 5. delivery per interval, then the settlement;
 * 6. park manager: only their park, what it earned, and another park refused.
 *
 * Against a running `npm start` (`--url`, FLEXDR_URL, default http://127.0.0.1:8787) or, with
 * `--in-memory`, a runtime it starts for itself.
 */
import { parseArgs } from 'node:util';
import { actionsOf } from '../../lib/domain/commands.ts';
import { allPlanCommands } from './api-client.ts';
import { DEMO_PROGRAM, demoEventRequest, JINQIAO } from './sim/fleet.ts';

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const BEIJING = 8 * 60 * MINUTE;
const HOUR = 60 * MINUTE;
const PARK = JINQIAO.parkId;
const OTHER_PARK = 'baotou-rare-earth';
/** The last statuses of an event; the tour stops moving the clock at one of them. */
const FINAL = new Set(['settled', 'awaiting-data', 'cancelled', 'failed']);

type EventType = 'PEAK_SHAVING' | 'VALLEY_FILLING';

export interface TourOptions {
  url: string;
  log: (line: string) => void;
  /** Share of the park's flexibility asked for. Default 0.6. */
  share?: number;
  /** Real time allowed for the simulator to answer the commands. Default 60 s. */
  answerTimeoutMs?: number;
}

/** What the tour saw, step by step; the same as it printed. */
export interface TourResult {
  clock: { start: string; afterAdvance: string };
  /** `/flexibility` for a window that had ended: status and message. */
  pastWindow: { status: number; message: string };
  event: {
    eventId: string;
    type: EventType;
    start: string;
    end: string;
    targetsKw: number[];
    plannedKw: number[];
    status: string;
    revision: number;
    /** The earlier event of the park the window was put after (see `tourWindow`). */
    after?: string;
  };
  /** The building whose commands the BMS pulled, and the answer its BMS gave. */
  bms: { buildingId: string; commandId: string; actions: string; status: string; reason?: string };
  commands: { sent: number; acknowledged: number; declined: number; failed: number };
  delivery: { start: string; targetKw: number | null; plannedKw: number; deliveredKw: number | null }[];
  settlement: { status: string; deliveredKwh: number; netYuan: number; buildings: number };
  manager: { parks: string[]; settlementsOfEvent: number; netYuan: number; otherParkStatus: number };
}

interface Reply<T> {
  status: number;
  body: T;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** `2026-12-05 16:15`, 24-hour Beijing time. */
const beijing = (ms: number) => new Date(ms + BEIJING).toISOString().slice(0, 16).replace('T', ' ');
const hhmm = (ms: number) => beijing(ms).slice(11);
const r1 = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** An event of the park, as `tourWindow` avoids it. */
export interface EarlierEvent {
  eventId: string;
  start: number;
  end: number;
}

/**
 * The window the tour asks for: one hour (four quarter hours) starting on the first quarter hour at
 * least 30 minutes after `now` (the lead planning and the BMS answers need) such that no event in
 * `earlier` overlaps `[start − lookBackMs, end)`; `after` names the event that put it later.
 *
 * `lookBackMs` is how far back the program's day-of baseline adjustment reads the load (its
 * `fromHoursBefore`). An event there shed load (or added it, and the rebound follows): scaled by
 * that, the baseline drops and so does the delivery measured against it. A second tour started
 * right after the first (whose clock ends 45 minutes after its window) would otherwise read its
 * predecessor's whole hour of shedding in its adjustment window, have the baseline scaled down to
 * the cap (0.8), deliver some 60 % of what it declared, below the program's minRatio of 0.8, and
 * be paid nothing, whatever the time of day.
 */
export function tourWindow(
  now: number,
  earlier: readonly EarlierEvent[] = [],
  lookBackMs = 0,
): { start: number; end: number; after?: EarlierEvent } {
  let start = Math.ceil((now + 30 * MINUTE) / QUARTER) * QUARTER;
  let after: EarlierEvent | undefined;
  // Each move puts `start − lookBackMs` at or past the end of an event, which then no longer
  // overlaps: at most one move per event.
  for (let moved = true; moved; ) {
    moved = false;
    for (const e of earlier)
      if (e.start < start + 4 * QUARTER && e.end > start - lookBackMs) {
        start = Math.ceil((e.end + lookBackMs) / QUARTER) * QUARTER;
        after = e;
        moved = true;
      }
  }
  return { start, end: start + 4 * QUARTER, ...(after ? { after } : {}) };
}

/** Runs the tour against the runtime at `options.url`; returns what it saw. */
export async function runTour(options: TourOptions): Promise<TourResult> {
  const { url, log } = options;
  const request = async <T>(
    token: string | undefined,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Reply<T>> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  /** A call that must succeed; prints `$ METHOD path  (who)` first. */
  const call = async <T>(who: string, token: string, method: string, path: string, body?: unknown) => {
    log(`$ ${method} ${path}   (${who})`);
    const r = await request<T>(token, method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const tokenOf = async (body: unknown) =>
    (await request<{ token: string }>(undefined, 'POST', '/local/tokens', body)).body.token;

  const section = (title: string) => {
    log('');
    log(title);
  };

  // 1. The clock
  log('1. The simulation clock: every time below is computed from it');
  const operator = await tokenOf({ role: 'operator', subject: 'tour' });
  const clock = await call<{ now: string; speed: number }>('anyone', operator, 'GET', '/local/clock');
  const now = Date.parse(clock.now);
  log(`   now ${beijing(now)} Beijing time (${clock.now}), running at ${clock.speed}x`);
  // The park's earlier events, and how far back the peak program's baseline adjustment reads
  const program = await call<{
    baseline: { adjustment?: { fromHoursBefore: number; toHoursBefore: number } };
  }>('operator', operator, 'GET', `/programs/${DEMO_PROGRAM.programId}`);
  const adjustment = program.baseline.adjustment;
  log(
    adjustment
      ? `   its baseline is scaled by the load ${adjustment.fromHoursBefore} h to ${adjustment.toHoursBefore} h before an event (day-of adjustment)`
      : '   its baseline has no day-of adjustment',
  );
  log('$ GET /events   (operator)');
  const earlier = await earlierEvents(request, operator);
  const window = tourWindow(now, earlier, (adjustment?.fromHoursBefore ?? 0) * HOUR);
  log(`   the tour's window: ${hhmm(window.start)}–${hhmm(window.end)} Beijing time (${iso(window.start)})`);
  if (window.after)
    log(
      `   not earlier: ${window.after.eventId} (${hhmm(window.after.start)}–${hhmm(window.after.end)}) moved the park's load in the hours the baseline adjustment reads`,
    );

  // 2. Grid operator
  section('2. Grid operator');
  const parks = await call<{ items: { parkId: string; name: string }[] }>(
    'operator',
    operator,
    'GET',
    '/parks',
  );
  log(`   parks: ${parks.items.map((p) => p.parkId).join(', ')}`);
  const pastEnd = Math.floor(now / QUARTER) * QUARTER;
  log(`$ POST /flexibility   (operator, a window that ended at ${hhmm(pastEnd)})`);
  const past = await request<{ message: string }>(operator, 'POST', '/flexibility', {
    scope: { parkIds: [PARK] },
    start: iso(pastEnd - 4 * QUARTER),
    end: iso(pastEnd),
  });
  log(`   ${past.status}: ${past.body.message}`);

  const flex = await call<{ total: Record<EventType, { kw: number[] }> }>(
    'operator',
    operator,
    'POST',
    '/flexibility',
    { scope: { parkIds: [PARK] }, start: iso(window.start), end: iso(window.end), intervalMinutes: 15 },
  );
  const kwOf = (type: EventType) => flex.total[type].kw.map(r1);
  log(`   ${PARK} could shave  ${kwOf('PEAK_SHAVING').join(' / ')} kW`);
  log(`   ${PARK} could absorb ${kwOf('VALLEY_FILLING').join(' / ')} kW`);
  // Peak shaving when the park can shave in every interval, else valley filling (the night).
  const type: EventType = flex.total.PEAK_SHAVING.kw.every((kw) => kw >= 1)
    ? 'PEAK_SHAVING'
    : 'VALLEY_FILLING';
  const share = options.share ?? 0.6;
  const targetsKw = flex.total[type].kw.map((kw) => Math.round(kw * share));
  if (targetsKw.every((t) => t === 0))
    throw new Error(`${PARK} offers no flexibility at ${beijing(window.start)}`);
  const eventId = `tour-${type === 'PEAK_SHAVING' ? 'peak' : 'valley'}-${beijing(window.start).replace(/\D/g, '').slice(0, 12)}`;
  await call(
    'operator',
    operator,
    'POST',
    '/events',
    demoEventRequest(eventId, type, window, targetsKw, now),
  );
  log(
    `   issued ${eventId}: ${type === 'PEAK_SHAVING' ? '削峰 peak shaving' : '填谷 valley filling'}, ${targetsKw.join(' / ')} kW (${Math.round(share * 100)} % of the flexibility)`,
  );

  interface EventView {
    status: string;
    revision: number;
    plan?: { expectedKw: number[]; costYuan: number };
    commands: TourResult['commands'];
  }
  interface CommandRecord {
    status: string;
    reason?: string;
    command: {
      commandId: string;
      eventId: string;
      buildingId: string;
      kind: string;
      revision: number;
      responseKw: number[];
      assets: { assetId: string; action: string }[];
    };
  }
  const waitUntil = async <T>(read: () => Promise<T>, done: (t: T) => boolean, what: string): Promise<T> => {
    const until = Date.now() + (options.answerTimeoutMs ?? 60_000);
    for (;;) {
      const t = await read();
      if (done(t)) return t;
      if (Date.now() > until)
        throw new Error(`${what}: not within ${(options.answerTimeoutMs ?? 60_000) / 1000} s`);
      await sleep(250);
    }
  };
  log(`$ GET /events/${eventId}   (operator, until planned and dispatched)`);
  const planned = await waitUntil(
    () => request<EventView>(operator, 'GET', `/events/${eventId}`).then((r) => r.body),
    (e) => e.plan !== undefined && e.commands.sent > 0,
    `${eventId} planned and dispatched`,
  );
  log(
    `   status ${planned.status}, revision ${planned.revision}; planned ${planned.plan?.expectedKw.map(r1).join(' / ')} kW; ${planned.commands.sent} commands sent`,
  );
  const commands = await allPlanCommands(eventId, (path) =>
    call<{ commands: CommandRecord[]; cursor?: string }>('operator', operator, 'GET', path),
  );
  const dispatches = commands.filter((c) => c.command.kind === 'DISPATCH');
  for (const c of dispatches)
    log(
      `   ${c.command.buildingId.padEnd(16)} ${actionsOf(c.command).padEnd(22)} ${c.command.responseKw.map(r1).join(' / ')} kW`,
    );

  // 3. BMS
  section('3. BMS: the commands of one building, pulled, and its answer');
  const first = dispatches[0];
  if (!first) throw new Error(`${eventId} commanded no building`);
  const buildingId = first.command.buildingId;
  const bmsToken = await tokenOf({
    role: 'bms',
    subject: `tour-bms-${buildingId}`,
    buildingIds: [buildingId],
  });
  log(`$ GET /buildings/${buildingId}/commands   (bms of ${buildingId}, until answered)`);
  const answered = await waitUntil(
    async () =>
      (
        await request<{ items: CommandRecord[] }>(bmsToken, 'GET', `/buildings/${buildingId}/commands`)
      ).body.items.find((c) => c.command.eventId === eventId && c.command.kind === 'DISPATCH'),
    (c) => c !== undefined && !['PENDING', 'PUBLISHED'].includes(c.status),
    `the BMS of ${buildingId} answering`,
  );
  if (!answered) throw new Error(`no command of ${eventId} for ${buildingId}`);
  const actions = actionsOf(answered.command);
  log(
    `   ${answered.command.commandId}: ${actions}, ${answered.command.responseKw.map(r1).join(' / ')} kW, revision ${answered.command.revision}`,
  );
  log(`   its BMS answered: ${answered.status}${answered.reason ? ` (${answered.reason})` : ''}`);
  const state = await call<{ state?: { at?: string } & Record<string, unknown> }>(
    `bms of ${buildingId}`,
    bmsToken,
    'GET',
    `/buildings/${buildingId}`,
  );
  log(`   latest state: ${JSON.stringify(state.state ?? 'none reported yet').slice(0, 160)}`);

  // 4. The clock
  section('4. The clock: past the window and the 30-minute settlement delay');
  const minutes = Math.ceil((window.end + 45 * MINUTE - now) / MINUTE);
  const advanced = await call<{ now: string }>('operator', operator, 'POST', '/local/clock', {
    advanceMinutes: minutes,
  });
  log(`   advanced ${minutes} minutes: now ${beijing(Date.parse(advanced.now))} Beijing time`);
  let status = (await request<EventView>(operator, 'GET', `/events/${eventId}`)).body;
  for (let k = 0; k < 8 && !FINAL.has(status.status); k++) {
    await call('operator', operator, 'POST', '/local/clock', { advanceMinutes: 15 });
    status = (await request<EventView>(operator, 'GET', `/events/${eventId}`)).body;
  }
  const afterAdvance = (await request<{ now: string }>(operator, 'GET', '/local/clock')).body.now;
  log(
    `   ${eventId}: ${status.status}, revision ${status.revision}; commands ${status.commands.sent} sent, ${status.commands.acknowledged} acknowledged, ${status.commands.declined} declined, ${status.commands.failed} failed`,
  );

  // 5. Delivery and settlement
  section('5. Delivery and settlement');
  const delivery = await call<{ intervals: TourResult['delivery'] }>(
    'operator',
    operator,
    'GET',
    `/events/${eventId}/delivery`,
  );
  log('   time   target kW  planned kW  delivered kW');
  for (const i of delivery.intervals)
    log(
      `   ${hhmm(Date.parse(i.start))}  ${String(i.targetKw ?? '–').padStart(9)}  ${String(r1(i.plannedKw)).padStart(10)}  ${String(i.deliveredKw === null ? '–' : r1(i.deliveredKw)).padStart(12)}`,
    );
  const perf = await call<{
    status: string;
    buildings: { buildingId: string; netYuan: number }[];
    parks: { parkId: string; deliveredKwh: number; netYuan: number }[];
    unsettled: { buildingId: string; reason: string }[];
  }>('operator', operator, 'GET', `/events/${eventId}/performance`);
  const deliveredKwh = r1(perf.parks.reduce((s, p) => s + p.deliveredKwh, 0));
  const netYuan = Math.round(perf.parks.reduce((s, p) => s + p.netYuan, 0) * 100) / 100;
  log(
    `   ${perf.status}: ${perf.buildings.length} buildings settled, delivered ${deliveredKwh} kWh, net payment ¥${netYuan.toFixed(2)}`,
  );
  for (const u of perf.unsettled) log(`   not settled: ${u.buildingId}: ${u.reason}`);

  // 6. Park manager
  section('6. Park manager: only their park, and what it earned');
  const manager = await tokenOf({ role: 'parkManager', subject: `manager-${PARK}`, parkIds: [PARK] });
  const theirParks = await call<{ items: { parkId: string }[] }>(
    `manager of ${PARK}`,
    manager,
    'GET',
    '/parks',
  );
  log(`   parks: ${theirParks.items.map((p) => p.parkId).join(', ')}`);
  const settlements = await call<{ items: { eventId: string; netYuan: number; deliveredKwh: number }[] }>(
    `manager of ${PARK}`,
    manager,
    'GET',
    `/parks/${PARK}/settlements`,
  );
  const ofEvent = settlements.items.filter((s) => s.eventId === eventId);
  const earned = Math.round(ofEvent.reduce((s, p) => s + p.netYuan, 0) * 100) / 100;
  log(`   ${eventId}: earned ¥${earned.toFixed(2)} (${settlements.items.length} settlements listed in all)`);
  log(`$ GET /parks/${OTHER_PARK}   (manager of ${PARK})`);
  const other = await request(manager, 'GET', `/parks/${OTHER_PARK}`);
  log(`   ${other.status}: another park's manager sees nothing of it`);

  return {
    clock: { start: clock.now, afterAdvance },
    pastWindow: { status: past.status, message: past.body.message },
    event: {
      eventId,
      type,
      start: iso(window.start),
      end: iso(window.end),
      targetsKw,
      plannedKw: (planned.plan?.expectedKw ?? []).map(r1),
      status: status.status,
      revision: status.revision,
      ...(window.after ? { after: window.after.eventId } : {}),
    },
    bms: {
      buildingId,
      commandId: answered.command.commandId,
      actions,
      status: answered.status,
      ...(answered.reason ? { reason: answered.reason } : {}),
    },
    commands: status.commands,
    delivery: delivery.intervals,
    settlement: { status: perf.status, deliveredKwh, netYuan, buildings: perf.buildings.length },
    manager: {
      parks: theirParks.items.map((p) => p.parkId),
      settlementsOfEvent: ofEvent.length,
      netYuan: earned,
      otherParkStatus: other.status,
    },
  };
}

/** Every event not cancelled whose scope may hold the park (`GET /events`, page by page). */
async function earlierEvents(
  request: <T>(token: string, method: string, path: string) => Promise<Reply<T>>,
  operator: string,
): Promise<EarlierEvent[]> {
  interface Listed {
    event: {
      eventId: string;
      start: string;
      end: string;
      scope: { zones?: string[]; feederIds?: string[]; parkIds?: string[]; buildingIds?: string[] };
    };
    status: string;
  }
  const out: EarlierEvent[] = [];
  let cursor: string | undefined;
  do {
    const path = `/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await request<{ items: Listed[]; cursor?: string }>(operator, 'GET', path);
    if (page.status >= 300)
      throw new Error(`GET ${path} answered ${page.status}: ${JSON.stringify(page.body)}`);
    for (const { event, status } of page.body.items) {
      const { zones, feederIds, parkIds, buildingIds } = event.scope;
      // Feeders and buildings may be the park's: counted, rather than looked up.
      const mayHold =
        parkIds?.includes(PARK) ||
        zones?.includes(JINQIAO.zone) ||
        (feederIds?.length ?? 0) > 0 ||
        (buildingIds?.length ?? 0) > 0;
      if (mayHold && status !== 'cancelled')
        out.push({ eventId: event.eventId, start: Date.parse(event.start), end: Date.parse(event.end) });
    }
    cursor = page.body.cursor;
  } while (cursor);
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: 'string' }, 'in-memory': { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log('usage: npm run tour -- [--url http://127.0.0.1:8787 | --in-memory]');
    return;
  }
  const log = (s: string) => console.log(s);
  let url = values.url ?? process.env.FLEXDR_URL ?? 'http://127.0.0.1:8787';
  let stop: (() => Promise<void>) | undefined;
  if (values['in-memory']) {
    const { startLocal } = await import('./runtime.ts');
    log('starting a runtime in memory for this tour');
    const own = await startLocal({ inMemory: true, port: 0 });
    url = own.url;
    stop = () => own.stop();
  } else {
    const alive = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (!alive) {
      console.error(
        `no FlexDR runtime answers at ${url}: start one with npm start, or run npm run tour -- --in-memory`,
      );
      process.exitCode = 1;
      return;
    }
    log(`using the runtime at ${url}`);
  }
  try {
    const result = await runTour({ url, log });
    if (result.settlement.status !== 'settled') process.exitCode = 1;
  } finally {
    await stop?.();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: Error) => {
    console.error(`tour failed: ${e.message}`);
    process.exit(1);
  });
}
