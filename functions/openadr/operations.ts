/**
 * The OpenADR 3.1 VTN surface, one entry per operation of the official document
 * (`operationId` as the document names it), served under {@link OPENADR_PREFIX} on the same HTTP
 * API. Each family of operations is one function (`functions/openadr/<family>.ts`); the CDK app
 * adds one API route per operation to it, and the local gateway matches them the same way.
 * MQTT topic operations are not served: FlexDR notifies by webhook only (`GET /notifiers` says so).
 */
import * as z from 'zod';
import type { Scope } from '../../lib/openadr/access.ts';
import {
  EventRequest,
  ObjectId,
  ObjectType,
  ProgramRequest,
  ReportRequest,
  ResourceRequest,
  SubscriptionRequest,
  Target,
  VenRequest,
} from '../../lib/openadr/schemas.ts';

export const OPENADR_PREFIX = '/openadr3';

export type OpenadrFamily =
  | 'auth'
  | 'programs'
  | 'events'
  | 'reports'
  | 'subscriptions'
  | 'vens'
  | 'resources'
  | 'notifiers';

export interface OpenadrOperation {
  family: OpenadrFamily;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path as the document writes it, without the prefix. */
  path: string;
  /** The scope the document requires; none for the public auth operations. */
  scope?: Scope;
  success: 200 | 201;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

/** A query list: repeated (`targets=a&targets=b`, joined with commas by API Gateway) or comma-separated. */
const list = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(item));

/** `skip` and `limit` (at most 50, the document's maximum; 50 when absent). */
const count = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, 'must be a whole number written in digits')
    .transform(Number)
    .pipe(z.number().int().min(0).max(max))
    .default(fallback);
export const Pagination = z.strictObject({
  skip: count(2_147_483_647, 0),
  limit: count(50, 50),
});
export type Pagination = z.infer<typeof Pagination>;

const bool = z.enum(['true', 'false']).transform((s) => s === 'true');

export const ProgramsQuery = Pagination.extend({ targets: list(Target).optional() });
export const EventsQuery = Pagination.extend({
  programID: ObjectId.optional(),
  targets: list(Target).optional(),
  active: bool.optional(),
});
export const ReportsQuery = Pagination.extend({
  programID: ObjectId.optional(),
  eventID: ObjectId.optional(),
  clientName: z.string().min(1).max(128).optional(),
});
export const SubscriptionsQuery = Pagination.extend({
  programID: ObjectId.optional(),
  clientName: z.string().min(1).max(128).optional(),
  objects: list(ObjectType).optional(),
});
export const VensQuery = Pagination.extend({
  venName: z.string().min(1).max(128).optional(),
  targets: list(Target).optional(),
});
export const ResourcesQuery = Pagination.extend({
  resourceName: z.string().min(1).max(128).optional(),
  venID: ObjectId.optional(),
  targets: list(Target).optional(),
});

const ProgramPath = z.strictObject({ programID: ObjectId });
const EventPath = z.strictObject({ eventID: ObjectId });
const ReportPath = z.strictObject({ reportID: ObjectId });
const SubscriptionPath = z.strictObject({ subscriptionID: ObjectId });
const VenPath = z.strictObject({ venID: ObjectId });
const ResourcePath = z.strictObject({ resourceID: ObjectId });

