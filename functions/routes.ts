/**
 * Every entry point, defined once: the HTTP routes and the bus subscriptions. The CDK app makes a
 * function, a route or a rule of each; the local runtime serves and routes them the same way.
 */
import type * as z from 'zod';
import { ClientProvisioning } from '../lib/app/openadr/credentials.ts';
import { BindingInput } from '../lib/domain/model/binding.ts';
import { Building, Park } from '../lib/domain/model/building.ts';
import { CalendarYearInput } from '../lib/domain/model/calendar.ts';
import { GridEvent } from '../lib/domain/model/grid-event.ts';
import { Program } from '../lib/domain/model/program.ts';
import { type MessageName, messages } from '../lib/messages.ts';
import {
  AckBody,
  BuildingPath,
  ClientPath,
  CommandPath,
  EventPath,
  FlexibilityBody,
  PageQuery,
  ParkPath,
  ProgramPath,
  RevisionQuery,
  TelemetryBody,
  UserPath,
  YearPath,
} from './http/schemas.ts';

/** What each role may call; checked again, with bindings, in every use-case. */
export type RouteRole = 'operator' | 'parkManager' | 'bms';

export interface HttpRoute {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  summary: string;
  /** Roles that may call it; empty for the public routes (no token). */
  roles: readonly RouteRole[];
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Status of a successful answer. */
  success: number;
}

const ALL = ['operator', 'parkManager', 'bms'] as const;
const MANAGERS = ['operator', 'parkManager'] as const;

