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

/** A building settled at the program's deadline although its data was still missing, and how. */
export const SettledWithoutData = AwaitingData.extend({
  settledAs: z.enum(['UNPAID', 'NO_DELIVERY', 'MISSING_AS_ZERO']),
});
export type SettledWithoutData = z.infer<typeof SettledWithoutData>;
