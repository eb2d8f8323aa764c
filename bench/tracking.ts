/**
 * `npm run bench:tracking`: how closely delivered follows target, open loop against closed loop, on
 * the building simulator (infra/local/sim), with the coordinator's own domain code deciding:
 * flexibility, the allocator, commands, the closed loop's decision and releases, settlement.
 *
 * Each case: the demo fleet copied `--copies` times (23 buildings each) under a peak-shaving event
 * 17:00–19:00 on a winter working day, planned at 16:30. Its target is `--share` of what the fleet
 * could deliver in its tightest interval. Every building's natural load (the loads other than its
 * assets) differs from the forecast by a factor: `1 ± e/2` shared by the fleet (the sign alternates
 * with the seed: odd seeds a colder day than forecast) and `±e/2` drawn per building, over the whole
 * event day. The forecast is what a profile would say: the mean of the five working days before,
 * simulated with their own weather. What settlement measures against is the program's contractual
 * baseline (`computeBaseline`, the demo program's 5-day average with its multiplicative day-of
 * adjustment over 13:00–16:00, capped at ×0.8–1.2), computed at planning time from those days and
 * the event day's readings in so far, as the coordinator does (issue 18 items 1 and 2): the plan's
 * flexibility, the commands' limits and delivery all stand on it. A share of buildings declines
 * (`answer`, as the BMS simulator does); the coordinator re-plans around declines before the start
 * in both loops. The closed loop then runs at every interval boundary (`trackingDecision`,
 * `releaseExcess`, a shortfall allocation on top).
 *
 * BMS execute commands in one of two ways (`--follow`): `limit`, a 光储直柔 controller that holds
 * the import at the command's limit, or `assets`, each asset moved by its instructed kW.
 *
 * Delivered in interval t sums `contractual baseline − metered` over the buildings taking part in t: those whose
 * command was received by the start of t (a building the closed loop asks from the third interval
 * on counts from there). The live delivery view (`lib/domain/delivery.ts`) counts a building over
 * the whole window instead, so a late joiner's natural-load error shows in the intervals before it
 * joined; the settlement of a building is the same either way.
 *
 * Prints per case: mean absolute tracking error |delivered − target| / target over the intervals,
 * the worst interval, the share of executing buildings paid (ratio ≥ the program's minimum), the
 * payments, and the closed loop's corrections. A JSON copy goes to bench/results/tracking.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { answer, BuildingSimulator, basePeakKw } from '../infra/local/sim/building-sim.ts';
import { DEMO_PROFILES, DEMO_PROGRAM, demoBuildings } from '../infra/local/sim/fleet.ts';
import { mulberry32 } from '../infra/local/sim/random.ts';
import { seededCalendar } from '../lib/adapters/calendar/chinese-days.ts';
import { DEFAULT_CONFIG } from '../lib/app/config.ts';
import { addedAsk, reservationsOf } from '../lib/app/planning.ts';
import { allocate } from '../lib/domain/allocation.ts';
import { computeBaseline, type LoadReading, naturalLoadForecast } from '../lib/domain/baseline.ts';
import {
  allocateCountingGaps,
  buildCommands,
  commandId,
  forecastGap,
  loweredCommand,
  unaskedKw,
} from '../lib/domain/commands.ts';
import {
  type BuildingFlexibility,
  computeFlexibility,
  toAllocationBuilding,
} from '../lib/domain/flexibility.ts';
import { forecastError } from '../lib/domain/forecast.ts';
import type { Building } from '../lib/domain/model/building.ts';
import type { Command } from '../lib/domain/model/command.ts';
import { Program } from '../lib/domain/model/program.ts';
import { type MeterReading, readingKw } from '../lib/domain/model/telemetry.ts';
import { settleBuilding } from '../lib/domain/settlement.ts';
import { chinaDate, DAY_MS, HOUR_MS, MINUTE_MS, toMs } from '../lib/domain/time.ts';
import { releaseExcess, trackingDecision, trackingError } from '../lib/domain/tracking.ts';

const STEP = 15 * MINUTE_MS;
const START = toMs('2026-12-15T17:00:00+08:00');
const N = 8;
const PLAN_AT = START - 30 * MINUTE_MS;
const EVENT = {
  eventId: 'bench-track',
  type: 'PEAK_SHAVING' as const,
  start: new Date(START).toISOString(),
  intervalMinutes: 15 as const,
};
const PROGRAM = Program.parse(DEMO_PROGRAM);
const RULES = PROGRAM.settlement;
const CALENDAR = seededCalendar();
/** Each simulated day is metered from here on: an hour before the day-of adjustment window opens. */
const DAY_FROM_MS = START - 5 * HOUR_MS;
const HYSTERESIS = DEFAULT_CONFIG.trackingHysteresisPct / 100;

