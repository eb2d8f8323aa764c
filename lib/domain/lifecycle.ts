/**
 * The life of a grid event (DESIGN §1), as data: its statuses, which of them close the event to
 * revisions and cancellations, and what the evaluation records about buildings whose data is not
 * there yet.
 *
 * `received → planned → dispatched → completed → settled`, or `cancelled` before `completed`, or
 * `failed`. After the window, `completed → awaiting-data` when some building's baseline or readings
 * are missing (a calendar year not entered yet, readings not sent yet); `awaiting-data → settled`
 * once the data arrives or the program's deadline passes. A settled event may be evaluated again
 * by an operator (a new settlement revision).
 */
import * as z from 'zod';

export const EventStatus = z.enum([
  'received',
  'planned',
  'dispatched',
  'active',
  'completed',
  'awaiting-data',
  'settled',
  'cancelled',
  'failed',
]);
export type EventStatus = z.infer<typeof EventStatus>;

/** Statuses after which an event can no longer be revised, cancelled or re-planned. */
export const CLOSED_STATUSES: readonly EventStatus[] = [
  'completed',
  'awaiting-data',
  'settled',
  'cancelled',
  'failed',
];

/** Whether an event in `status` can no longer be revised, cancelled or re-planned. */
export function isClosed(status: EventStatus): boolean {
  return CLOSED_STATUSES.includes(status);
}

/** Statuses in which nothing more happens by itself (a settled event may still be re-evaluated on request). */
export const FINAL_STATUSES: readonly EventStatus[] = ['settled', 'cancelled', 'failed'];

/** What a building's settlement waits for. */
export const AwaitingNeed = z.enum(['calendar', 'readings']);

/** A building whose settlement waits for data, why, and what would complete it. */
export const AwaitingData = z.object({
  buildingId: z.string(),
  parkId: z.string(),
  needs: AwaitingNeed,
  /** `calendar`: the year to enter. */
  calendarYear: z.number().int().optional(),
  /** `readings`: how many readings of the window are missing (0 when the baseline's history is). */
  missingIntervals: z.number().int().min(0).optional(),
  reason: z.string(),
});
export type AwaitingData = z.infer<typeof AwaitingData>;

/**
 * What an event's latest settlement waits for, counted: the event item stays small however many
 * buildings wait (the entries themselves are stored with the settlements).
 */
export const AwaitingSummary = z.object({
  /** Buildings whose settlement waits for data. */
  buildings: z.number().int().min(0),
  /** Of those, how many wait for readings (the rest for a calendar year). */
  readings: z.number().int().min(0),
  /** The calendar years some building waits for, ascending. */
  calendarYears: z.array(z.number().int()),
  /** Buildings settled at the deadline without their data. */
  settledWithoutData: z.number().int().min(0),
});
export type AwaitingSummary = z.infer<typeof AwaitingSummary>;

/** The summary of what waits (`awaiting`) and what was settled without data. */
export function summarizeAwaiting(
  awaiting: readonly AwaitingData[],
  withoutData: readonly { buildingId: string }[],
): AwaitingSummary {
  const years = new Set(awaiting.flatMap((a) => (a.calendarYear === undefined ? [] : [a.calendarYear])));
  return {
    buildings: awaiting.length,
    readings: awaiting.filter((a) => a.needs === 'readings').length,
    calendarYears: [...years].sort((a, b) => a - b),
    settledWithoutData: withoutData.length,
  };
}

/** A building settled at the program's deadline although its data was still missing, and how. */
export const SettledWithoutData = AwaitingData.extend({
  settledAs: z.enum(['UNPAID', 'NO_DELIVERY', 'MISSING_AS_ZERO']),
});
export type SettledWithoutData = z.infer<typeof SettledWithoutData>;
