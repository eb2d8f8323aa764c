/**
 * VENs and their resources: how clients describe themselves to the VTN. A BL registers a ven for
 * any VEN client (`BL_VEN_REQUEST`: the client id and the targets it grants); a VEN registers its
 * own (`VEN_VEN_REQUEST`), and the VTN fills in its client id and its targets (its buildings and
 * parks), which a VEN may not change. A VEN sees only its own vens and resources (others are 404
 * to it); a BL sees all. Names are unique: `venName` among vens, `resourceName` within a ven.
 * The stored objects carry the metadata's `objectType` (`VEN`, `RESOURCE`), not the request's.
 */
import type * as z from 'zod';
import { ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { matchesTargets, type OpenadrCaller, targetsOf } from '../../openadr/access.ts';
import type { ResourceRequest, VenRequest } from '../../openadr/schemas.ts';
import type { OpenadrObject } from '../../openadr/store.ts';
import type { Deps } from '../config.ts';
import { announce, changedMetadata, mustGet, newMetadata, ownedBy } from './objects.ts';
import { definedFields } from './programs.ts';

type VenInput = z.infer<typeof VenRequest>;
type ResourceInput = z.infer<typeof ResourceRequest>;

export interface VenFilter {
  venName?: string | undefined;
  targets?: string[] | undefined;
}

export interface ResourceFilter {
  resourceName?: string | undefined;
  venID?: string | undefined;
  targets?: string[] | undefined;
}

function refuse(path: string, message: string): never {
  throw new ValidationError(`${path}: ${message}`, [{ path, message }]);
}

function sameTargets(a: readonly string[] | null | undefined, b: readonly string[] | null | undefined) {
  const x = new Set(a ?? []);
  const y = new Set(b ?? []);
  return x.size === y.size && [...x].every((t) => y.has(t));
}

/** The ports the ven and resource use-cases use. */
type VenDeps = Pick<Deps, 'openadr' | 'clock' | 'outbox'>;

/** The client id and targets a ven or resource is granted. */
interface Grant {
  clientID: string;
  targets: string[] | null | undefined;
}

/** Whether a caller may see an object owned by `clientID`: a BL all, a VEN its own. */
function owns(caller: OpenadrCaller, clientID: string): boolean {
  return caller.role === 'BL' || clientID === caller.clientId;
}

/**
 * The objects of a list a caller sees that match the filter's targets (sharing one) and its
 * other fields (each equal when given).
 */
function visibleMatching<B extends { clientID: string; targets?: string[] | null | undefined }>(
  caller: OpenadrCaller,
  objects: readonly { body: B }[],
  filter: { targets?: string[] | undefined },
  fields: Partial<Record<keyof B, unknown>>,
): B[] {
  const wanted = Object.entries(fields).filter(([, value]) => value !== undefined);
  return objects
    .map((o) => o.body)
    .filter(
      (body) =>
        owns(caller, body.clientID) &&
        wanted.every(([key, value]) => Reflect.get(body, key) === value) &&
        matchesTargets(body.targets, filter.targets ?? []),
    );
}

async function visible<T extends 'VEN' | 'RESOURCE'>(
  deps: VenDeps,
  caller: OpenadrCaller,
  type: T,
  id: string,
) {
  const found = await mustGet(deps, type, id);
  const owned: OpenadrObject<'VEN' | 'RESOURCE'> = found;
  if (!owns(caller, owned.body.clientID)) throw new NotFoundError(`${type.toLowerCase()} '${id}' not found`);
  return found;
}

/**
 * The client id and targets a request may give, for this caller.
 * - A BL: `BL_VEN_REQUEST` names an existing VEN client (400 otherwise) and grants the targets as
 *   given; its `VEN_VEN_REQUEST` keeps what `current` holds (it cannot create with one).
 * - A VEN: its own client id and targets (`targetsOf`); a `BL_VEN_REQUEST` may restate them but
 *   not change them (403).
 */
async function grantOf(
  deps: VenDeps,
  caller: OpenadrCaller,
  request: { objectType: string; clientID?: string; targets?: string[] | null | undefined },
  current?: Grant,
): Promise<Grant> {
  if (caller.role === 'VEN') {
    const own = current ?? { clientID: caller.clientId, targets: targetsOf(caller) };
    if (
      request.clientID !== undefined &&
      (request.clientID !== own.clientID || !sameTargets(request.targets, own.targets))
    )
      throw new ForbiddenError('a VEN cannot change its client id or its targets; a BL grants them');
    return own;
  }
  if (request.clientID === undefined) {
    if (current) return current;
    refuse('objectType', `a BL registers a ven with BL_VEN_REQUEST (clientID and targets)`);
  }
  const client = await deps.openadr.getClient(request.clientID);
  if (client?.role !== 'VEN') refuse('clientID', `'${request.clientID}' is not a VEN client of this VTN`);
  return { clientID: request.clientID, targets: request.targets };
}

type Metadata = ReturnType<typeof newMetadata>;

/** A ven's or a resource's body: metadata, its own fields and what it is granted. */
function grantedBody<F extends object>(metadata: Metadata, fields: F, grant: Grant) {
  return { ...metadata, ...definedFields({ clientID: grant.clientID, ...fields, targets: grant.targets }) };
}

const venBody = (metadata: Metadata, request: VenInput, grant: Grant) =>
  grantedBody(metadata, { venName: request.venName, attributes: request.attributes }, grant);

/** Lists the caller's vens, oldest first, before pagination: `venName`, `targets` (sharing one). */
export async function listVens(deps: VenDeps, caller: OpenadrCaller, filter: VenFilter) {
  return visibleMatching(caller, await deps.openadr.list('VEN'), filter, { venName: filter.venName });
}

export async function getVen(deps: VenDeps, caller: OpenadrCaller, venId: string) {
  return (await visible(deps, caller, 'VEN', venId)).body;
}

/**
 * Creates a ven.
 * 1. Its client id and targets (see {@link grantOf}).
 * 2. Store it under its unique `venName` (a taken name is a conflict); announce CREATE.
 */
export async function createVen(deps: VenDeps, caller: OpenadrCaller, request: VenInput) {
  const grant = await grantOf(deps, caller, request);
  const body = venBody(newMetadata(deps, 'VEN'), request, grant);
  await deps.openadr.create({ objectType: 'VEN', ...ownedBy(body, grant.clientID, request.venName) });
  await announce(deps, 'VEN', 'CREATE', body);
  return body;
}

/**
 * Replaces a ven the caller sees (404 otherwise).
 * 1. Its client id and targets: a VEN keeps them; a BL may change them.
 * 2. Replace it (409 on a taken name or a concurrent change); announce UPDATE.
 */
export async function updateVen(deps: VenDeps, caller: OpenadrCaller, venId: string, request: VenInput) {
  const previous = await visible(deps, caller, 'VEN', venId);
  const grant = await grantOf(deps, caller, request, {
    clientID: previous.body.clientID,
    targets: previous.body.targets,
  });
  const body = venBody(changedMetadata(deps, previous), request, grant);
  await deps.openadr.replace(
    { ...previous, body, clientId: grant.clientID, uniqueName: request.venName },
    previous,
  );
  await announce(deps, 'VEN', 'UPDATE', body);
  return body;
}

/** Deletes a ven the caller sees, its resources first (each announced), and answers it. */
export async function deleteVen(deps: VenDeps, caller: OpenadrCaller, venId: string) {
  const found = await visible(deps, caller, 'VEN', venId);
  const resources = (await deps.openadr.list('RESOURCE')).filter((r) => r.body.venID === venId);
  for (const resource of resources) {
    await deps.openadr.delete(resource);
    await announce(deps, 'RESOURCE', 'DELETE', resource.body);
  }
  await deps.openadr.delete(found);
  await announce(deps, 'VEN', 'DELETE', found.body);
  return found.body;
}

/**
 * The ven a resource request names: one the caller sees. `createResource` answers 400 naming
 * `venID` for any other (its 404 is for the path, which has none here).
 */
async function venOf(deps: VenDeps, caller: OpenadrCaller, venID: string): Promise<OpenadrObject<'VEN'>> {
  const ven = await deps.openadr.get('VEN', venID);
  if (!ven || !owns(caller, ven.body.clientID)) refuse('venID', `ven '${venID}' not found`);
  return ven;
}

/**
 * A resource's client id and targets: the client id is always its ven's (a BL request naming
 * another is refused); targets as a BL grants them, else its ven's (on create) or as they were.
 */
function resourceGrant(
  caller: OpenadrCaller,
  request: ResourceInput,
  ven: OpenadrObject<'VEN'>,
  current?: OpenadrObject<'RESOURCE'>,
): Grant {
  const clientID = ven.body.clientID;
  const targets = (current ?? ven).body.targets;
  if (request.objectType === 'VEN_RESOURCE_REQUEST') return { clientID, targets };
  if (request.clientID !== clientID)
    refuse('clientID', `must be '${clientID}', the client of ven '${ven.id}'`);
  if (caller.role === 'VEN' && !sameTargets(request.targets, targets))
    throw new ForbiddenError('a VEN cannot change the targets of its resources; a BL grants them');
  return { clientID, targets: request.targets };
}

const resourceBody = (metadata: Metadata, request: ResourceInput, grant: Grant) =>
  grantedBody(
    metadata,
    { resourceName: request.resourceName, venID: request.venID, attributes: request.attributes },
    grant,
  );

/** Lists the caller's resources, oldest first, before pagination: `resourceName`, `venID`, `targets`. */
export async function listResources(deps: VenDeps, caller: OpenadrCaller, filter: ResourceFilter) {
  return visibleMatching(caller, await deps.openadr.list('RESOURCE'), filter, {
    resourceName: filter.resourceName,
    venID: filter.venID,
  });
}

export async function getResource(deps: VenDeps, caller: OpenadrCaller, resourceId: string) {
  return (await visible(deps, caller, 'RESOURCE', resourceId)).body;
}

/**
 * Creates a resource of a ven the caller sees (400 naming `venID` otherwise).
 * 1. Its client id (the ven's) and targets (see {@link resourceGrant}).
 * 2. Store it under `<venID>/<resourceName>` (unique within the ven: 409); announce CREATE.
 */
export async function createResource(deps: VenDeps, caller: OpenadrCaller, request: ResourceInput) {
  const ven = await venOf(deps, caller, request.venID);
  const grant = resourceGrant(caller, request, ven);
  const body = resourceBody(newMetadata(deps, 'RESOURCE'), request, grant);
  const uniqueName = `${request.venID}/${request.resourceName}`;
  await deps.openadr.create({ objectType: 'RESOURCE', ...ownedBy(body, grant.clientID, uniqueName) });
  await announce(deps, 'RESOURCE', 'CREATE', body);
  return body;
}

/**
 * Replaces a resource the caller sees (404 otherwise). It stays with its ven (400 for another
 * `venID`); 409 on a name taken within the ven or a concurrent change; announce UPDATE.
 */
export async function updateResource(
  deps: VenDeps,
  caller: OpenadrCaller,
  resourceId: string,
  request: ResourceInput,
) {
  const previous = await visible(deps, caller, 'RESOURCE', resourceId);
  if (request.venID !== previous.body.venID)
    refuse('venID', `a resource stays with its ven '${previous.body.venID}'`);
  const ven = await venOf(deps, caller, request.venID);
  const grant = resourceGrant(caller, request, ven, previous);
  const body = resourceBody(changedMetadata(deps, previous), request, grant);
  await deps.openadr.replace(
    { ...previous, body, uniqueName: `${request.venID}/${request.resourceName}` },
    previous,
  );
  await announce(deps, 'RESOURCE', 'UPDATE', body);
  return body;
}

/** Deletes a resource the caller sees and answers it. */
export async function deleteResource(deps: VenDeps, caller: OpenadrCaller, resourceId: string) {
  const found = await visible(deps, caller, 'RESOURCE', resourceId);
  await deps.openadr.delete(found);
  await announce(deps, 'RESOURCE', 'DELETE', found.body);
  return found.body;
}