export const openadrOperations = {
  getAuthServerInfo: { family: 'auth', method: 'GET', path: '/auth/server', success: 200 },
  fetchToken: {
    family: 'auth',
    method: 'POST',
    path: '/auth/token',
    body: z.record(z.string(), z.unknown()),
    success: 200,
  },
  listAllNotifiers: {
    family: 'notifiers',
    method: 'GET',
    path: '/notifiers',
    scope: 'read_all',
    success: 200,
  },

  searchAllPrograms: {
    family: 'programs',
    method: 'GET',
    path: '/programs',
    scope: 'read_targets',
    query: ProgramsQuery,
    success: 200,
  },
  createProgram: {
    family: 'programs',
    method: 'POST',
    path: '/programs',
    scope: 'write_programs',
    body: ProgramRequest,
    success: 201,
  },
  searchProgramByProgramId: {
    family: 'programs',
    method: 'GET',
    path: '/programs/{programID}',
    scope: 'read_targets',
    params: ProgramPath,
    success: 200,
  },
  updateProgram: {
    family: 'programs',
    method: 'PUT',
    path: '/programs/{programID}',
    scope: 'write_programs',
    params: ProgramPath,
    body: ProgramRequest,
    success: 200,
  },
  deleteProgram: {
    family: 'programs',
    method: 'DELETE',
    path: '/programs/{programID}',
    scope: 'write_programs',
    params: ProgramPath,
    success: 200,
  },

  searchAllEvents: {
    family: 'events',
    method: 'GET',
    path: '/events',
    scope: 'read_targets',
    query: EventsQuery,
    success: 200,
  },
  createEvent: {
    family: 'events',
    method: 'POST',
    path: '/events',
    scope: 'write_events',
    body: EventRequest,
    success: 201,
  },
  searchEventsByID: {
    family: 'events',
    method: 'GET',
    path: '/events/{eventID}',
    scope: 'read_targets',
    params: EventPath,
    success: 200,
  },
  updateEvent: {
    family: 'events',
    method: 'PUT',
    path: '/events/{eventID}',
    scope: 'write_events',
    params: EventPath,
    body: EventRequest,
    success: 200,
  },
  deleteEvent: {
    family: 'events',
    method: 'DELETE',
    path: '/events/{eventID}',
    scope: 'write_events',
    params: EventPath,
    success: 200,
  },

  searchAllReports: {
    family: 'reports',
    method: 'GET',
    path: '/reports',
    scope: 'read_ven_objects',
    query: ReportsQuery,
    success: 200,
  },
  createReport: {
    family: 'reports',
    method: 'POST',
    path: '/reports',
    scope: 'write_reports',
    body: ReportRequest,
    success: 201,
  },
  searchReportsByReportID: {
    family: 'reports',
    method: 'GET',
    path: '/reports/{reportID}',
    scope: 'read_ven_objects',
    params: ReportPath,
    success: 200,
  },
  updateReport: {
    family: 'reports',
    method: 'PUT',
    path: '/reports/{reportID}',
    scope: 'write_reports',
    params: ReportPath,
    body: ReportRequest,
    success: 200,
  },
  deleteReport: {
    family: 'reports',
    method: 'DELETE',
    path: '/reports/{reportID}',
    scope: 'write_reports',
    params: ReportPath,
    success: 200,
  },

  searchSubscriptions: {
    family: 'subscriptions',
    method: 'GET',
    path: '/subscriptions',
    scope: 'read_ven_objects',
    query: SubscriptionsQuery,
    success: 200,
  },
  createSubscription: {
    family: 'subscriptions',
    method: 'POST',
    path: '/subscriptions',
    scope: 'write_subscriptions',
    body: SubscriptionRequest,
    success: 201,
  },
  searchSubscriptionByID: {
    family: 'subscriptions',
    method: 'GET',
    path: '/subscriptions/{subscriptionID}',
    scope: 'read_ven_objects',
    params: SubscriptionPath,
    success: 200,
  },
  updateSubscription: {
    family: 'subscriptions',
    method: 'PUT',
    path: '/subscriptions/{subscriptionID}',
    scope: 'write_subscriptions',
    params: SubscriptionPath,
    body: SubscriptionRequest,
    success: 200,
  },
  deleteSubscription: {
    family: 'subscriptions',
    method: 'DELETE',
    path: '/subscriptions/{subscriptionID}',
    scope: 'write_subscriptions',
    params: SubscriptionPath,
    success: 200,
  },

  searchVens: {
    family: 'vens',
    method: 'GET',
    path: '/vens',
    scope: 'read_ven_objects',
    query: VensQuery,
    success: 200,
  },
  createVen: {
    family: 'vens',
    method: 'POST',
    path: '/vens',
    scope: 'write_vens',
    body: VenRequest,
    success: 201,
  },
  searchVenByID: {
    family: 'vens',
    method: 'GET',
    path: '/vens/{venID}',
    scope: 'read_ven_objects',
    params: VenPath,
    success: 200,
  },
  updateVen: {
    family: 'vens',
    method: 'PUT',
    path: '/vens/{venID}',
    scope: 'write_vens',
    params: VenPath,
    body: VenRequest,
    success: 200,
  },
  deleteVen: {
    family: 'vens',
    method: 'DELETE',
    path: '/vens/{venID}',
    scope: 'write_vens',
    params: VenPath,
    success: 200,
  },

  searchVenResources: {
    family: 'resources',
    method: 'GET',
    path: '/resources',
    scope: 'read_ven_objects',
    query: ResourcesQuery,
    success: 200,
  },
  createResource: {
    family: 'resources',
    method: 'POST',
    path: '/resources',
    scope: 'write_vens',
    body: ResourceRequest,
    success: 201,
  },
  searchVenResourceByID: {
    family: 'resources',
    method: 'GET',
    path: '/resources/{resourceID}',
    scope: 'read_ven_objects',
    params: ResourcePath,
    success: 200,
  },
  updateVenResource: {
    family: 'resources',
    method: 'PUT',
    path: '/resources/{resourceID}',
    scope: 'write_vens',
    params: ResourcePath,
    body: ResourceRequest,
    success: 200,
  },
  deleteVenResource: {
    family: 'resources',
    method: 'DELETE',
    path: '/resources/{resourceID}',
    scope: 'write_vens',
    params: ResourcePath,
    success: 200,
  },
} as const satisfies Record<string, OpenadrOperation>;

