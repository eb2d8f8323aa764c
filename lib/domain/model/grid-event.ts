import * as z from 'zod';
import { MINUTE_MS, toMs } from '../time.ts';
import { Direction, Id, Instant, IntervalMinutes, MAX_INTERVALS } from './common.ts';
import { SettlementRules } from './program.ts';

/** Which buildings an event addresses: the union of every selector given. */
export const Scope = z
  .strictObject({
    zones: z.array(Id).max(50).optional(),
    feederIds: z.array(Id).max(1_000).optional(),
    parkIds: z.array(Id).max(1_000).optional(),
    buildingIds: z.array(Id).max(10_000).optional(),
  })
  .refine((s) => [s.zones, s.feederIds, s.parkIds, s.buildingIds].some((l) => l && l.length > 0), {
    message: 'scope needs at least one zone, feeder, park or building id',
  });
export type Scope = z.infer<typeof Scope>;

/** How much to ask for beyond the target, so that the aggregate still clears the minimum ratio. */
export const Procurement = z.strictObject({
  /** Expected delivery ratio ρ of the fleet: targets are divided by it (over-procurement ≈ 1/ρ). */
  expectedDeliveryRatio: z.number().gt(0).max(1).default(1),
  /** Derate each building by its learned reliability. */
  useBuildingReliability: z.boolean().default(false),
});

/** A demand-response event from a grid operator. `eventId` is the operator's own id. */
export const GridEvent = z
  .strictObject({
    eventId: Id,
    programId: Id,
    type: Direction,
    start: Instant,
    end: Instant,
    intervalMinutes: IntervalMinutes.default(15),
    /** Response wanted in each interval, kW (reduction for peak shaving, increase for valley filling); up to 10 GW. */
    targetsKw: z.array(z.number().min(0).max(10_000_000)).min(1).max(MAX_INTERVALS),
    scope: Scope,
    noticeAt: Instant,
    /** Overrides the program's settlement rules for this event. */
    price: SettlementRules.optional(),
    /** Cost of each kWh of target left unmet, which the allocator weighs against asset costs. */
    shortfallPenaltyYuanPerKwh: z.number().positive().max(100_000).default(100),
    procurement: Procurement.default({ expectedDeliveryRatio: 1, useBuildingReliability: false }),
  })
  .superRefine((e, ctx) => {
    const start = toMs(e.start);
    const end = toMs(e.end);
    const step = e.intervalMinutes * MINUTE_MS;
    if (end <= start) {
      ctx.addIssue({ code: 'custom', message: 'end must be after start', path: ['end'] });
      return;
    }
    if (start % step !== 0)
      ctx.addIssue({
        code: 'custom',
        message: `start must fall on a ${e.intervalMinutes}-minute boundary`,
        path: ['start'],
      });
    if ((end - start) % step !== 0) {
      ctx.addIssue({
        code: 'custom',
        message: `the window (${(end - start) / MINUTE_MS} min) is not a whole number of ${e.intervalMinutes}-minute intervals`,
        path: ['end'],
      });
      return;
    }
    const count = (end - start) / step;
    if (count > MAX_INTERVALS)
      ctx.addIssue({
        code: 'custom',
        message: `the window has ${count} intervals; at most ${MAX_INTERVALS}`,
        path: ['end'],
      });
    else if (e.targetsKw.length !== count)
      ctx.addIssue({
        code: 'custom',
        message: `targetsKw has ${e.targetsKw.length} values but the window has ${count} intervals`,
        path: ['targetsKw'],
      });
    if (toMs(e.noticeAt) > start)
      ctx.addIssue({ code: 'custom', message: 'noticeAt must not be after start', path: ['noticeAt'] });
  });
export type GridEvent = z.infer<typeof GridEvent>;
export type GridEventInput = z.input<typeof GridEvent>;

/** Number of intervals in an event's window. */
export function intervalCount(e: Pick<GridEvent, 'start' | 'end' | 'intervalMinutes'>): number {
  return (toMs(e.end) - toMs(e.start)) / (e.intervalMinutes * MINUTE_MS);
}
