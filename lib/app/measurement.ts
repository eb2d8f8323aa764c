/**
 * Reading what measures an event's delivery: the program's contractual baseline of each building
 * (over the working calendar, past event days excluded) and its metered load in the window. The
 * settlement (evaluation.ts) and the live delivery view (queries.ts) both read through here, so they
 * measure against the same baseline from the same readings.
 */
import { mapLimit } from '../concurrency.ts';
import { type Baseline, computeBaseline, type LoadReading, naturalLoadForecast } from '../domain/baseline.ts';
import { CalendarMissingError, type WorkCalendar } from '../domain/calendar.ts';
import { meteredPerInterval, type UnmeasuredBuilding } from '../domain/delivery.ts';
import { InsufficientDataError } from '../domain/errors.ts';
import { MAX_INTERVALS } from '../domain/model/common.ts';
import { type GridEvent, intervalCount } from '../domain/model/grid-event.ts';
import type { BaselineMethod, Program } from '../domain/model/program.ts';
import { type MeterReading, readingKw } from '../domain/model/telemetry.ts';
import { chinaDate, DAY_MS, MINUTE_MS, toIso, toMs } from '../domain/time.ts';
import type { Deps } from './config.ts';

/**
 * How far back readings are read for each baseline method: its lookback, plus the days between the
 * notice and the event when it counts back from the notice day.
 */
function lookbackDays(method: BaselineMethod, noticeAtMs: number, startMs: number): number {
  if (method.method === 'PRE_EVENT') return 1;
  const anchored = method.anchor === 'NOTICE_DAY' ? Math.ceil((startMs - noticeAtMs) / DAY_MS) + 1 : 0;
  return method.lookbackDays + 1 + anchored;
}

/** The longest window an event can have: `MAX_INTERVALS` intervals of the longest length. */
const LONGEST_EVENT_MS = MAX_INTERVALS * 60 * MINUTE_MS;

/**
 * Local dates of the events that were not cancelled and touch the baseline's lookback before `event`:
 * never baseline days. Reads only the events starting from the lookback less the longest window.
 */
async function eventDays(
  deps: Pick<Deps, 'events'>,
  event: GridEvent,
  program: Program,
): Promise<Set<string>> {
  const startMs = toMs(event.start);
  const fromMs = startMs - lookbackDays(program.baseline, toMs(event.noticeAt), startMs) * DAY_MS;
  const days = new Set<string>();
  for (const w of await deps.events.startingBetween(
    toIso(fromMs - LONGEST_EVENT_MS),
    toIso(toMs(event.end)),
  )) {
    if (w.status === 'cancelled' || toMs(w.end) <= fromMs) continue;
    for (let ms = toMs(w.start); ms < toMs(w.end); ms += DAY_MS / 2) days.add(chinaDate(ms));
    days.add(chinaDate(toMs(w.end) - 1));
  }
  return days;
}

/** What every building of one event is measured with: its program, the days excluded, the calendar. */
export interface MeasurementContext {
  event: GridEvent;
  program: Program;
  excludedDays: ReadonlySet<string>;
  calendar: WorkCalendar;
}

export async function measurementContext(
  deps: Pick<Deps, 'events' | 'calendars'>,
  event: GridEvent,
  program: Program,
): Promise<MeasurementContext> {
  const [excludedDays, calendar] = await Promise.all([
    eventDays(deps, event, program),
    deps.calendars.load(),
  ]);
  return { event, program, excludedDays, calendar };
}

/** One building's metered load in the window, with its contractual baseline or why there is none yet. */
export type BuildingMeasurement = { meteredKw: (number | null)[] } & (
  | { baseline: Baseline }
  | { unavailable: InsufficientDataError }
);

/**
 * Reads a building's readings over the baseline's lookback and the window, and computes its metered
 * load per interval and the program's baseline. Missing history or calendar is an answer, not an error.
 */
