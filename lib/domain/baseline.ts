/**
 * Baselines: what a building would have drawn without the event (DESIGN §3), from its metered
 * history. Pure functions: no clock, no I/O; every number can be traced to the readings and the
 * days listed in the result.
 *
 * Past days are matched to the event by whole days: interval `i` of the event on day D is read
 * at the same instant shifted back by `D − d` days on day `d` (China has no daylight saving, so
 * this is the same local time of day). An event that crosses midnight is thus compared with the
 * windows that start on the past days, and each past day is named by the date its window starts.
 */
import type { WorkCalendar } from './calendar.ts';
import { InsufficientDataError, ValidationError } from './errors.ts';
import type { CalendarVersionUsed } from './model/calendar.ts';
import type { BaselineMethod } from './model/program.ts';
import { CHINA_OFFSET_MS, chinaDate, DAY_MS, HOUR_MS, MINUTE_MS } from './time.ts';

/**
 * One metered interval: average net import (kW, negative when exporting) from `startMs`. Callers
 * convert the telemetry `MeterReading` with `readingKw`.
 */
export interface LoadReading {
  readonly startMs: number;
  readonly kw: number;
  /** PV generation behind the meter in the same interval, kW, where metered (`MeterReading.pvKw`). */
  readonly pvKw?: number | undefined;
}

export interface BaselineInput {
  method: BaselineMethod;
  /** First instant of the event (t0), epoch ms. */
  eventStartMs: number;
  intervalMinutes: number;
  /** Number of event intervals the baseline covers. */
  intervals: number;
  /**
   * The building's metered history, one reading per interval of `intervalMinutes`, aligned with
   * the event's intervals (readings off that grid are never read). Order does not matter and gaps
   * are allowed; of two readings with the same start the later one in the array wins; non-finite
   * values count as missing.
   */
  readings: readonly LoadReading[];
  /** Local dates (YYYY-MM-DD) of past events, never used as baseline days. */
  eventDays?: ReadonlySet<string>;
  /** The working calendar the day filter consults (never consulted by `ANY` and `PRE_EVENT`). */
  calendar: WorkCalendar;
  /**
   * When the event was notified, epoch ms. Methods anchored on the notice day (`anchor:
   * 'NOTICE_DAY'`) count eligible days back from the day before it; required by them.
   */
  noticeAtMs?: number;
  /**
   * Forecasting before the event-day readings a method needs are in (planning, a command sent
   * ahead): instead of refusing, the day-of adjustment is estimated over the latest complete window
   * of W's length (`PRE_EVENT`: the latest reading), at most a day back, and the result says so
   * (`Baseline.estimate`). Settlement never sets this.
   */
  estimate?: boolean;
}

/** A baseline computed before the readings it needs were in, and when they will be. */
export interface BaselineEstimate {
  /** When the event-day readings that make the baseline final end (W's end, or the pre-event interval's). */
  finalAtMs: number;
  /** The readings used instead: their window on the event day, epoch ms, end exclusive. */
  fromMs: number;
  toMs: number;
}

type Adjustment = NonNullable<Extract<BaselineMethod, { method: 'N_DAY_AVERAGE' }>['adjustment']>;

/** The day-of adjustment applied to a baseline, with what it was before the caps. */
export interface AppliedAdjustment {
  kind: Adjustment['kind'];
  /** MULTIPLICATIVE: the factor applied, after the caps. */
  factor?: number;
  /** ADDITIVE: the kW added to every interval, after the caps. */
  offsetKw?: number;
  /** The factor (MULTIPLICATIVE) or offset kW (ADDITIVE) before the caps. */
  uncapped: number;
  /** Whether a cap bound the adjustment. */
  capped: boolean;
  /** The window W on the event day, epoch ms, end exclusive. */
  windowStartMs: number;
  windowEndMs: number;
}