export interface TrackingCase {
  seed: number;
  declineRate: number;
  loadError: number;
  loop: 'open' | 'closed';
  follow: 'limit' | 'assets';
  /** What the plan's flexibility stands on: the contractual baseline as known at planning, or the profile forecast. */
  planOn: 'contractual' | 'profile';
  /**
   * Whether the coordinator forecasts each PV building's load itself from its PV readings
   * (`naturalLoadForecast`), planning on that forecast and counting its gap to the contractual baseline.
   */
  pvForecast: boolean;
}

export interface TrackingResult extends TrackingCase {
  buildings: number;
  executing: number;
  targetKw: number;
  meanAbsErrorPct: number;
  worstErrorPct: number;
  paidShare: number;
  paymentYuan: number;
  corrections: number;
  /** How far the profile forecast was from the contractual baseline, Σ|forecast − contractual| / Σ contractual, %. */
  profileErrorPct: number;
  /** Delivered per interval, kW. */
  deliveredKw: number[];
}

interface Member {
  building: Building;
  kind: (typeof DEMO_PROFILES)[string];
  /** Its readings on the working days before, from 12:00 to the event's end: what its baselines read. */
  history: LoadReading[];
  /** The planning forecast per interval, kW: the mean of those days (what a profile says). */
  forecastKw: number[];
}

/** The `count` working days before the event day, as the instants of the event's start on them. */
function pastWorkdayStarts(count: number): number[] {
  const starts: number[] = [];
  for (let back = 1; starts.length < count; back++)
    if (CALENDAR.isWorkday(chinaDate(START - back * DAY_MS))) starts.push(START - back * DAY_MS);
  return starts;
}

const toLoad = (r: MeterReading): LoadReading => ({
  startMs: toMs(r.intervalStart),
  kw: readingKw(r),
  ...(r.pvKw !== undefined ? { pvKw: r.pvKw } : {}),
});

/** The program's method over `readings`, as known at planning time (`estimate` while its window is open). */
function baselineInput(readings: readonly LoadReading[], adjusted = true) {
  const method =
    PROGRAM.baseline.method === 'N_DAY_AVERAGE' && !adjusted
      ? { ...PROGRAM.baseline, adjustment: undefined }
      : PROGRAM.baseline;
  return {
    method,
    eventStartMs: START,
    intervalMinutes: 15,
    intervals: N,
    readings,
    calendar: CALENDAR,
    noticeAtMs: PLAN_AT,
    estimate: true,
  };
}

/** The program's baseline over `readings`, as known at planning time. */
function contractualKw(readings: readonly LoadReading[], adjusted = true): number[] {
  return computeBaseline(baselineInput(readings, adjusted)).kw;
}

const COST_FIELDS = ['cycleCostYuanPerKwh', 'comfortCostYuanPerKwh', 'costYuanPerKwh'] as const;

/**
 * The demo fleet `copies` times over, each copy its own buildings with each asset's cost scaled by a
 * seeded factor in [0.6, 1.6] (so that the merit order spreads over the copies), and each building's
 * forecast.
 */