/** Every HTTP route by name; the name is also the handler file under `functions/http/`. */
export const httpRoutes = {
  health: { method: 'GET', path: '/health', summary: 'Liveness; no token needed', roles: [], success: 200 },
  'openapi-document': {
    method: 'GET',
    path: '/openapi.json',
    summary: 'This API as OpenAPI 3.1',
    roles: [],
    success: 200,
  },
  'list-parks': {
    method: 'GET',
    path: '/parks',
    summary: 'Parks: all for an operator, their own for a park manager',
    roles: MANAGERS,
    query: PageQuery,
    success: 200,
  },
  'put-park': {
    method: 'PUT',
    path: '/parks/{parkId}',
    summary: 'Create or replace a park',
    roles: MANAGERS,
    params: ParkPath,
    body: Park,
    success: 200,
  },
  'get-park': {
    method: 'GET',
    path: '/parks/{parkId}',
    summary: 'A park',
    roles: MANAGERS,
    params: ParkPath,
    success: 200,
  },
  'delete-park': {
    method: 'DELETE',
    path: '/parks/{parkId}',
    summary: 'Delete a park without buildings',
    roles: MANAGERS,
    params: ParkPath,
    success: 204,
  },
  'list-buildings': {
    method: 'GET',
    path: '/parks/{parkId}/buildings',
    summary: 'Buildings of a park, a page at a time',
    roles: MANAGERS,
    params: ParkPath,
    query: PageQuery,
    success: 200,
  },
  'park-settlements': {
    method: 'GET',
    path: '/parks/{parkId}/settlements',
    summary: 'What a park earned, event by event',
    roles: MANAGERS,
    params: ParkPath,
    query: PageQuery,
    success: 200,
  },
  'put-building': {
    method: 'PUT',
    path: '/buildings/{buildingId}',
    summary: 'Enroll or edit a building and its assets',
    roles: MANAGERS,
    params: BuildingPath,
    body: Building,
    success: 200,
  },
  'get-building': {
    method: 'GET',
    path: '/buildings/{buildingId}',
    summary: 'A building with its latest state',
    roles: ALL,
    params: BuildingPath,
    success: 200,
  },
  'delete-building': {
    method: 'DELETE',
    path: '/buildings/{buildingId}',
    summary: 'Remove a building',
    roles: MANAGERS,
    params: BuildingPath,
    success: 204,
  },
  'report-telemetry': {
    method: 'POST',
    path: '/buildings/{buildingId}/telemetry',
    summary: 'A BMS reports state and meter readings',
    roles: ['bms'],
    params: BuildingPath,
    body: TelemetryBody,
    success: 202,
  },
  'building-commands': {
    method: 'GET',
    path: '/buildings/{buildingId}/commands',
    summary: 'Commands of a building, newest first (pull mode)',
    roles: ALL,
    params: BuildingPath,
    query: PageQuery,
    success: 200,
  },
  'acknowledge-command': {
    method: 'POST',
    path: '/commands/{commandId}/ack',
    summary: "The building's BMS accepts or declines a command",
    roles: ['bms'],
    params: CommandPath,
    body: AckBody,
    success: 200,
  },
  'put-program': {
    method: 'PUT',
    path: '/programs/{programId}',
    summary: 'A program: baseline method, settlement rules, missing-data rule and tariffs',
    roles: ['operator'],
    params: ProgramPath,
    body: Program,
    success: 200,
  },
  'get-program': {
    method: 'GET',
    path: '/programs/{programId}',
    summary: 'A program',
    roles: MANAGERS,
    params: ProgramPath,
    success: 200,
  },
  'get-calendar': {
    method: 'GET',
    path: '/calendars',
    summary: 'The working calendar: holidays and adjusted working days of every year held',
    roles: MANAGERS,
    success: 200,
  },
  'put-calendar-year': {
    method: 'PUT',
    path: '/calendars/{year}',
    summary: "Enter or amend a year's holidays and adjusted working days; events awaiting it settle",
    roles: ['operator'],
    params: YearPath,
    body: CalendarYearInput,
    success: 200,
  },
  'query-flexibility': {
    method: 'POST',
    path: '/flexibility',
    summary: 'kW a scope could offer per interval, both directions, by park',
    roles: MANAGERS,
    body: FlexibilityBody,
    success: 200,
  },
  'create-event': {
    method: 'POST',
    path: '/events',
    summary: 'Issue a grid event (201 new, 200 when re-sent)',
    roles: ['operator'],
    body: GridEvent,
    success: 201,
  },
  'list-events': {
    method: 'GET',
    path: '/events',
    summary: 'Events, newest first',
    roles: ['operator'],
    query: PageQuery,
    success: 200,
  },
  'get-event': {
    method: 'GET',
    path: '/events/{eventId}',
    summary: 'Status, plan summary and command counts',
    roles: MANAGERS,
    params: EventPath,
    success: 200,
  },
  'revise-event': {
    method: 'PUT',
    path: '/events/{eventId}',
    summary: 'New targets or window, as a new revision',
    roles: ['operator'],
    params: EventPath,
    body: GridEvent,
    success: 202,
  },
  'cancel-event': {
    method: 'POST',
    path: '/events/{eventId}/cancel',
    summary: 'Cancel (202): the event is cancelled at once; cancellation commands follow on the bus',
    roles: ['operator'],
    params: EventPath,
    success: 202,
  },
  'reevaluate-event': {
    method: 'POST',
    path: '/events/{eventId}/evaluation',
    summary: 'Evaluate and settle again after the window: a new settlement revision',
    roles: ['operator'],
    params: EventPath,
    success: 200,
  },
  'event-plan': {
    method: 'GET',
    path: '/events/{eventId}/plan',
    summary: 'The plan per interval and a page of commands with their status (follow cursor for more)',
    roles: MANAGERS,
    params: EventPath,
    query: PageQuery,
    success: 200,
  },
  'event-performance': {
    method: 'GET',
    path: '/events/{eventId}/performance',
    summary: 'Delivery against the baseline, and settlement (the latest revision, or ?revision=N)',
    roles: MANAGERS,
    params: EventPath,
    query: RevisionQuery,
    success: 200,
  },
  'event-delivery': {
    method: 'GET',
    path: '/events/{eventId}/delivery',
    summary:
      'Live delivery per interval: target, planned, delivered against the contractual baseline, metered load so far, and the planning baseline as such',
    roles: MANAGERS,
    params: EventPath,
    success: 200,
  },
  'put-openadr-client': {
    method: 'PUT',
    path: '/openadr-clients/{clientId}',
    summary: 'Provision an OpenADR client (BL or VEN) or give it a new secret; the secret is shown once',
    roles: MANAGERS,
    params: ClientPath,
    body: ClientProvisioning,
    success: 201,
  },
  'delete-openadr-client': {
    method: 'DELETE',
    path: '/openadr-clients/{clientId}',
    summary: 'Remove an OpenADR client; its tokens stop working at once',
    roles: MANAGERS,
    params: ClientPath,
    success: 204,
  },
  'get-user-bindings': {
    method: 'GET',
    path: '/users/{userId}/bindings',
    summary: "A user's parks and buildings (userId: the token's sub, or a machine client's id)",
    roles: MANAGERS,
    params: UserPath,
    success: 200,
  },
  'put-user-bindings': {
    method: 'PUT',
    path: '/users/{userId}/bindings',
    summary: "Set a user's parks and buildings; they enter the user's next token",
    roles: MANAGERS,
    params: UserPath,
    body: BindingInput,
    success: 200,
  },
  'delete-user-bindings': {
    method: 'DELETE',
    path: '/users/{userId}/bindings',
    summary: "Remove a user's bindings (from their next token on)",
    roles: MANAGERS,
    params: UserPath,
    success: 204,
  },
} as const satisfies Record<string, HttpRoute>;