export interface Baseline {
  /** Baseline net import per event interval, kW. */
  kw: number[];
  /** Local dates of the days averaged, newest first (PRE_EVENT: the date of the reading used). */
  days: string[];
  /** How many days the method asks for; `days.length` is smaller when history fell short. */
  requestedDays: number;
  /** HIGH_K_OF_M: the eligible days ranked (at most `m`), newest first. */
  candidateDays?: string[];
  adjustment?: AppliedAdjustment;
  /** The calendar years (and their versions) the day filter consulted; empty when none was. */
  calendar: CalendarVersionUsed[];
  /** The day eligible days were counted back from (the event day, or the notice day when anchored so). */
  anchorDate?: string;
  /** Set when `BaselineInput.estimate` stood in for event-day readings not in yet. */
  estimate?: BaselineEstimate;
}

type PastDaysMethod = Extract<BaselineMethod, { method: 'N_DAY_AVERAGE' | 'HIGH_K_OF_M' }>;

interface PastDay {
  date: string;
  /** How many days before the event day. */
  back: number;
  /** Subtracted from an event-day instant to get the same local time on this day. */
  shiftMs: number;
}

/**
 * The baseline of one building for one event.
 *
 * - `N_DAY_AVERAGE`: per interval, the mean over the `days` most recent eligible days.
 * - `HIGH_K_OF_M`: the `m` most recent eligible days after skipping the `skipDays` calendar days
 *   just before the event day; of those, the `k` highest by `rankBy` (ties: the more recent day);
 *   per interval, the mean over those `k`.
 * - `PRE_EVENT`: the reading of the interval `minutesBefore` before t0, for every interval.
 *
 * A past day is eligible when it lies within `lookbackDays` before the event day (never the event
 * day itself), is not in `eventDays`, passes `dayFilter`, and has a reading for every event
 * interval and, when an adjustment is configured, for every interval of its window W. With fewer
 * eligible days than asked, the baseline uses those it found.
 *
 * @throws {InsufficientDataError} no eligible day; a day-of reading missing in W or before t0;
 *   a calendar year the holiday data does not cover.
 * @throws {ValidationError} interval settings that do not fit the event's interval grid.
 */
export function computeBaseline(input: BaselineInput): Baseline {
  const { method, intervalMinutes, intervals } = input;
  if (
    !Number.isInteger(intervalMinutes) ||
    intervalMinutes <= 0 ||
    !Number.isInteger(intervals) ||
    intervals <= 0
  ) {
    throw new ValidationError('intervalMinutes and intervals must be positive integers', [
      { path: 'intervalMinutes', message: `got ${intervalMinutes}` },
      { path: 'intervals', message: `got ${intervals}` },
    ]);
  }
  if (!Number.isFinite(input.eventStartMs)) {
    throw new ValidationError('eventStartMs must be a finite instant', [
      { path: 'eventStartMs', message: `got ${input.eventStartMs}` },
    ]);
  }
  if (method.method === 'PRE_EVENT') return preEventBaseline(input, method.minutesBefore);
  return pastDaysBaseline(input, method);
}

/**
 * The readings on the event's interval grid from `originMs` (inclusive) to `endMs`. A typed array
 * rather than a Map keyed by instant: filled and read several times faster, which counts at
 * 10k buildings × 30 days × 96 readings, and readings outside the span cost nothing to skip.
 */
class ReadingGrid {
  private readonly values: Float64Array;

  constructor(
    private readonly originMs: number,
    private readonly stepMs: number,
    endMs: number,
    readings: readonly LoadReading[],
  ) {
    this.values = new Float64Array(Math.ceil((endMs - originMs) / stepMs)).fill(Number.NaN);
    for (const { startMs, kw } of readings) {
      const slot = (startMs - originMs) / stepMs;
      if (Number.isInteger(slot) && slot >= 0 && slot < this.values.length) this.values[slot] = kw;
    }
  }

  /** The reading that starts at `ms`, or undefined when missing, non-finite or off the grid. */
  get(ms: number): number | undefined {
    const slot = (ms - this.originMs) / this.stepMs;
    const kw = Number.isInteger(slot) ? this.values[slot] : undefined;
    return kw !== undefined && Number.isFinite(kw) ? kw : undefined;
  }

