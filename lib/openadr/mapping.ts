/**
 * The pure mapping between OpenADR 3.1 objects and FlexDR's model: no I/O, no clock (the caller
 * passes `now` where a time is needed). Every refusal is a `ValidationError` that names the
 * offending field. The decisions, and why, are in `docs/openadr.md`. One module per object
 * family; this one is the entry point.
 */
export {
  eventToGridEvent,
  FLEXDR_LOAD_INCREASE,
  gridEventToEvent,
  scopeToTargets,
  targetsToScope,
} from './events.ts';
export { addMinutesInOffset, durationMinutes, minutesToDuration } from './intervals.ts';
export {
  DEFAULT_BASELINE,
  DEFAULT_SETTLEMENT,
  FLEXDR_BASELINE,
  FLEXDR_SETTLEMENT,
  programFromFlexdr,
  programToFlexdr,
  withStatedRules,
} from './programs.ts';
export { reportToAcknowledgement, reportToTelemetry, type Telemetry } from './reports.ts';
export { commandToVenEvent } from './ven-events.ts';
