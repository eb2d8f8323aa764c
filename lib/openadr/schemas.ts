/**
 * OpenADR 3.1.0 objects that FlexDR reads and writes, written by hand from `components.schemas`
 * of the official OpenAPI document (`openadr3.yaml`, 3.1.0). Field names, required fields, enums,
 * lengths and formats follow the YAML; `nullable: true` fields accept `null` as well as absence.
 * Objects are not strict: the YAML allows unknown properties, which parsing drops.
 * The unit tests check what the mapping emits against the YAML itself with Ajv.
 */
import * as z from 'zod';

/** `objectID`: URL-safe, VTN-assigned. */
export const ObjectId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-zA-Z0-9_-]*$/, 'must use only a-z A-Z 0-9 _ -');
/** `dateTime`: RFC 3339 (`format: date-time`). */
export const DateTime = z.iso.datetime({ offset: true });
/** `duration`: ISO 8601, with the YAML's own pattern (for example `PT15M`, `PT1H`, `P9999Y`). */
export const Duration = z
  .string()
  .regex(
    /^(-?)P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)([DW]))?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/,
    'must be an ISO 8601 duration such as PT15M',
  );
const Name128 = z.string().min(1).max(128);
/** `target`: since 3.1 a plain string (3.0's `valuesMap` targets are gone). */
export const Target = Name128;
const Targets = z.array(Target).nullish();
/** `units` (see enumerations/units.schema.yaml: KWH, KW, PERCENT, ...). */
export const Units = Name128.nullish();
export const ReadingType = Name128.nullish();
export const ObjectType = z.enum(['PROGRAM', 'EVENT', 'REPORT', 'SUBSCRIPTION', 'VEN', 'RESOURCE']);

export const Point = z.object({ x: z.number(), y: z.number() });
/** `valuesMap`: a type (enumerated or private) and its values. */
export const ValuesMap = z.object({
  type: Name128,
  values: z.array(z.union([z.number(), z.string(), z.boolean(), Point])),
});
export type ValuesMap = z.infer<typeof ValuesMap>;

/** `intervalPeriod`: start and duration of an interval or of a run of intervals. */
export const IntervalPeriod = z.object({
  start: DateTime.optional(),
  duration: Duration.optional(),
  randomizeStart: Duration.optional(),
});
export type IntervalPeriod = z.infer<typeof IntervalPeriod>;

/** `interval`: `id` is client-chosen, not a sequence number. */
export const Interval = z.object({
  id: z.number().int().min(-2_147_483_648).max(2_147_483_647),
  intervalPeriod: IntervalPeriod.optional(),
  payloads: z.array(ValuesMap),
});
export type Interval = z.infer<typeof Interval>;

export const EventPayloadDescriptor = z.object({
  objectType: z.literal('EVENT_PAYLOAD_DESCRIPTOR'),
  payloadType: Name128,
  units: Units,
  currency: z.string().nullish(),
});
export type EventPayloadDescriptor = z.infer<typeof EventPayloadDescriptor>;

export const ReportPayloadDescriptor = z.object({
  objectType: z.literal('REPORT_PAYLOAD_DESCRIPTOR'),
  payloadType: Name128,
  readingType: ReadingType,
  units: Units,
  accuracy: z.number().nullish(),
  confidence: z.number().int().min(0).max(100).nullish(),
});
export type ReportPayloadDescriptor = z.infer<typeof ReportPayloadDescriptor>;

export const ReportDescriptor = z.object({
  payloadType: Name128,
  readingType: ReadingType,
  units: Units,
  targets: Targets,
  aggregate: z.boolean().optional(),
  startInterval: z.number().int().optional(),
  numIntervals: z.number().int().optional(),
  historical: z.boolean().optional(),
  frequency: z.number().int().optional(),
  repeat: z.number().int().optional(),
  reportIntervals: z.enum(['INTERVALS', 'SUB_INTERVALS', 'OPEN_INTERVALS']).optional(),
});

/** `objectMetadata`: what the VTN adds to every stored object. */
export const ObjectMetadata = z.object({
  id: ObjectId,
  createdDateTime: DateTime,
  modificationDateTime: DateTime,
  objectType: ObjectType,
});
export type ObjectMetadata = z.infer<typeof ObjectMetadata>;

export const ProgramRequest = z.object({
  programName: Name128,
  intervalPeriod: IntervalPeriod.optional(),
  programDescriptions: z.array(z.object({ URL: z.url().min(2).max(8000) })).nullish(),
  payloadDescriptors: z
    .array(z.discriminatedUnion('objectType', [EventPayloadDescriptor, ReportPayloadDescriptor]))
    .nullish(),
  attributes: z.array(ValuesMap).nullish(),
  targets: Targets,
});
export type ProgramRequest = z.infer<typeof ProgramRequest>;
export const Program = ObjectMetadata.extend(ProgramRequest.shape);
export type Program = z.infer<typeof Program>;