  has(ms: number): boolean {
    return this.get(ms) !== undefined;
  }
}

function preEventBaseline(input: BaselineInput, minutesBefore: number): Baseline {
  // The interval of the event's grid that contains t0 − minutesBefore; with minutesBefore a
  // multiple of the interval length, the one that starts exactly then.
  const stepsBack = Math.ceil(minutesBefore / input.intervalMinutes);
  const startMs = input.eventStartMs - stepsBack * input.intervalMinutes * MINUTE_MS;
  const stepMs = input.intervalMinutes * MINUTE_MS;
  let kw: number | undefined;
  for (const reading of input.readings) {
    if (reading.startMs === startMs) kw = Number.isFinite(reading.kw) ? reading.kw : undefined;
  }
  let estimate: BaselineEstimate | undefined;
  if (kw === undefined && input.estimate) {
    // the latest reading on the grid in the day before, standing in for the one not in yet
    const latest = input.readings
      .filter(
        (r) =>
          Number.isFinite(r.kw) &&
          r.startMs < startMs &&
          r.startMs >= startMs - DAY_MS &&
          (startMs - r.startMs) % stepMs === 0,
      )
      .reduce<LoadReading | undefined>((a, r) => (a && a.startMs >= r.startMs ? a : r), undefined);
    if (latest) {
      kw = latest.kw;
      estimate = { finalAtMs: startMs + stepMs, fromMs: latest.startMs, toMs: latest.startMs + stepMs };
    }
  }
  if (kw === undefined) {
    throw new InsufficientDataError(
      `PRE_EVENT: no reading for the interval starting ${chinaLocalTime(startMs)}, ${minutesBefore} min before the event`,
    );
  }
  return {
    kw: new Array<number>(input.intervals).fill(kw),
    days: [chinaDate(estimate?.fromMs ?? startMs)],
    requestedDays: 1,
    calendar: [],
    ...(estimate ? { estimate } : {}),
  };
}