export function fleet(seed: number, copies: number): Member[] {
  const rand = mulberry32(seed);
  const members: Member[] = [];
  for (let c = 0; c < copies; c++)
    for (const b of demoBuildings()) {
      const assets = b.assets.map((a) => {
        const scaled: Record<string, unknown> = { ...a };
        const factor = 0.6 + rand();
        for (const f of COST_FIELDS)
          if (typeof scaled[f] === 'number')
            scaled[f] = Math.round((scaled[f] as number) * factor * 1000) / 1000;
        return scaled as typeof a;
      });
      const building = { ...b, buildingId: `${b.buildingId}-${c}`, assets };
      const kind = DEMO_PROFILES[b.buildingId] ?? 'office';
      const history = pastWorkdayStarts(5).flatMap((dayStart) =>
        new BuildingSimulator(building, kind, { seed, startMs: dayStart - (START - DAY_FROM_MS) })
          .stepTo(dayStart + N * STEP)
          .map(toLoad),
      );
      members.push({ building, kind, history, forecastKw: contractualKw(history, false) });
    }
  return members;
}

function flexOf(
  m: Member,
  sim: BuildingSimulator,
  held: Command | undefined,
  baselineKw: readonly number[],
): BuildingFlexibility {
  return computeFlexibility({
    building: m.building,
    state: sim.state(),
    direction: 'PEAK_SHAVING',
    startMs: START,
    intervalMinutes: 15,
    intervals: N,
    baselineKw: [...baselineKw],
    reservations: held ? reservationsOf(held) : [],
  });
}

/** The target: `share` of what the whole fleet could deliver in its tightest interval. */
export function targetOf(members: readonly Member[], seed: number, share: number): number {
  const flex = members.map((m) => {
    const sim = new BuildingSimulator(m.building, m.kind, { seed, startMs: PLAN_AT });
    return flexOf(m, sim, undefined, m.forecastKw);
  });
  const most = allocate({
    intervalHours: 0.25,
    targetsKw: new Array<number>(N).fill(1e6),
    shortfallPenaltyYuanPerKwh: 1e4,
    buildings: flex.map((f) => toAllocationBuilding(f)),
  });
  return Math.round(share * Math.min(...Array.from(most.expectedKw)));
}

/**
 * Allocates `targetsKw` over `members` (their flexibility now, on top of what they hold, over their
 * contractual baselines) as commands of `revision` stated against those baselines.
 */
function plan(
  planOn: TrackingCase['planOn'],
  members: readonly Member[],
  sims: ReadonlyMap<string, BuildingSimulator>,
  baselines: ReadonlyMap<string, number[]>,
  naturals: ReadonlyMap<string, number[]>,
  held: ReadonlyMap<string, Command>,
  targetsKw: readonly number[],
  revision: number,
): { commands: Command[]; shortfallKw: number[] } {
  const baselineOf = (m: Member) => baselines.get(m.building.buildingId) ?? m.forecastKw;
  const naturalOf = (m: Member) =>
    planOn === 'contractual' ? naturals.get(m.building.buildingId) : undefined;
  const flex = members.map((m) =>
    flexOf(
      m,
      sims.get(m.building.buildingId) as BuildingSimulator,
      held.get(m.building.buildingId),
      planOn === 'profile' ? m.forecastKw : (naturalOf(m) ?? baselineOf(m)),
    ),
  );
  // as planning does: a building's gap (contractual − its load forecast) counts where it is commanded,
  // once (a building under command carries it already)
  const gapKw = members.map((m) => {
    const natural = naturalOf(m);
    if (!natural || held.has(m.building.buildingId)) return undefined;
    return forecastGap(EVENT.type, baselineOf(m), natural);
  });
  const { allocation } = allocateCountingGaps(
    {
      intervalHours: 0.25,
      targetsKw: [...targetsKw],
      shortfallPenaltyYuanPerKwh: 50,
      buildings: flex.map((f) => toAllocationBuilding(f)),
    },
    gapKw,
  );
  const commands = buildCommands(allocation, {
    event: EVENT,
    revision,
    buildings: members.map((m) => m.building),
    flexibilities: flex,
    baselinesKw: members.map(baselineOf),
    gapKw,
  });
  return { commands, shortfallKw: Array.from(allocation.shortfallKw) };
}

