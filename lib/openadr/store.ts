/**
 * What the VTN stores, one zod schema per kind: its OpenADR objects (the body as served, metadata
 * included, with the schema of its `objectType`), its clients and its access tokens. The store
 * parses each item with these on read, so the use-cases work on typed objects, never on casts.
 */
import * as z from 'zod';
import { SCOPES } from './access.ts';
import { Event, type ObjectType, Program, Report, Resource, Subscription, Ven } from './schemas.ts';

/** OpenADR object types the VTN stores. */
export type OpenadrObjectType = z.infer<typeof ObjectType>;

/** The VTN's own bookkeeping of an object, never served (a subscription's delivery failures, say). */
const OpenadrInternal = z.record(z.string(), z.unknown());

/** A stored object of one type: its body parsed with that type's schema. */
const storedAs = <K extends OpenadrObjectType, B extends z.ZodType>(objectType: K, body: B) =>
  z.object({
    objectType: z.literal(objectType),
    id: z.string(),
    /** The object as served, metadata included. */
    body,
    /** The client that created it. */
    clientId: z.string(),
    /** Unique within the type when set (`programName`, `venName`, `<venID>/<resourceName>`). */
    uniqueName: z.string().optional(),
    createdAt: z.string(),
    internal: OpenadrInternal.optional(),
  });

/** An OpenADR object as the VTN stores it, one schema per type. */
export const OpenadrObject = z.discriminatedUnion('objectType', [
  storedAs('PROGRAM', Program),
  storedAs('EVENT', Event),
  storedAs('REPORT', Report),
  storedAs('SUBSCRIPTION', Subscription),
  storedAs('VEN', Ven),
  storedAs('RESOURCE', Resource),
]);
/** A stored object; `OpenadrObject<'VEN'>` is a ven, with its body typed as one. */
export type OpenadrObject<T extends OpenadrObjectType = OpenadrObjectType> = Extract<
  z.infer<typeof OpenadrObject>,
  { objectType: T }
>;

/** Whether `object` is of type `objectType` (narrows its body). */
export function isOpenadrObjectOf<T extends OpenadrObjectType>(
  object: OpenadrObject,
  objectType: T,
): object is OpenadrObject<T> {
  return object.objectType === objectType;
}

const Role = z.enum(['BL', 'VEN']);

/** A client of the VTN, provisioned out of band; only a hash of its secret is kept. */
export const OpenadrClient = z.object({
  clientId: z.string(),
  role: Role,
  secretHash: z.string(),
  buildingIds: z.array(z.string()),
  parkIds: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  /**
   * Random, new at every provisioning (create, rotate, re-create under the same id): a token is
   * valid only while its client still holds the generation it was issued under.
   */
  generation: z.string(),
});
export type OpenadrClient = z.infer<typeof OpenadrClient>;

/** What an access token grants; stored under a hash of the token, which is opaque. */
export const OpenadrToken = z.object({
  clientId: z.string(),
  /** The client's generation when the token was issued (see {@link OpenadrClient}). */
  generation: z.string(),
  role: Role,
  scopes: z.array(z.enum(SCOPES)),
  buildingIds: z.array(z.string()),
  parkIds: z.array(z.string()),
  expiresAtMs: z.number(),
});
export type OpenadrToken = z.infer<typeof OpenadrToken>;