function pastDaysBaseline(input: BaselineInput, method: PastDaysMethod): Baseline {
  const t0 = input.eventStartMs;
  const stepMs = input.intervalMinutes * MINUTE_MS;
  // Shifting by whole days must keep an instant on the event's grid.
  if (DAY_MS % stepMs !== 0) {
    throw new ValidationError('intervalMinutes must divide a day', [
      { path: 'intervalMinutes', message: `got ${input.intervalMinutes}` },
    ]);
  }
  // From the oldest day's midnight, less one day since W reaches up to 24 h before the event,
  // to the end of the event.
  const anchorBack = anchorDaysBack(input, method);
  const span = t0 - chinaDayStartMs(t0) + (anchorBack + method.lookbackDays + 1) * DAY_MS;
  const originMs = t0 - Math.ceil(span / stepMs) * stepMs;
  const index = new ReadingGrid(originMs, stepMs, t0 + input.intervals * stepMs, input.readings);
  const eventOffsets = Array.from({ length: input.intervals }, (_, i) => i * stepMs);
  const windowOffsets = method.adjustment ? adjustmentOffsets(method.adjustment, stepMs) : [];
  const needed = [...eventOffsets, ...windowOffsets];

  const highK = method.method === 'HIGH_K_OF_M';
  const wanted = highK ? method.m : method.days;
  const consulted = new Set<string>();
  const eligible = findEligibleDays(
    input,
    method,
    anchorBack,
    highK ? method.skipDays : 0,
    wanted,
    consulted,
    (shiftMs) => needed.every((offset) => index.has(t0 + offset - shiftMs)),
  );
  const anchorDate = chinaDate(chinaDayStartMs(t0) - anchorBack * DAY_MS);
  if (eligible.length === 0) {
    throw new InsufficientDataError(
      `${method.method}: no eligible day with complete readings in the ${method.lookbackDays} days before ` +
        `${anchorDate}${anchorBack > 0 ? ' (the notice day)' : ''} (dayFilter ${method.dayFilter}` +
        `${highK ? `, skipping the ${method.skipDays} most recent` : ''}, past event days excluded)`,
    );
  }

  const days = highK ? highestK(eligible, method, eventOffsets, t0, stepMs, index) : eligible;
  const profile = (offset: number) => {
    let sum = 0;
    for (const day of days) sum += index.get(t0 + offset - day.shiftMs) as number;
    return sum / days.length;
  };
  const kw = eventOffsets.map(profile);
  const result: Baseline = {
    kw,
    days: days.map((d) => d.date),
    requestedDays: highK ? method.k : method.days,
    calendar: input.calendar.versionsOf(consulted),
    anchorDate,
  };
  if (highK) result.candidateDays = eligible.map((d) => d.date);
  if (method.adjustment) {
    const endMs = t0 - method.adjustment.toHoursBefore * HOUR_MS;
    const missing = windowOffsets.filter((offset) => !index.has(t0 + offset));
    const shift =
      missing.length > 0 && input.estimate ? latestCompleteShift(windowOffsets, days, t0, stepMs, index) : 0;
    if (shift !== undefined && shift > 0) {
      const offsets = windowOffsets.map((offset) => offset - shift);
      const fromMs = t0 + (offsets[0] as number);
      result.adjustment = adjust(
        method.adjustment,
        kw,
        offsets.map((offset) => index.get(t0 + offset) as number),
        offsets.map(profile),
        fromMs,
        endMs - shift,
      );
      result.estimate = { finalAtMs: endMs, fromMs, toMs: endMs - shift };
      return result;
    }
    const windowBaseline = windowOffsets.map(profile);
    const windowLoad = windowOffsets.map((offset) => index.get(t0 + offset));
    const startMs = t0 + (windowOffsets[0] as number);
    if (missing.length > 0) {
      throw new InsufficientDataError(
        `${method.adjustment.kind} adjustment: the event day has no reading for ` +
          `${missing.map((offset) => chinaLocalTime(t0 + offset)).join(', ')} in the window ` +
          `[${chinaLocalTime(startMs)}, ${chinaLocalTime(endMs)})`,
      );
    }
    result.adjustment = adjust(method.adjustment, kw, windowLoad as number[], windowBaseline, startMs, endMs);
  }
  return result;
}

/**
 * How far back (ms, a whole number of intervals, at most a day) W must move for the event day and
 * every baseline day to have all its readings: the latest complete window of W's length. Undefined
 * when none is within the day.
 */
function latestCompleteShift(
  windowOffsets: readonly number[],
  days: readonly PastDay[],
  t0: number,
  stepMs: number,
  index: ReadingGrid,
): number | undefined {
  for (let shift = stepMs; shift <= DAY_MS; shift += stepMs) {
    const complete = windowOffsets.every(
      (offset) =>
        index.has(t0 + offset - shift) && days.every((day) => index.has(t0 + offset - shift - day.shiftMs)),
    );
    if (complete) return shift;
  }
  return undefined;
}

/**
 * How many days before the event day eligible days are counted back from: 0 for the event day,
 * the days between the notice day and the event day for methods anchored on the notice.
 */
function anchorDaysBack(input: BaselineInput, method: PastDaysMethod): number {
  if (method.anchor !== 'NOTICE_DAY') return 0;
  if (input.noticeAtMs === undefined || !Number.isFinite(input.noticeAtMs)) {
    throw new ValidationError('A baseline anchored on the notice day needs the notice instant', [
      { path: 'noticeAtMs', message: `got ${input.noticeAtMs}` },
    ]);
  }
  const back = Math.round((chinaDayStartMs(input.eventStartMs) - chinaDayStartMs(input.noticeAtMs)) / DAY_MS);
  if (back < 0) {
    throw new ValidationError('The event was notified after it started', [
      {
        path: 'noticeAtMs',
        message: `${chinaDate(input.noticeAtMs)} is after ${chinaDate(input.eventStartMs)}`,
      },
    ]);
  }
  return back;
}