export function runCase(c: TrackingCase, members: readonly Member[], targetKw: number): TrackingResult {
  const rand = mulberry32(c.seed * 7919 + Math.round(c.loadError * 1000));
  const sims = new Map<string, BuildingSimulator>();
  const baselines = new Map<string, number[]>();
  const naturals = new Map<string, number[]>();
  // half the error is shared by the fleet (a colder evening than forecast, or a warmer one: the sign
  // alternates with the seed), half is each building's own
  const shared = (c.seed % 2 === 1 ? 1 : -1) * (c.loadError / 2);
  for (const m of members) {
    const factor = 1 + shared + (c.loadError / 2) * (2 * rand() - 1);
    const sim = new BuildingSimulator(m.building, m.kind, {
      seed: c.seed,
      startMs: DAY_FROM_MS,
      basePeakKw: basePeakKw(m.building) * factor,
      follow: c.follow,
    });
    // the event day's readings up to planning are in: the adjustment window is closed by then
    const today = sim.stepTo(PLAN_AT).map(toLoad);
    sims.set(m.building.buildingId, sim);
    baselines.set(m.building.buildingId, contractualKw([...m.history, ...today]));
    const natural = c.pvForecast ? naturalLoadForecast(baselineInput([...m.history, ...today])) : undefined;
    if (natural) naturals.set(m.building.buildingId, natural);
  }
  const targets = new Array<number>(N).fill(targetKw);
  const declined = new Set<string>();
  const accepted = new Map<string, Command>();
  const everAsked = new Set<string>();
  let revision = 0;
  let planShortfallKw: number[] = [];
  // Before the start: plan, collect answers, re-plan around the declines until nobody new declines.
  for (let round = 0; round < 6; round++) {
    revision++;
    const open = members.filter((m) => !declined.has(m.building.buildingId));
    const { commands: asked, shortfallKw } = plan(
      c.planOn,
      open,
      sims,
      baselines,
      naturals,
      new Map(),
      targets,
      revision,
    );
    planShortfallKw = shortfallKw;
    let fresh = 0;
    accepted.clear();
    for (const cmd of asked) {
      // a building answers once; one that accepted takes the re-plans that follow
      const first = !everAsked.has(cmd.buildingId);
      everAsked.add(cmd.buildingId);
      if (first && answer(cmd.commandId, c.seed, c.declineRate).status === 'DECLINED') {
        declined.add(cmd.buildingId);
        fresh++;
      } else accepted.set(cmd.buildingId, cmd);
    }
    if (fresh === 0) break;
  }
  for (const cmd of accepted.values()) sims.get(cmd.buildingId)?.receive(cmd);
  // the interval from which each building takes part
  const joined = new Map([...accepted.keys()].map((id) => [id, 0]));

  const readings = new Map<string, (number | null)[]>();
  for (const id of sims.keys()) readings.set(id, new Array<number | null>(N).fill(null));
  const memberOf = new Map(members.map((m) => [m.building.buildingId, m]));
  let corrections = 0;
  for (let k = 0; k < N; k++) {
    // the closed loop's turn at the boundary before interval k
    if (c.loop === 'closed' && k > 0) {
      const tracked = [...accepted.values()].map((cmd) => {
        const base = baselines.get(cmd.buildingId) ?? [];
        const metered = readings.get(cmd.buildingId) ?? [];
        return {
          buildingId: cmd.buildingId,
          plannedKw: cmd.responseKw,
          unaskedKw: cmd.responseKw.map((_, t) => unaskedKw(cmd, t)),
          deliveredKw: metered.map((kw, t) => (kw === null ? null : (base[t] ?? 0) - kw)),
        };
      });
      const decision = trackingDecision({
        targetsKw: targets,
        fromInterval: k,
        buildings: tracked,
        hysteresis: HYSTERESIS,
        planShortfallKw,
      });
      if (decision.act) {
        corrections++;
        planShortfallKw = [];
        revision++;
        const changed = new Map<string, Command>();
        for (const [id, cut] of releaseExcess(tracked, decision.correctionKw, decision.deviationKw)) {
          const prev = accepted.get(id) as Command;
          changed.set(id, {
            ...loweredCommand(prev, cut, memberOf.get(id)?.building),
            commandId: commandId(EVENT.eventId, id, revision),
            revision,
            supersedes: prev.commandId,
          });
        }
        const more = decision.correctionKw.map((kw) => Math.max(0, kw));
        if (more.some((kw) => kw > 0)) {
          const askable = members.filter(
            (m) => !declined.has(m.building.buildingId) && !decision.lagging.has(m.building.buildingId),
          );
          const held = new Map([...accepted, ...changed]);
          const replanned = plan(c.planOn, askable, sims, baselines, naturals, held, more, revision);
          planShortfallKw = replanned.shortfallKw;
          for (const cmd of replanned.commands) {
            const prev = held.get(cmd.buildingId);
            if (prev) changed.set(cmd.buildingId, { ...addedAsk(prev, cmd), supersedes: prev.commandId });
            else if (answer(cmd.commandId, c.seed, c.declineRate).status === 'DECLINED')
              declined.add(cmd.buildingId);
            else changed.set(cmd.buildingId, cmd);
          }
        }
        for (const cmd of changed.values()) {
          if (!joined.has(cmd.buildingId)) joined.set(cmd.buildingId, k);
          accepted.set(cmd.buildingId, cmd);
          sims.get(cmd.buildingId)?.receive(cmd);
        }
      }
    }
    for (const [id, sim] of sims)
      for (const r of sim.stepTo(START + (k + 1) * STEP)) {
        const t = Math.round((toMs(r.intervalStart) - START) / STEP);
        if (t >= 0 && t < N) (readings.get(id) as (number | null)[])[t] = readingKw(r);
      }
  }

  const deliveredKw = new Array<number>(N).fill(0);
  let paid = 0;
  let paymentYuan = 0;
  for (const cmd of accepted.values()) {
    const base = baselines.get(cmd.buildingId) ?? [];
    const metered = readings.get(cmd.buildingId) ?? [];
    const from = joined.get(cmd.buildingId) ?? 0;
    metered.forEach((kw, t) => {
      if (t >= from) deliveredKw[t] = (deliveredKw[t] as number) + (base[t] ?? 0) - (kw ?? 0);
    });
    const s = settleBuilding({
      buildingId: cmd.buildingId,
      parkId: cmd.parkId,
      direction: 'PEAK_SHAVING',
      rules: RULES,
      intervalMinutes: 15,
      declaredKw: cmd.responseKw,
      baselineKw: base,
      actualKw: metered,
      startMs: START,
    });
    if (s.paymentYuan > 0) paid++;
    paymentYuan += s.paymentYuan;
  }
  const error = trackingError(deliveredKw.map((d) => ({ targetKw, deliveredKw: d })));
  const profile = forecastError(
    members.map((m) => ({
      planningKw: m.forecastKw,
      contractualKw: baselines.get(m.building.buildingId) ?? [],
    })),
  );
  return {
    ...c,
    buildings: members.length,
    executing: accepted.size,
    targetKw,
    meanAbsErrorPct: error?.meanAbsPct ?? Number.NaN,
    worstErrorPct: error?.worstPct ?? Number.NaN,
    paidShare: accepted.size > 0 ? paid / accepted.size : 0,
    paymentYuan: Math.round(paymentYuan),
    corrections,
    profileErrorPct: profile.absPct ?? Number.NaN,
    deliveredKw: deliveredKw.map(round1),
  };
}
const round1 = (v: number) => Math.round(v * 10) / 10;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '1,2,3' },
      declines: { type: 'string', default: '0,0.1,0.3' },
      errors: { type: 'string', default: '0,0.2,0.4' },
      follow: { type: 'string', default: 'limit,assets' },
      copies: { type: 'string', default: '8' },
      share: { type: 'string', default: '0.5' },
      'plan-on': { type: 'string', default: 'contractual' },
      'pv-forecast': { type: 'string', default: 'on' },
      out: { type: 'string', default: 'bench/results/tracking.json' },
    },
  });
  const list = (s: string) => s.split(',').map(Number);
  const seeds = list(values.seeds);
  const results: TrackingResult[] = [];
  const began = performance.now();
  for (const seed of seeds) {
    const members = fleet(seed, Number(values.copies));
    const targetKw = targetOf(members, seed, Number(values.share));
    for (const follow of values.follow.split(',') as TrackingCase['follow'][])
      for (const declineRate of list(values.declines))
        for (const loadError of list(values.errors))
          for (const loop of ['open', 'closed'] as const) {
            results.push(
              runCase(
                {
                  seed,
                  declineRate,
                  loadError,
                  loop,
                  follow,
                  planOn: values['plan-on'] as TrackingCase['planOn'],
                  pvForecast: values['pv-forecast'] !== 'off',
                },
                members,
                targetKw,
              ),
            );
          }
  }
  const elapsed = (performance.now() - began) / 1000;
  console.log(
    `bench:tracking — ${seeds.length} seed(s) × ${results.length / seeds.length} cases, ` +
      `${results[0]?.buildings ?? 0} buildings, peak 17:00–19:00 in 15-min intervals, ` +
      `planned on the ${values['plan-on']} baseline, PV buildings' own load forecast ${values['pv-forecast'] === 'off' ? 'off' : 'on'}, ${elapsed.toFixed(1)} s`,
  );
  console.log(
    'follow  declines  load err  profile err | open: mean   worst  paid    ¥      | closed: mean  worst  paid    ¥      corr.',
  );
  const key = (r: TrackingResult) => `${r.follow}|${r.declineRate}|${r.loadError}`;
  const groups = new Map<string, TrackingResult[]>();
  for (const r of results) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  for (const rows of groups.values()) {
    const side = (loop: 'open' | 'closed') => {
      const rs = rows.filter((r) => r.loop === loop);
      const mean = (f: (r: TrackingResult) => number) => rs.reduce((s, r) => s + f(r), 0) / rs.length;
      return {
        mean: mean((r) => r.meanAbsErrorPct),
        worst: Math.max(...rs.map((r) => r.worstErrorPct)),
        paid: Math.min(...rs.map((r) => r.paidShare)),
        yuan: mean((r) => r.paymentYuan),
        corrections: mean((r) => r.corrections),
        profile: mean((r) => r.profileErrorPct),
      };
    };
    const o = side('open');
    const cl = side('closed');
    const r0 = rows[0] as TrackingResult;
    const pct = (v: number) => `${v.toFixed(1).padStart(5)} %`;
    console.log(
      `${r0.follow.padEnd(7)} ${`${r0.declineRate * 100} %`.padStart(8)}  ${`±${r0.loadError * 100} %`.padStart(8)}  ${pct(o.profile).padStart(11)} | ` +
        `${pct(o.mean)} ${pct(o.worst)} ${pct(100 * o.paid)} ${o.yuan.toFixed(0).padStart(6)} | ` +
        `${pct(cl.mean)} ${pct(cl.worst)} ${pct(100 * cl.paid)} ${cl.yuan.toFixed(0).padStart(6)} ${cl.corrections.toFixed(1).padStart(5)}`,
    );
  }
  console.log(
    'mean: over seeds; worst: the worst interval of any seed; paid: the lowest share of any seed; ' +
      'profile err: Σ|profile forecast − contractual baseline| / Σ contractual, mean over seeds',
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
