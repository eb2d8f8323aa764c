/**
 * `npm run demo`: the coordinator doing its job, start to settlement, on the simulation clock.
 * Against a running `npm start` (FLEXDR_URL, default http://127.0.0.1:8787) or, when none answers,
 * a runtime of its own in memory. It issues a peak-shaving event for the evening peak and a
 * valley-filling event that charges heat storage at night on valley (curtailed wind) power, then
 * moves the clock forward an hour at a time (POST /local/clock) until both are settled, and prints
 * target vs planned vs delivered, the commands and answers, payments, and, per event and park, the
 * energy cost saved or incurred at the 蒙西/蒙东 tariffs, the valley energy absorbed and the tCO₂
 * avoided (when evaluation stored them). The same report is written as JSON and as an HTML page
 * with charts.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { actionsOf } from '../../lib/domain/commands.ts';
import type { DeliveryView } from '../../lib/domain/delivery.ts';
import { INNER_MONGOLIA_TARIFFS } from '../../lib/domain/model/tariff-presets.ts';
import { type EventImpact, sumImpacts } from '../../lib/domain/tariff.ts';
import { type TrackingError, trackingError } from '../../lib/domain/tracking.ts';
import { allPlanCommands, apiCall } from './api-client.ts';
import { DEFAULT_PORT, type LocalRuntime, startLocal } from './runtime.ts';
import { DEMO_PROGRAM, DEMO_VALLEY_PROGRAM, demoEventRequest } from './sim/fleet.ts';

const HOUR = 3_600_000;
const BEIJING = 8 * HOUR;
const PARK = 'hohhot-jinqiao';
const PROGRAMS = { PEAK_SHAVING: DEMO_PROGRAM.programId, VALLEY_FILLING: DEMO_VALLEY_PROGRAM.programId };
/**
 * Where the demo stops driving the clock: settled, or awaiting data that no amount of simulated time
 * brings (a calendar year nobody entered), which the report then lists building by building.
 */
const FINAL = new Set(['settled', 'awaiting-data', 'cancelled', 'failed']);

export interface DemoOptions {
  url: string;
  /** Where report.json and report.html go. */
  outDir: string;
  log: (line: string) => void;
  /** Share of the scope's flexibility asked for. */
  share?: number;
}

interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
}