export type RouteName = keyof typeof httpRoutes;

export interface BusSubscription {
  /** Function name and handler file under `functions/bus/`. */
  name: string;
  message: MessageName;
  /**
   * Delivered through an SQS queue rather than invoked by the rule: the rule puts each message on
   * the queue, and the function reads up to `batchSize` at a time, at most `maxConcurrency`
   * invocations at once (the event source mapping's own limit, which reserves nothing from the
   * account, so a first deploy never fails on a small account's concurrency). For consumers that
   * run once per command and wait on others' endpoints (webhooks): a province's ~60,000 commands,
   * some to dead endpoints, must neither take every concurrent execution from the API nor be lost.
   */
  queue?: { batchSize: number; maxConcurrency: number };
}

/**
 * Per-command webhook delivery: 10 messages a batch, delivered side by side, 10 batches at once:
 * 100 webhooks in flight. A dead endpoint holds one message for its timeout (~43 s with retries),
 * not a function; at ~200 ms a webhook that is ~500 commands a second, 60,000 in two minutes.
 */
const WEBHOOK_QUEUE = { batchSize: 10, maxConcurrency: 10 };

export const busSubscriptions = [
  { name: 'plan-event', message: 'GridEventAccepted' },
  { name: 'dispatch-event', message: 'DispatchPlanned' },
  { name: 'redispatch-declined', message: 'CommandDeclined' },
  { name: 'ack-deadline', message: 'AckDeadlineReached' },
  { name: 'replan-event', message: 'ReplanDue' },
  { name: 'finish-cancellation', message: 'EventCancelled' },
  { name: 'evaluate-event', message: 'EvaluationDue' },
  // OpenADR webhooks: client changes, and each building's commands as its VEN's events.
  { name: 'openadr-notify-change', message: 'OpenadrObjectChanged' },
  { name: 'openadr-notify-command', message: 'DispatchCommand', queue: WEBHOOK_QUEUE },
  { name: 'openadr-notify-cancel', message: 'CommandCancelled', queue: WEBHOOK_QUEUE },
] as const satisfies readonly BusSubscription[];

export type BusSubscriptionName = (typeof busSubscriptions)[number]['name'];
/** The message a subscription consumes. */
export type MessageOf<S extends BusSubscriptionName> = Extract<
  (typeof busSubscriptions)[number],
  { name: S }
>['message'];

/** The EventBridge event pattern of a subscription (also applied by the local bus). */
export function subscriptionPattern(s: BusSubscription) {
  return { source: [messages[s.message].source], 'detail-type': [s.message] };
}

/** The pattern of a BMS integration's rule: its buildings' commands and cancellations. */
export function integrationPattern(integrationId: string) {
  return {
    source: [messages.DispatchCommand.source],
    'detail-type': ['DispatchCommand', 'CommandCancelled'] satisfies MessageName[],
    detail: { bmsIntegrationId: [integrationId] },
  };
}