export const EventRequest = z.object({
  programID: ObjectId,
  eventName: z.string().nullish(),
  duration: Duration.optional(),
  priority: z.number().int().min(0).nullish(),
  targets: Targets,
  reportDescriptors: z.array(ReportDescriptor).nullish(),
  payloadDescriptors: z.array(EventPayloadDescriptor).nullish(),
  intervalPeriod: IntervalPeriod.optional(),
  intervals: z.array(Interval).optional(),
});
export type EventRequest = z.infer<typeof EventRequest>;
export const Event = ObjectMetadata.extend(EventRequest.shape);
export type Event = z.infer<typeof Event>;

export const ReportResource = z.object({
  resourceName: Name128,
  intervalPeriod: IntervalPeriod.optional(),
  intervals: z.array(Interval),
});
export type ReportResource = z.infer<typeof ReportResource>;

export const ReportRequest = z.object({
  eventID: ObjectId,
  clientName: Name128,
  reportName: z.string().nullish(),
  payloadDescriptors: z.array(ReportPayloadDescriptor).nullish(),
  resources: z.array(ReportResource),
});
export type ReportRequest = z.infer<typeof ReportRequest>;
export const Report = ObjectMetadata.extend(ReportRequest.shape).extend({ clientID: Name128 });
export type Report = z.infer<typeof Report>;

/** What a VEN may write about itself; a BL also sets the client id and the targets. */
export const VenVenRequest = z.object({
  objectType: z.literal('VEN_VEN_REQUEST'),
  venName: Name128,
  attributes: z.array(ValuesMap).nullish(),
});
export const BlVenRequest = VenVenRequest.extend({
  objectType: z.literal('BL_VEN_REQUEST'),
  clientID: Name128,
  targets: Targets,
});
export const VenRequest = z.discriminatedUnion('objectType', [BlVenRequest, VenVenRequest]);
/** A stored ven: its `objectType` is the metadata's `VEN`, as in the YAML's `allOf`. */
export const Ven = ObjectMetadata.extend(BlVenRequest.omit({ objectType: true }).shape);
export type Ven = z.infer<typeof Ven>;

export const VenResourceRequest = z.object({
  objectType: z.literal('VEN_RESOURCE_REQUEST'),
  resourceName: Name128,
  venID: ObjectId,
  attributes: z.array(ValuesMap).nullish(),
});
export const BlResourceRequest = VenResourceRequest.extend({
  objectType: z.literal('BL_RESOURCE_REQUEST'),
  clientID: Name128,
  targets: Targets,
});
export const ResourceRequest = z.discriminatedUnion('objectType', [BlResourceRequest, VenResourceRequest]);
export const Resource = ObjectMetadata.extend(BlResourceRequest.omit({ objectType: true }).shape);
export type Resource = z.infer<typeof Resource>;

/** `problem`: RFC 7807 error body. */
export const Problem = z.object({
  type: z.string().min(2).max(8000).default('about:blank'),
  title: z.string().optional(),
  status: z.number().int().min(100).lt(600).optional(),
  detail: z.string().optional(),
  instance: z.string().min(3).max(8000).optional(),
});
export type Problem = z.infer<typeof Problem>;

/** `subscriptionRequest`: what a client is notified of, and where (webhooks only in FlexDR). */
export const ObjectOperation = z.object({
  objects: z.array(ObjectType).min(1),
  operations: z.array(z.enum(['READ', 'CREATE', 'UPDATE', 'DELETE'])).min(1),
  callbackUrl: z.url().min(2).max(8000),
  /** Sent back in an `Authorization` header, so only printable ASCII without spaces (RFC 6750 `b64token` and more). */
  bearerToken: z
    .string()
    .min(1)
    .max(4096)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces: it is sent in an HTTP header')
    .nullish(),
});
export type ObjectOperation = z.infer<typeof ObjectOperation>;
export const SubscriptionRequest = z.object({
  clientName: Name128,
  programID: ObjectId.optional(),
  objectOperations: z.array(ObjectOperation).min(1).max(20),
  targets: Targets,
});
export type SubscriptionRequest = z.infer<typeof SubscriptionRequest>;
export const Subscription = ObjectMetadata.extend(SubscriptionRequest.shape).extend({ clientID: Name128 });
export type Subscription = z.infer<typeof Subscription>;

/** `notification`: the body a VTN posts to a subscription's callback. */
export interface Notification {
  objectType: z.infer<typeof ObjectType>;
  operation: 'CREATE' | 'READ' | 'UPDATE' | 'DELETE';
  object: Record<string, unknown>;
  targets?: string[] | null;
}

/** `clientCredentialRequest` (form-encoded, snake case as in RFC 6749). */
export const ClientCredentialRequest = z.object({
  grant_type: z.string().min(1).max(64),
  /** FlexDR client ids are `Id`s (at most 128 characters): far below DynamoDB's key limit. */
  client_id: z.string().min(1).max(128),
  client_secret: z.string().min(1).max(1024),
  scope: z.string().max(4096).optional(),
});
export type ClientCredentialRequest = z.infer<typeof ClientCredentialRequest>;
