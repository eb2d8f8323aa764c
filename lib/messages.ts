/**
 * Messages on the `flexdr` bus (DESIGN §4): a stable detail type, a source, a version inside the
 * detail, a zod schema and an example each. Rule patterns in `infra/` match on these names.
 */
import * as z from 'zod';
import { Command } from './domain/model/command.ts';
import { Id, Instant } from './domain/model/common.ts';

export const BUS_NAME = 'flexdr';
export const SOURCE = {
  coordinator: 'flexdr.coordinator',
  bms: 'flexdr.bms',
  scheduler: 'flexdr.scheduler',
} as const;

const v1 = { version: z.literal(1) };
const EventRef = z.strictObject({ ...v1, eventId: Id, revision: z.number().int().min(1) });
/** A BMS's answer to a command. */
const Answer = z.strictObject({
  ...v1,
  eventId: Id,
  commandId: Id,
  buildingId: Id,
  revision: z.number().int().min(1),
  at: Instant,
});
const answerExample = {
  version: 1 as const,
  eventId: 'imp-2026-001',
  commandId: 'cmd-0123',
  buildingId: 'b1',
  revision: 1,
  at: '2026-01-15T09:01:00Z',
};
/** A command for one building; the routing ids sit at the top so rules can match them. */
const CommandMessage = z.strictObject({
  ...v1,
  buildingId: Id,
  parkId: Id,
  bmsIntegrationId: Id,
  command: Command,
});

export const messages = {
  GridEventAccepted: {
    source: SOURCE.coordinator,
    schema: EventRef,
    example: { version: 1, eventId: 'imp-2026-001', revision: 1 },
  },
  DispatchPlanned: {
    source: SOURCE.coordinator,
    /**
     * `at`: when this announcement stands for, set on every one but the planner's: the notice time
     * when dispatch was scheduled for it, the time of a re-announcement otherwise. It makes each a
     * distinct message to the idempotent consumer, which would otherwise take it for the first.
     */
    schema: EventRef.extend({ at: Instant.optional() }),
    example: { version: 1, eventId: 'imp-2026-001', revision: 1 },
  },
  DispatchCommand: { source: SOURCE.coordinator, schema: CommandMessage, example: undefined },
  CommandCancelled: { source: SOURCE.coordinator, schema: CommandMessage, example: undefined },
  CommandAcknowledged: { source: SOURCE.bms, schema: Answer, example: answerExample },
  CommandDeclined: {
    source: SOURCE.bms,
    schema: Answer.extend({ reason: z.string().max(500).optional() }),
    example: { ...answerExample, reason: 'chiller maintenance' },
  },
  TelemetryReported: {
    source: SOURCE.bms,
    schema: z.strictObject({ ...v1, buildingId: Id, readings: z.number().int().min(0), state: z.boolean() }),
    example: { version: 1, buildingId: 'b1', readings: 4, state: true },
  },
  /** An operator (or a BL) cancelled the event: its commands are to be cancelled (`finishCancellation`). */
  EventCancelled: {
    source: SOURCE.coordinator,
    schema: EventRef,
    example: { version: 1, eventId: 'imp-2026-001', revision: 2 },
  },
  AckDeadlineReached: {
    source: SOURCE.scheduler,
    schema: EventRef,
    example: { version: 1, eventId: 'imp-2026-001', revision: 1 },
  },
  /**
   * The event is to be re-planned. `DECLINES` (the default): buildings declined (or stayed silent
   * past the deadline) and the re-plan goes around them; `at` is the end of the debounce period it
   * answers for. `TRACKING`: the closed loop's turn in the interval under way at `at` (metered
   * response against plan, the rest of the window corrected; `lib/app/tracking.ts`). `BASELINE`: a
   * day-of adjustment window closed before the event (`lib/app/baseline-update.ts`). `REFRESH`: the
   * loop's turn before the start, asks checked against the latest states (`refreshBeforeStart`).
   */
  ReplanDue: {
    source: SOURCE.scheduler,
    schema: z.strictObject({
      ...v1,
      eventId: Id,
      at: Instant,
      reason: z.enum(['DECLINES', 'TRACKING', 'BASELINE', 'REFRESH']).optional(),
    }),
    example: { version: 1, eventId: 'imp-2026-001', at: '2026-01-15T09:01:30Z' },
  },
  EvaluationDue: {
    source: SOURCE.scheduler,
    schema: z.strictObject({ ...v1, eventId: Id }),
    example: { version: 1, eventId: 'imp-2026-001' },
  },
  EventCompleted: {
    source: SOURCE.coordinator,
    schema: z.strictObject({ ...v1, eventId: Id }),
    example: { version: 1, eventId: 'imp-2026-001' },
  },
  /** An OpenADR object was created, changed or deleted by a client: subscriptions are notified. */
  OpenadrObjectChanged: {
    source: SOURCE.coordinator,
    schema: z.strictObject({
      ...v1,
      objectType: z.enum(['PROGRAM', 'EVENT', 'REPORT', 'SUBSCRIPTION', 'VEN', 'RESOURCE']),
      operation: z.enum(['CREATE', 'UPDATE', 'DELETE']),
      /** The object as served (for DELETE, as it was). */
      object: z.record(z.string(), z.unknown()),
    }),
    example: {
      version: 1,
      objectType: 'PROGRAM',
      operation: 'CREATE',
      object: { id: 'p1', objectType: 'PROGRAM', programName: 'mengxi-dr-2026' },
    },
  },
  SettlementReady: {
    source: SOURCE.coordinator,
    schema: z.strictObject({
      ...v1,
      eventId: Id,
      parks: z.number().int().min(0),
      netYuan: z.number(),
      /** The settlement revision (1, 2, … as re-evaluations add data). */
      revision: z.number().int().min(1).optional(),
      /** Buildings still awaiting data (their settlement follows in a later revision). */
      awaitingData: z.number().int().min(0).optional(),
    }),
    example: { version: 1, eventId: 'imp-2026-001', parks: 1, netYuan: 1234.5, revision: 1, awaitingData: 0 },
  },
} as const;

export type MessageName = keyof typeof messages;
export type MessageDetail<N extends MessageName> = z.infer<(typeof messages)[N]['schema']>;

/** A bus message of a known type, checked against its schema. */
export function message<N extends MessageName>(name: N, detail: MessageDetail<N>) {
  return {
    detailType: name,
    source: messages[name].source,
    detail: messages[name].schema.parse(detail) as MessageDetail<N>,
  };
}

/**
 * A command's bus message: routing ids at the top of the detail, so rules can match them. Not
 * parsed again (the command was checked when built; an event may carry 100,000 of them).
 */
export function commandMessage(command: Command): {
  detailType: 'CommandCancelled' | 'DispatchCommand';
  source: string;
  detail: MessageDetail<'DispatchCommand'>;
} {
  return {
    detailType: command.kind === 'CANCEL' ? 'CommandCancelled' : 'DispatchCommand',
    source: SOURCE.coordinator,
    detail: {
      version: 1,
      buildingId: command.buildingId,
      parkId: command.parkId,
      bmsIntegrationId: command.bmsIntegrationId,
      command,
    },
  };
}