/**
 * The most recent days that pass the calendar, event-day and data checks, newest first, walking
 * back from the day before the anchor day (after `skipDays`) to `lookbackDays` before it. Every
 * date whose day type was looked up is added to `consulted` (with the event day when it was).
 */
function findEligibleDays(
  input: BaselineInput,
  method: PastDaysMethod,
  anchorBack: number,
  skipDays: number,
  wanted: number,
  consulted: Set<string>,
  hasReadings: (shiftMs: number) => boolean,
): PastDay[] {
  const eventDate = chinaDate(input.eventStartMs);
  const eventDayMs = chinaDayStartMs(input.eventStartMs);
  const usesCalendar = method.dayFilter !== 'ANY';
  if (method.dayFilter === 'SAME_DAY_TYPE') consulted.add(eventDate);
  const found: PastDay[] = [];
  const last = anchorBack + method.lookbackDays;
  for (let back = anchorBack + 1 + skipDays; back <= last && found.length < wanted; back++) {
    const shiftMs = back * DAY_MS;
    const date = chinaDate(eventDayMs - shiftMs);
    if (input.eventDays?.has(date)) continue;
    if (usesCalendar) consulted.add(date);
    if (!input.calendar.dayMatches(method.dayFilter, date, eventDate)) continue;
    if (!hasReadings(shiftMs)) continue;
    found.push({ date, back, shiftMs });
  }
  return found;
}

/** The `k` highest-ranked days of `eligible`, newest first. */
function highestK(
  eligible: readonly PastDay[],
  method: Extract<BaselineMethod, { method: 'HIGH_K_OF_M' }>,
  eventOffsets: readonly number[],
  t0: number,
  stepMs: number,
  index: ReadingGrid,
): PastDay[] {
  const score =
    method.rankBy === 'DAILY_MAX'
      ? eligible.map((day) => dailyMax(day, t0, stepMs, index))
      : eligible.map(
          (day) =>
            eventOffsets.reduce((sum, offset) => sum + (index.get(t0 + offset - day.shiftMs) as number), 0) /
            eventOffsets.length,
        );
  return eligible
    .map((day, i) => ({ day, score: score[i] as number }))
    .sort((a, b) => b.score - a.score || a.day.back - b.day.back)
    .slice(0, method.k)
    .map(({ day }) => day)
    .sort((a, b) => a.back - b.back);
}

/**
 * The day's highest reading between its local midnights. Readings missing elsewhere in the day
 * do not disqualify it (only the event intervals must be complete), so the maximum is over the
 * readings present; there is one at least, since the event intervals are complete.
 */
function dailyMax(day: PastDay, t0: number, stepMs: number, index: ReadingGrid): number {
  const start = t0 - day.shiftMs;
  const dayStart = chinaDayStartMs(start);
  // The first instant of the event's grid on or after local midnight.
  const first = start - Math.floor((start - dayStart) / stepMs) * stepMs;
  let max = Number.NEGATIVE_INFINITY;
  for (let ms = first; ms < dayStart + DAY_MS; ms += stepMs) {
    const kw = index.get(ms);
    if (kw !== undefined && kw > max) max = kw;
  }
  return max;
}

/** Offsets from t0 of the intervals of W = [t0 − fromHoursBefore, t0 − toHoursBefore). */
function adjustmentOffsets(adjustment: Adjustment, stepMs: number): number[] {
  const fromMs = adjustment.fromHoursBefore * HOUR_MS;
  const toMs = adjustment.toHoursBefore * HOUR_MS;
  // W must be made of whole event intervals, else its readings would not line up with the grid.
  if (fromMs % stepMs !== 0 || toMs % stepMs !== 0) {
    throw new ValidationError('The adjustment window does not fall on the interval grid', [
      {
        path: 'adjustment',
        message: `fromHoursBefore ${adjustment.fromHoursBefore} and toHoursBefore ${adjustment.toHoursBefore} must be multiples of ${stepMs / MINUTE_MS} min`,
      },
    ]);
  }
  const offsets: number[] = [];
  for (let offset = -fromMs; offset < -toMs; offset += stepMs) offsets.push(offset);
  return offsets;
}