function api(url: string, token: string): Api {
  return {
    get: (path) => apiCall(url, 'GET', path, { token }),
    post: (path, body) => apiCall(url, 'POST', path, { token, body }),
    put: (path, body) => apiCall(url, 'PUT', path, { token, body }),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const beijing = (ms: number) => new Date(ms + BEIJING).toISOString().slice(0, 16).replace('T', ' ');
const hhmm = (ms: number) => new Date(ms + BEIJING).toISOString().slice(11, 16);
const r1 = (x: number) => Math.round(x * 10) / 10;

/** The next window [startHour, startHour + hours) in Beijing time that starts at least `leadMs` after `now`. */
export function nextWindow(
  now: number,
  startHour: number,
  hours: number,
  leadMs: number,
): { start: number; end: number } {
  const dayStart = Math.floor((now + BEIJING) / (24 * HOUR)) * 24 * HOUR - BEIJING;
  let start = dayStart + startHour * HOUR;
  while (start < now + leadMs) start += 24 * HOUR;
  return { start, end: start + hours * HOUR };
}

interface FlexView {
  total: Record<'PEAK_SHAVING' | 'VALLEY_FILLING', { kw: number[]; energyKwh: number }>;
}
interface CommandRecord {
  status: string;
  reason?: string;
  command: {
    commandId: string;
    buildingId: string;
    kind: string;
    revision: number;
    responseKw: number[];
    assets: { assetId: string; action: string }[];
  };
}
interface Performance {
  status: string;
  buildings: {
    buildingId: string;
    declaredKw: number;
    deliveredKw: number;
    ratio: number | null;
    netYuan: number;
    deliveredKwh: number;
    intervals: { deliveredKw: number }[];
    impact?: EventImpact;
  }[];
  parks: {
    parkId: string;
    declaredKw: number;
    deliveredKw: number;
    deliveredKwh: number;
    netYuan: number;
    /** Stored by evaluation when the program has tariffs. */
    impact?: EventImpact;
  }[];
  unsettled: { buildingId: string; reason: string }[];
}
interface EventStatus {
  status: string;
  revision: number;
  tracking?: { corrections: number };
  failure?: string;
  plan?: {
    targetsKw: number[];
    expectedKw: number[];
    shortfallKw: number[];
    costYuan: number;
    after?: { recoveryKw: number[]; reboundKw: number[]; unrecoveredKwh: number };
  };
  commands: { sent: number; acknowledged: number; declined: number; failed: number };
}

export interface EventReport {
  eventId: string;
  type: 'PEAK_SHAVING' | 'VALLEY_FILLING';
  window: { start: string; end: string };
  status: string;
  revision: number;
  /** What delivery is measured against (the program's contractual baseline). */
  measuredAgainst: DeliveryView['measuredAgainst'];
  /** Buildings acknowledged but not measured, because their contractual baseline is missing, and why. */
  unmeasured: DeliveryView['unmeasured'];
  /** Per interval, as `GET /events/{id}/delivery` gives it (kW, 0.1), with the operator's target. */
  intervals: {
    start: string;
    targetKw: number;
    /** Σ of the measured buildings' commanded response. */
    plannedKw: number;
    /** Σ of their response against the contractual baseline; `null` until every one has reported. */
    deliveredKw: number | null;
    /** Σ of their contractual baselines and of their metered load. */
    baselineKw: number | null;
    meteredKw: number | null;
    /** Σ of the planning baselines their commands were built on: what the plan assumed, not what is measured against. */
    planningBaselineKw: number | null;
  }[];
  /** Peak shaving: recovery commanded and rebound expected after the window, kW per interval from its end. */
  after?: { intervalMinutes: number; recoveryKw: number[]; reboundKw: number[] };
  commands: {
    buildingId: string;
    commandId: string;
    revision: number;
    actions: string;
    status: string;
    reason?: string;
  }[];
  counts: EventStatus['commands'];
  settlement: {
    parks: Performance['parks'];
    buildings: Pick<
      Performance['buildings'][number],
      'buildingId' | 'declaredKw' | 'deliveredKw' | 'ratio' | 'netYuan'
    >[];
    unsettled: Performance['unsettled'];
  };
  deliveredKwh: number;
  netYuan: number;
  /** How closely delivered followed target (`trackingError`), and the closed loop's corrections. */
  tracking?: TrackingError & { corrections: number };
  /** The parks' impacts summed, when every settled park has one. */
  impact?: EventImpact;
}

export interface DemoReport {
  generatedAt: string;
  clock: { from: string; to: string };
  events: EventReport[];
  /**
   * Valley energy absorbed, kWh: the impacts' (valley-filling delivery in VALLEY tariff periods)
   * when every valley event has one, else everything the valley events delivered.
   */
  valleyEnergyAbsorbedKwh: number;
  /** The events' impacts summed, when every event has one. */
  impact?: EventImpact;
}

async function issue(
  call: Api,
  type: 'PEAK_SHAVING' | 'VALLEY_FILLING',
  window: { start: number; end: number },
  now: number,
  share: number,
  log: (l: string) => void,
): Promise<string> {
  const flex = await call.post<FlexView>('/flexibility', {
    scope: { parkIds: [PARK] },
    start: iso(window.start),
    end: iso(window.end),
    intervalMinutes: 15,
  });
  // `share` of what the park can sustain: each interval's most, scaled down where the window's
  // energy (batteries and tanks fill or empty) cannot hold every interval at its most at once.
  const curve = flex.total[type];
  const everyMostKwh = curve.kw.reduce((sum, kw) => sum + kw / 4, 0);
  const sustained = everyMostKwh > 0 ? Math.min(1, curve.energyKwh / everyMostKwh) : 0;
  const targetsKw = curve.kw.map((kw) => Math.round(kw * share * sustained));
  if (targetsKw.every((t) => t === 0))
    throw new Error(
      `the park ${PARK} offers no ${type} flexibility for ${beijing(window.start)}; is it seeded?`,
    );
  const eventId = `demo-${type === 'PEAK_SHAVING' ? 'peak' : 'valley'}-${beijing(window.start).slice(0, 10).replaceAll('-', '')}-${Math.random().toString(36).slice(2, 6)}`;
  await call.post('/events', demoEventRequest(eventId, type, window, targetsKw, now));
  log(
    `issued ${eventId}: ${type === 'PEAK_SHAVING' ? '削峰 peak shaving' : '填谷 valley filling'} ${hhmm(window.start)}–${hhmm(window.end)} Beijing time, target up to ${Math.max(...targetsKw)} kW (${Math.round(share * 100)} % of what the park can sustain)`,
  );
  return eventId;
}

/** The report of events already run, as the demo writes it (for a report of other events). */
export async function reportOf(url: string, token: string, eventIds: string[]): Promise<DemoReport> {
  const call = api(url, token);
  const now = (await call.get<{ now: string }>('/local/clock')).now;
  const events = await Promise.all(eventIds.map((id) => eventReport(call, id)));
  return {
    generatedAt: new Date().toISOString(),
    clock: { from: events[0]?.window.start ?? now, to: now },
    events,
    valleyEnergyAbsorbedKwh: events
      .filter((e) => e.type === 'VALLEY_FILLING')
      .reduce((s, e) => s + e.deliveredKwh, 0),
    ...impactOf(events),
  };
}

async function eventReport(call: Api, eventId: string): Promise<EventReport> {
  const status = await call.get<
    EventStatus & {
      event: {
        type: EventReport['type'];
        start: string;
        end: string;
        targetsKw: number[];
        intervalMinutes: number;
      };
    }
  >(`/events/${eventId}`);
  const commands = await allPlanCommands(eventId, (path) =>
    call.get<{ commands: CommandRecord[]; cursor?: string }>(path),
  );
  const delivery = await call.get<DeliveryView>(`/events/${eventId}/delivery`);
  const perf = await call.get<Performance>(`/events/${eventId}/performance`);
  const intervals = status.event.targetsKw.map((targetKw, t) => {
    const d = delivery.intervals[t];
    return {
      start: d?.start ?? '',
      targetKw,
      plannedKw: d?.plannedKw ?? 0,
      deliveredKw: d?.deliveredKw ?? null,
      baselineKw: d?.baselineKw ?? null,
      meteredKw: d?.meteredKw ?? null,
      planningBaselineKw: d?.planningBaselineKw ?? null,
    };
  });
  const tracked = trackingError(intervals);
  // Every figure per interval is the delivery route's: response against the program's contractual
  // baseline (lib/domain/delivery.ts), the same the console draws and the settlement sums.
  return {
    eventId,
    type: status.event.type,
    window: { start: status.event.start, end: status.event.end },
    status: status.status,
    revision: status.revision,
    measuredAgainst: delivery.measuredAgainst,
    unmeasured: delivery.unmeasured,
    intervals,
    ...(status.plan?.after
      ? {
          after: {
            intervalMinutes: status.event.intervalMinutes,
            recoveryKw: status.plan.after.recoveryKw,
            reboundKw: status.plan.after.reboundKw,
          },
        }
      : {}),
    commands: commands
      .filter((c) => c.command.kind === 'DISPATCH')
      .map((c) => ({
        buildingId: c.command.buildingId,
        commandId: c.command.commandId,
        revision: c.command.revision,
        actions: actionsOf(c.command),
        status: c.status,
        ...(c.reason ? { reason: c.reason } : {}),
      }))
      .sort((a, b) => a.buildingId.localeCompare(b.buildingId) || a.revision - b.revision),
    counts: status.commands,
    settlement: {
      parks: perf.parks,
      buildings: perf.buildings.map((b) => ({
        buildingId: b.buildingId,
        declaredKw: r1(b.declaredKw),
        deliveredKw: r1(b.deliveredKw),
        ratio: b.ratio === null ? null : Math.round(b.ratio * 100) / 100,
        netYuan: b.netYuan,
      })),
      unsettled: perf.unsettled,
    },
    deliveredKwh: r1(perf.parks.reduce((s, p) => s + p.deliveredKwh, 0)),
    netYuan: Math.round(perf.parks.reduce((s, p) => s + p.netYuan, 0) * 100) / 100,
    ...(tracked ? { tracking: { ...tracked, corrections: status.tracking?.corrections ?? 0 } } : {}),
    ...impactOf(perf.parks),
  };
}

/** `{ impact }` summed over `items` when every one has an impact (and there is one), else nothing. */
function impactOf(items: readonly { impact?: EventImpact | undefined }[]): { impact?: EventImpact } {
  const impacts = items.flatMap((i) => (i.impact ? [i.impact] : []));
  return impacts.length > 0 && impacts.length === items.length ? { impact: sumImpacts(impacts) } : {};
}

/**
 * The demo's programs carry the 蒙西/蒙东 tariff presets, so that evaluation can value delivery at
 * them: any that has none gets them through `PUT /programs/{programId}`, as an operator would.
 */
async function attachTariffs(call: Api, log: (l: string) => void): Promise<void> {
  for (const programId of Object.values(PROGRAMS)) {
    const program = await call.get<{ tariffs?: unknown }>(`/programs/${programId}`);
    if (program.tariffs) continue;
    await call.put(`/programs/${programId}`, { ...program, tariffs: INNER_MONGOLIA_TARIFFS });
    log(`program ${programId}: attached the 蒙西/蒙东 tariff presets (PUT /programs/${programId})`);
  }
}

/** `energy cost saved ¥59.70 · valley energy absorbed 0 kWh · 0.057 tCO₂ avoided`. */
function describeImpact(i: EventImpact): string {
  const cost = `energy cost ${i.energyCostSavedYuan >= 0 ? 'saved' : 'incurred'} ¥${Math.abs(i.energyCostSavedYuan).toFixed(2)}`;
  return `${cost} · valley energy absorbed ${r1(i.valleyEnergyAbsorbedKwh)} kWh · ${i.tco2Avoided.toFixed(3)} tCO₂ avoided${i.placeholderPrices ? ' (placeholder tariff prices)' : ''}`;
}

/** Runs the demo against the runtime at `options.url`; returns the report it wrote. */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const { log } = options;
  const { token } = await apiCall<{ token: string }>(options.url, 'POST', '/local/tokens', {
    body: { role: 'operator', subject: 'demo' },
  });
  const call = api(options.url, token);
  const clock = async () => Date.parse((await call.get<{ now: string }>('/local/clock')).now);

  const from = await clock();
  log(`simulation clock: ${beijing(from)} Beijing time`);
  const peak = nextWindow(from, 17, 2, HOUR);
  const valley = nextWindow(peak.end, 23, 4, 0);
  const share = options.share ?? 0.6;
  await attachTariffs(call, log);
  // The peak event goes out now, for the evening. The valley event goes out an hour before the
  // night window, as wind forecasts firm up: planning reads each building's reported state, and a
  // heater's night draw (hence its headroom to charge the tank) is only known by the evening.
  const ids = [await issue(call, 'PEAK_SHAVING', peak, from, share, log)];
  const valleyNotice = valley.start - HOUR;

  const deadline = valley.end + 24 * HOUR;
  let statuses: Record<string, string> = {};
  for (;;) {
    statuses = Object.fromEntries(
      await Promise.all(
        ids.map(async (id) => [id, (await call.get<EventStatus>(`/events/${id}`)).status] as const),
      ),
    );
    if (ids.length === 2 && ids.every((id) => FINAL.has(statuses[id] as string))) break;
    const now = await clock();
    if (now > deadline) {
      const bus = await call.get<{ deadLetters: { target: string; error: string }[] }>('/local/bus');
      throw new Error(
        `the events did not settle by ${beijing(deadline)}: ${JSON.stringify(statuses)}; dead letters on the bus: ${JSON.stringify(bus.deadLetters.map((d) => `${d.target}: ${d.error}`))}`,
      );
    }
    if (ids.length === 1 && now >= valleyNotice) {
      ids.push(await issue(call, 'VALLEY_FILLING', valley, now, share, log));
      continue;
    }
    const step = ids.length === 1 ? Math.min(60, Math.max(1, Math.ceil((valleyNotice - now) / 60_000))) : 60;
    await call.post('/local/clock', { advanceMinutes: step });
    const after = await Promise.all(
      ids.map(async (id) => (await call.get<EventStatus>(`/events/${id}`)).status),
    );
    log(`${beijing(await clock())}  ${ids.map((id, k) => `${id.split('-')[1]}: ${after[k]}`).join(', ')}`);
  }

  const events = await Promise.all(ids.map((id) => eventReport(call, id)));
  const valleyEvents = events.filter((e) => e.type === 'VALLEY_FILLING');
  const report: DemoReport = {
    generatedAt: new Date().toISOString(),
    clock: { from: iso(from), to: iso(await clock()) },
    events,
    valleyEnergyAbsorbedKwh: valleyEvents.every((e) => e.impact)
      ? valleyEvents.reduce((s, e) => s + (e.impact?.valleyEnergyAbsorbedKwh ?? 0), 0)
      : valleyEvents.reduce((s, e) => s + e.deliveredKwh, 0),
    ...impactOf(events),
  };
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(join(options.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(options.outDir, 'report.html'), html(report));
  return report;
}

/** The report as terminal text. */
export function text(report: DemoReport): string {
  const out: string[] = [];
  for (const e of report.events) {
    out.push(
      '',
      `${e.eventId}  ${e.type === 'PEAK_SHAVING' ? '削峰 peak shaving' : '填谷 valley filling'}  ${beijing(Date.parse(e.window.start))}–${hhmm(Date.parse(e.window.end))}  status ${e.status}, revision ${e.revision}`,
      `  commands: ${e.counts.sent} sent, ${e.counts.acknowledged} acknowledged, ${e.counts.declined} declined${e.counts.failed ? `, ${e.counts.failed} failed` : ''}`,
      `  delivered: response against the contractual baseline of ${e.measuredAgainst.programId} (${e.measuredAgainst.baseline}), as settlement measures it`,
      '  time    target kW  planned kW  delivered kW  baseline kW  metered kW  planning baseline kW',
    );
    for (const i of e.intervals)
      out.push(
        `  ${hhmm(Date.parse(i.start))}  ${String(i.targetKw).padStart(9)}  ${String(i.plannedKw).padStart(10)}  ${String(i.deliveredKw ?? '–').padStart(12)}  ${String(i.baselineKw ?? '–').padStart(11)}  ${String(i.meteredKw ?? '–').padStart(10)}  ${String(i.planningBaselineKw ?? '–').padStart(20)}`,
      );
    for (const u of e.unmeasured) out.push(`  not measured: ${u.buildingId}: ${u.reason}`);
    const rows = buildingRows(e);
    const width = Math.max(8, ...rows.map((r) => r.answers.length));
    out.push(
      `  building            ${'commands and answers'.padEnd(width)}  declared kW  delivered kW  ratio   net ¥`,
    );
    for (const r of rows) {
      const s = r.settled;
      out.push(
        `  ${r.buildingId.padEnd(18)}  ${r.answers.padEnd(width)}  ${String(s?.declaredKw ?? '–').padStart(11)}  ${String(s?.deliveredKw ?? '–').padStart(12)}  ${String(s?.ratio ?? '–').padStart(5)}  ${String(s?.netYuan ?? '–').padStart(7)}`,
      );
      if (r.unsettled) out.push(`  ${''.padEnd(18)}  not settled: ${r.unsettled}`);
    }
    if (e.after) out.push(`  after the window: ${describeAfter(e)}`);
    if (e.tracking) out.push(`  tracking: ${describeTracking(e)}`);
    out.push(`  delivered ${e.deliveredKwh} kWh, net payment ¥${e.netYuan}`);
    for (const p of e.settlement.parks)
      if (p.impact) out.push(`  park ${p.parkId}: ${describeImpact(p.impact)}`);
    if (e.impact) out.push(`  event: ${describeImpact(e.impact)}`);
  }
  out.push('', `valley (curtailed wind) energy absorbed: ${r1(report.valleyEnergyAbsorbedKwh)} kWh`);
  if (report.impact) out.push(`all events: ${describeImpact(report.impact)}`);
  return out.join('\n');
}

/**
 * One row per building of an event: every command it received and the answer its BMS gave (with the
 * reason of a decline or failure), its settlement, or why it is not settled. Buildings commanded,
 * settled or awaiting data all appear, whatever their answer.
 */
export function buildingRows(e: EventReport): {
  buildingId: string;
  answers: string;
  settled?: EventReport['settlement']['buildings'][number];
  unsettled?: string;
}[] {
  const ids = new Set([
    ...e.commands.map((c) => c.buildingId),
    ...e.settlement.buildings.map((b) => b.buildingId),
    ...e.settlement.unsettled.map((u) => u.buildingId),
  ]);
  return [...ids].sort().map((buildingId) => {
    const answers = e.commands
      .filter((c) => c.buildingId === buildingId)
      .map(
        (c) =>
          `r${c.revision} ${c.actions} ${c.status.toLowerCase()}${c.reason && c.status !== 'ACKNOWLEDGED' ? ` (${c.reason})` : ''}`,
      )
      .join('; ');
    const settled = e.settlement.buildings.find((b) => b.buildingId === buildingId);
    const unsettled = e.settlement.unsettled.find((u) => u.buildingId === buildingId)?.reason;
    return {
      buildingId,
      answers: answers || 'no command',
      ...(settled ? { settled } : {}),
      ...(unsettled ? { unsettled } : {}),
    };
  });
}

/** Recovery and rebound after a window, in words: how much, and when the recovery runs. */
/** `mean 2.1 %, worst 6.0 % at 17:15, 1 correction by the closed loop`. */
function describeTracking(e: EventReport): string {
  const t = e.tracking;
  if (!t) return '';
  const at = e.intervals[t.worstInterval]?.start;
  const corrections = `${t.corrections} correction${t.corrections === 1 ? '' : 's'} by the closed loop`;
  return `|delivered − target| / target: mean ${t.meanAbsPct} %, worst ${t.worstPct} %${at ? ` at ${hhmm(Date.parse(at))}` : ''}; ${corrections}`;
}

function describeAfter(e: EventReport): string {
  const after = e.after;
  if (!after) return '';
  const dt = after.intervalMinutes / 60;
  const endMs = Date.parse(e.window.end);
  const kwh = (kw: number[]) => r1(kw.reduce((s, v) => s + v, 0) * dt);
  const used = after.recoveryKw.flatMap((kw, t) => (kw > 0 ? [t] : []));
  const first = used[0];
  const last = used.at(-1);
  const when =
    first === undefined || last === undefined
      ? ''
      : ` ${hhmm(endMs + first * after.intervalMinutes * 60_000)}–${hhmm(endMs + (last + 1) * after.intervalMinutes * 60_000)}`;
  return `recovery ${kwh(after.recoveryKw)} kWh${when}, rebound ${kwh(after.reboundKw)} kWh`;
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
  );
}

/** A self-contained page: the report's tables and a uPlot chart per event (uPlot inlined). */
export function html(report: DemoReport): string {
  const require = createRequire(import.meta.url);
  const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const sections = report.events
    .map((e, k) => {
      const rows = e.intervals
        .map(
          (i) =>
            `<tr><td>${hhmm(Date.parse(i.start))}</td><td>${i.targetKw}</td><td>${i.plannedKw}</td><td>${i.deliveredKw ?? '–'}</td><td>${i.baselineKw ?? '–'}</td><td>${i.meteredKw ?? '–'}</td><td>${i.planningBaselineKw ?? '–'}</td></tr>`,
        )
        .join('');
      const buildings = buildingRows(e)
        .map((r) => {
          const b = r.settled;
          return `<tr data-building-id="${escapeHtml(r.buildingId)}"><td>${escapeHtml(r.buildingId)}</td><td class="text">${escapeHtml(r.answers)}</td><td>${b?.declaredKw ?? '–'}</td><td>${b?.deliveredKw ?? '–'}</td><td>${b?.ratio ?? '–'}</td><td>${b?.netYuan ?? '–'}</td><td class="text">${r.unsettled ? `not settled: ${escapeHtml(r.unsettled)}` : b ? 'settled' : '–'}</td></tr>`;
        })
        .join('');
      return `<section><h2>${escapeHtml(e.eventId)}: ${e.type === 'PEAK_SHAVING' ? '削峰 peak shaving' : '填谷 valley filling'}, ${escapeHtml(beijing(Date.parse(e.window.start)))}–${hhmm(Date.parse(e.window.end))}</h2>
<p>Status <b>${escapeHtml(e.status)}</b>; ${e.counts.sent} commands, ${e.counts.acknowledged} acknowledged, ${e.counts.declined} declined${e.counts.failed ? `, ${e.counts.failed} failed` : ''}. Delivered ${e.deliveredKwh} kWh; net payment ¥${e.netYuan}.</p>
${e.settlement.parks.map((p) => (p.impact ? `<p>Park ${escapeHtml(p.parkId)}: ${escapeHtml(describeImpact(p.impact))}.</p>` : '')).join('')}
<p>Delivered is the response against the program's contractual baseline (${escapeHtml(e.measuredAgainst.programId)}, ${escapeHtml(e.measuredAgainst.baseline)}), the one settlement pays on; the planning baseline is what the plan assumed the load would be.</p>
${e.unmeasured.map((u) => `<p>Not measured: ${escapeHtml(u.buildingId)}: ${escapeHtml(u.reason)}</p>`).join('')}
<h3>Response: kW ${e.type === 'PEAK_SHAVING' ? 'less' : 'more'} import (axis from 0)</h3>
<div id="chart${k}"></div>
<h3>Load at the meters: contractual baseline against metered, with the planning baseline, kW (axis from 0)</h3>
<div id="load${k}"></div>
${e.after ? `<p>After the window: ${escapeHtml(describeAfter(e))}.</p><div id="after${k}"></div>` : ''}
<table><tr><th>Time</th><th>Target kW</th><th>Planned kW</th><th>Delivered kW</th><th>Contractual baseline kW</th><th>Metered kW</th><th>Planning baseline kW</th></tr>${rows}</table>
<table><tr><th>Building</th><th class="text">Commands and answers</th><th>Declared kW</th><th>Delivered kW</th><th>Ratio</th><th>Net ¥</th><th class="text">Settlement</th></tr>${buildings}</table></section>`;
    })
    .join('\n');
  // Each series repeats its last interval at the window's end, so the steps cover the window.
  const xs = (e: EventReport) => [
    ...e.intervals.map((i) => Date.parse(i.start) / 1000),
    Date.parse(e.window.end) / 1000,
  ];
  const ys = <T>(values: T[]) => [...values, values.at(-1) ?? null];
  // Target last, so that it is drawn above an equal planned line.
  const data = report.events.map((e) => [
    xs(e),
    ys(e.intervals.map((i) => i.plannedKw)),
    ys(e.intervals.map((i) => i.deliveredKw)),
    ys(e.intervals.map((i) => i.targetKw)),
  ]);
  const load = report.events.map((e) => [
    xs(e),
    ys(e.intervals.map((i) => i.baselineKw)),
    ys(e.intervals.map((i) => i.meteredKw)),
    ys(e.intervals.map((i) => i.planningBaselineKw)),
  ]);
  const after = report.events.map((e) =>
    e.after
      ? [
          e.after.recoveryKw.map(
            (_, t) => (Date.parse(e.window.end) + t * (e.after?.intervalMinutes ?? 15) * 60_000) / 1000,
          ),
          e.after.recoveryKw,
          e.after.reboundKw,
        ]
      : null,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>FlexDR demo report</title>
<style>${css}
body{font:14px/1.45 system-ui,"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif;margin:2rem auto;max-width:1000px;color:#1b1f24}table{border-collapse:collapse;margin:1rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child,td.text,th.text{text-align:left}</style>
<script>${js}</script></head><body>
<h1>FlexDR demo report</h1>
<p>Simulation clock ${escapeHtml(beijing(Date.parse(report.clock.from)))} → ${escapeHtml(beijing(Date.parse(report.clock.to)))} Beijing time. Valley (curtailed wind) energy absorbed: <b>${r1(report.valleyEnergyAbsorbedKwh)} kWh</b>.${report.impact ? ` All events: ${escapeHtml(describeImpact(report.impact))}.` : ''}</p>
${sections}
<script>
const pad = (n) => String(n).padStart(2, '0');
// 24-hour Beijing time whatever the reader's zone: epoch seconds shifted by 8 h, read as UTC.
const bj = (ts) => { const d = new Date(ts * 1000 + 8 * 3600e3); return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()); };
const bjDay = (ts) => new Date(ts * 1000 + 8 * 3600e3).toISOString().slice(0, 10) + ' ' + bj(ts);
const kw = (v) => v == null ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: 1 }) + ' kW';
// Away from the cursor, the legend shows the last interval with a value (not uPlot's "--").
const latest = (u) => { for (let i = u.data[0].length - 2; i >= 0; i--) if (u.data.slice(1).some((y) => y[i] != null)) { u.setLegend({ idx: i }, false); return; } };
const chart = (el, d, series, height) => new uPlot({ width: 960, height,
  scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(max * 1.1, 1)] } },
  axes: [{ values: (_u, ticks) => ticks.map(bj) }, { label: 'kW', size: 70 }],
  hooks: { ready: [latest], setCursor: [(u) => u.cursor.idx == null && latest(u)] },
  series: [{ value: (_u, v) => v == null ? '–' : bjDay(v) + ' Beijing' },
    ...series.map((s) => ({ width: 2, paths: uPlot.paths.stepped({ align: 1 }), points: { show: false }, value: (_u, v) => kw(v), ...s }))] },
  d, el);