export type OperationId = keyof typeof openadrOperations;

export const OPENADR_FAMILIES: readonly OpenadrFamily[] = [
  ...new Set(Object.values(openadrOperations).map((o) => o.family as OpenadrFamily)),
];

/**
 * The error statuses the document lists for each operation. Where it omits one the VTN would
 * naturally answer (no 401 on `updateProgram`, no 409 on `createVen`, no 404 on `createEvent` or
 * `createReport`), the handler answers the nearest one it lists: see {@link documentedStatus}.
 */
const STANDARD = [400, 401, 403, 500];
const BY_ID = [400, 401, 403, 404, 500];
const WRITE_BY_ID = [400, 401, 403, 404, 409, 500];
const CREATE = [400, 401, 403, 409, 500];
export const documentedErrors: Record<OperationId, readonly number[]> = {
  getAuthServerInfo: [500],
  fetchToken: [400, 401, 500, 501],
  listAllNotifiers: [],
  searchAllPrograms: STANDARD,
  createProgram: CREATE,
  searchProgramByProgramId: BY_ID,
  updateProgram: [400, 403, 404, 409, 500],
  deleteProgram: BY_ID,
  searchAllEvents: STANDARD,
  createEvent: CREATE,
  searchEventsByID: BY_ID,
  updateEvent: WRITE_BY_ID,
  deleteEvent: BY_ID,
  searchAllReports: STANDARD,
  createReport: CREATE,
  searchReportsByReportID: BY_ID,
  updateReport: WRITE_BY_ID,
  deleteReport: BY_ID,
  searchSubscriptions: STANDARD,
  createSubscription: CREATE,
  searchSubscriptionByID: BY_ID,
  updateSubscription: WRITE_BY_ID,
  deleteSubscription: BY_ID,
  searchVens: STANDARD,
  createVen: STANDARD,
  searchVenByID: BY_ID,
  updateVen: WRITE_BY_ID,
  deleteVen: BY_ID,
  searchVenResources: BY_ID,
  createResource: WRITE_BY_ID,
  searchVenResourceByID: BY_ID,
  updateVenResource: WRITE_BY_ID,
  deleteVenResource: BY_ID,
};

/**
 * The status to answer for an error: itself when the document lists it for the operation, else
 * the nearest listed one (401 → 403: refused either way; 404, 409, 413, 422 → 400: the request
 * cannot be served as sent). `GET /notifiers` lists no error at all; it keeps the true status.
 */
export function documentedStatus(id: OperationId, status: number): number {
  const listed = documentedErrors[id];
  // 429 (RFC 6585) and 415 (RFC 9110: a content type the operation does not take) are listed
  // nowhere, but a client must see them as they are, and a throttled one its Retry-After.
  if (listed.length === 0 || listed.includes(status) || status === 429 || status === 415) return status;
  if (status === 401 && listed.includes(403)) return 403;
  if (status >= 400 && status < 500 && listed.includes(400)) return 400;
  return status;
}

/**
 * The route that catches every other request under the prefix (API Gateway prefers any other
 * match to a greedy one): unknown paths, MQTT topic paths FlexDR does not serve, methods a path
 * does not take. Its function answers them with problem bodies, 404 or 405.
 */
export const OPENADR_FALLBACK_ROUTE = { method: 'ANY', path: `${OPENADR_PREFIX}/{proxy+}` } as const;
export const OPENADR_FALLBACK_FAMILY: OpenadrFamily = 'notifiers';

/** The methods the document serves at `path` (under the prefix), for a 405's `Allow`; none for an unknown path. */
export function methodsAt(path: string): string[] {
  if (!path.startsWith(`${OPENADR_PREFIX}/`)) return [];
  const rest = path.slice(OPENADR_PREFIX.length);
  const methods = (Object.values(openadrOperations) as OpenadrOperation[])
    .filter((op) => new RegExp(`^${op.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(rest))
    .map((op) => op.method);
  return [...new Set(methods)].sort();
}

/** The API route key of an operation (`GET /openadr3/programs/{programID}`), as API Gateway names it. */
export function routeKeyOf(op: Pick<OpenadrOperation, 'method' | 'path'>): string {
  return `${op.method} ${OPENADR_PREFIX}${op.path}`;
}