export async function measureBuilding(
  deps: Pick<Deps, 'telemetry'>,
  ctx: MeasurementContext,
  buildingId: string,
): Promise<BuildingMeasurement> {
  const { event, program } = ctx;
  const startMs = toMs(event.start);
  const endMs = toMs(event.end);
  const noticeAtMs = toMs(event.noticeAt);
  const from = startMs - lookbackDays(program.baseline, noticeAtMs, startMs) * DAY_MS;
  const readings = await deps.telemetry.readings(buildingId, from, endMs);
  const intervals = intervalCount(event);
  const meteredKw = meteredPerInterval(
    { start: event.start, intervalMinutes: event.intervalMinutes, intervals },
    readings.filter((r) => toMs(r.intervalStart) + r.intervalMinutes * MINUTE_MS > startMs),
  );
  try {
    const baseline = computeBaseline({
      method: program.baseline,
      eventStartMs: startMs,
      intervalMinutes: event.intervalMinutes,
      intervals,
      readings: readings.map(toLoad).filter((r) => r.startMs < startMs),
      eventDays: ctx.excludedDays,
      calendar: ctx.calendar,
      noticeAtMs,
    });
    return { meteredKw, baseline };
  } catch (e) {
    if (!(e instanceof InsufficientDataError)) throw e;
    return { meteredKw, unavailable: e };
  }
}

/** A contractual baseline as known ahead, with FlexDR's own forecast of the load where it has one. */
export type ContractualForecast = Baseline & {
  /** `naturalLoadForecast`: where the readings carry the PV meter's generation. */
  naturalKw?: number[];
};

/** A stored reading as the baseline methods read it. */
function toLoad(r: MeterReading): LoadReading {
  return {
    startMs: toMs(r.intervalStart),
    kw: readingKw(r),
    ...(r.pvKw !== undefined ? { pvKw: r.pvKw } : {}),
  };
}

/**
 * Each building's contractual baseline as far as it can be known now, for commands sent ahead of the
 * event: the program's method over the readings in so far, its day-of adjustment estimated from the
 * latest ones while its window is open (`Baseline.estimate`), and FlexDR's own forecast of its load
 * where its readings carry PV (`naturalKw`). Buildings without enough history are left out (their
 * commands keep the planning forecast). Reads `concurrency` buildings at a time.
 */
export async function contractualForecasts(
  deps: Pick<Deps, 'telemetry' | 'events' | 'calendars'>,
  event: GridEvent,
  program: Program,
  buildingIds: readonly string[],
  concurrency = 16,
): Promise<Map<string, ContractualForecast>> {
  const startMs = toMs(event.start);
  const noticeAtMs = toMs(event.noticeAt);
  const from = startMs - lookbackDays(program.baseline, noticeAtMs, startMs) * DAY_MS;
  // The excluded days and the calendar are read once, and only when some building has readings.
  let context: Promise<MeasurementContext> | undefined;
  const found = await mapLimit(buildingIds, concurrency, async (buildingId) => {
    const readings = await deps.telemetry.readings(buildingId, from, startMs);
    if (readings.length === 0) return undefined;
    context ??= measurementContext(deps, event, program);
    const ctx = await context;
    try {
      const input = {
        method: program.baseline,
        eventStartMs: startMs,
        intervalMinutes: event.intervalMinutes,
        intervals: intervalCount(event),
        readings: readings.map(toLoad),
        eventDays: ctx.excludedDays,
        calendar: ctx.calendar,
        noticeAtMs,
        estimate: true,
      };
      const baseline = computeBaseline(input);
      const naturalKw = naturalLoadForecast(input);
      return [buildingId, naturalKw ? { ...baseline, naturalKw } : baseline] as const;
    } catch (e) {
      if (!(e instanceof InsufficientDataError)) throw e;
      return undefined;
    }
  });
  return new Map(found.filter((x) => x !== undefined));
}

/** A building without a contractual baseline yet, as the views list it. */
export function unmeasured(
  buildingId: string,
  parkId: string,
  error: InsufficientDataError,
): UnmeasuredBuilding {
  return {
    buildingId,
    parkId,
    needs: error instanceof CalendarMissingError ? 'calendar' : 'readings',
    reason: `no contractual baseline yet: ${error.message}`,
  };
}