const data = ${JSON.stringify(data)};
data.forEach((d, k) => chart(document.getElementById('chart' + k), d,
  [{ label: 'planned kW', stroke: '#2a6fdb' }, { label: 'delivered kW', stroke: '#1a9850', fill: 'rgba(26,152,80,.12)' }, { label: 'target kW', stroke: '#111827', dash: [6, 4] }], 280));
const load = ${JSON.stringify(load)};
load.forEach((d, k) => chart(document.getElementById('load' + k), d,
  [{ label: 'contractual baseline kW', stroke: '#6b7280', dash: [6, 4] }, { label: 'metered kW', stroke: '#c2410c' }, { label: 'planning baseline kW', stroke: '#a1a1aa', dash: [2, 3] }], 220));
const after = ${JSON.stringify(after)};
after.forEach((d, k) => d && chart(document.getElementById('after' + k), d,
  [{ label: 'recovery kW', stroke: '#7c3aed', fill: 'rgba(124,58,237,.15)' }, { label: 'rebound kW', stroke: '#b45309', dash: [6, 4] }], 200));
</script></body></html>
`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      out: { type: 'string' },
      share: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log('usage: npm run demo -- [--url http://127.0.0.1:8787] [--out .flexdr/demo] [--share 0.6]');
    return;
  }
  const log = (s: string) => console.log(s);
  let url = values.url ?? process.env.FLEXDR_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`;
  let own: LocalRuntime | undefined;
  const alive = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (!alive) {
    log(`no FlexDR runtime answers at ${url}: starting one in memory for this demo`);
    own = await startLocal({ inMemory: true, port: 0, log: (l) => log(`  ${l}`) });
    url = own.url;
  } else log(`using the runtime at ${url}`);
  const outDir = resolve(values.out ?? join(process.cwd(), '.flexdr', 'demo'));
  try {
    const report = await runDemo({
      url,
      outDir,
      log,
      ...(values.share ? { share: Number(values.share) } : {}),
    });
    log(text(report));
    log(`\nreport written to ${relative(process.cwd(), join(outDir, 'report.html'))} and report.json`);
    const unsettled = report.events.filter((e) => e.status !== 'settled');
    if (unsettled.length > 0) {
      console.error(`not settled: ${unsettled.map((e) => `${e.eventId} (${e.status})`).join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await own?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: Error) => {
    console.error(`demo failed: ${e.message}`);
    process.exit(1);
  });
}