function adjust(
  adjustment: Adjustment,
  kw: number[],
  windowLoad: readonly number[],
  windowBaseline: readonly number[],
  windowStartMs: number,
  windowEndMs: number,
): AppliedAdjustment {
  const { kind, capLow, capHigh } = adjustment;
  const sumLoad = windowLoad.reduce((s, v) => s + v, 0);
  const sumBaseline = windowBaseline.reduce((s, v) => s + v, 0);
  const window = { windowStartMs, windowEndMs };
  if (kind === 'MULTIPLICATIVE') {
    // A ratio to a baseline that is zero or net export has no meaning (and flips sign): refuse
    // rather than scale by nonsense; ADDITIVE suits buildings that export.
    if (sumBaseline <= 0) {
      throw new InsufficientDataError(
        `MULTIPLICATIVE adjustment: the baseline sums to ${sumBaseline} kW over the window ` +
          `[${chinaLocalTime(windowStartMs)}, ${chinaLocalTime(windowEndMs)}); a ratio needs a positive import`,
      );
    }
    const uncapped = sumLoad / sumBaseline;
    const factor = clamp(uncapped, capLow, capHigh);
    for (let i = 0; i < kw.length; i++) kw[i] = (kw[i] as number) * factor;
    return { kind, factor, uncapped, capped: factor !== uncapped, ...window };
  }
  const n = windowLoad.length;
  const uncapped = (sumLoad - sumBaseline) / n;
  // Bounds scale with the size of the baseline, so a net-exporting baseline keeps low ≤ high.
  const meanBaseline = Math.abs(sumBaseline / n);
  const offsetKw = clamp(uncapped, -(1 - capLow) * meanBaseline, (capHigh - 1) * meanBaseline);
  for (let i = 0; i < kw.length; i++) kw[i] = (kw[i] as number) + offsetKw;
  return { kind, offsetKw, uncapped, capped: offsetKw !== uncapped, ...window };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Epoch ms of the local (China) midnight that starts the day of `ms`. */
function chinaDayStartMs(ms: number): number {
  return Math.floor((ms + CHINA_OFFSET_MS) / DAY_MS) * DAY_MS - CHINA_OFFSET_MS;
}

/** `YYYY-MM-DD HH:mm` in China local time, for messages. */
function chinaLocalTime(ms: number): string {
  return `${new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')} (UTC+8)`;
}

/**
 * FlexDR's own forecast of a building's natural load (its net import without the event), where its
 * readings carry the PV meter's generation: the program's method run on gross load (net + PV), so
 * that its day-of adjustment measures the building's load rather than the afternoon's sun, less the
 * PV the same method, unadjusted, expects in the window (the selected days' average). A sunnier
 * afternoon than the baseline days lowers the contractual adjustment over the net load, and so the
 * baseline under an evening load the sun no longer reaches; this forecast does not follow it.
 * Only readings that carry PV are used. `undefined` where none do, or they are too few for the
 * method: FlexDR then has no forecast of its own beside the contractual baseline.
 */
export function naturalLoadForecast(input: BaselineInput): number[] | undefined {
  const metered = input.readings.filter((r) => r.pvKw !== undefined && Number.isFinite(r.pvKw));
  if (metered.length === 0) return undefined;
  const unadjusted: BaselineMethod =
    'adjustment' in input.method ? { ...input.method, adjustment: undefined } : input.method;
  try {
    const gross = computeBaseline({
      ...input,
      readings: metered.map((r) => ({ startMs: r.startMs, kw: r.kw + (r.pvKw as number) })),
    });
    const pv = computeBaseline({
      ...input,
      method: unadjusted,
      readings: metered.map((r) => ({ startMs: r.startMs, kw: r.pvKw as number })),
    });
    return gross.kw.map((kw, t) => kw - (pv.kw[t] ?? 0));
  } catch (e) {
    if (e instanceof InsufficientDataError) return undefined;
    throw e;
  }
}
