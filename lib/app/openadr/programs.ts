/**
 * OpenADR programs: each is an OpenADR `program` object (what a BL sent, with metadata) and the
 * FlexDR program it maps to (baseline method, settlement rules), under the same id.
 */
import { ForbiddenError, NotFoundError } from '../../domain/errors.ts';
import { matchesTargets, type OpenadrCaller, targetsOf } from '../../openadr/access.ts';
import { programToFlexdr, withStatedRules } from '../../openadr/mapping.ts';
import type { ProgramRequest } from '../../openadr/schemas.ts';
import type { OpenadrObject } from '../../openadr/store.ts';
import type { Deps } from '../config.ts';
import {
  announce,
  changedMetadata,
  createWithCounterpart,
  mustGet,
  newMetadata,
  newObjectId,
  ownedBy,
  venNameOf,
} from './objects.ts';

/** The request's fields without the absent ones, so the stored object holds only what was sent. */
export function definedFields<T extends object>(request: T): T {
  const defined = { ...request };
  for (const key in defined) if (defined[key] === undefined) delete defined[key];
  return defined;
}

/** The ports the program use-cases use. */
type ProgramDeps = Pick<Deps, 'openadr' | 'programs' | 'clock' | 'outbox'>;

/** The BL's operations (the scope check already refuses VENs; this keeps the use-cases safe alone). */
export function requireBl(caller: OpenadrCaller): void {
  if (caller.role !== 'BL') throw new ForbiddenError('only a BL client may do this');
}

/**
 * What a caller may read of an object's `targets`: a BL everything; a VEN objects with no targets
 * (meant for everyone) or sharing one of its own (its buildings, parks and VEN name).
 */
async function visibilityOf(
  deps: Pick<Deps, 'openadr'>,
  caller: OpenadrCaller,
): Promise<(targets: readonly string[] | null | undefined) => boolean> {
  if (caller.role === 'BL') return () => true;
  const own = [...targetsOf(caller), await venNameOf(deps, caller.clientId)];
  return (targets) => !targets || targets.length === 0 || matchesTargets(targets, own);
}

/**
 * Lists programs, oldest first, before pagination.
 * 1. The caller's visible programs.
 * 2. The spec's `targets` filter: a program sharing at least one of them.
 */
export async function listPrograms(
  deps: ProgramDeps,
  caller: OpenadrCaller,
  query: { targets?: string[] | undefined },
): Promise<Record<string, unknown>[]> {
  const visible = await visibilityOf(deps, caller);
  const filter = query.targets ?? [];
  return (await deps.openadr.list('PROGRAM'))
    .map((o) => o.body)
    .filter((p) => visible(p.targets) && matchesTargets(p.targets, filter));
}

/** One program; a VEN is told 404 for a program not meant for it, so ids cannot be probed. */
export async function getProgram(deps: ProgramDeps, caller: OpenadrCaller, programId: string) {
  const found = await mustGet(deps, 'PROGRAM', programId);
  if (!(await visibilityOf(deps, caller))(found.body.targets))
    throw new NotFoundError(`program '${programId}' not found`);
  return found.body;
}

/**
 * Creates a program.
 * 1. Map it to a FlexDR program (400 before anything is stored); rules it does not state are
 *    FlexDR's defaults, added to its attributes so the answer says what applies.
 * 2. Store the OpenADR object first, under its unique `programName` (409 leaves nothing behind).
 * 3. Store the FlexDR program under the same id; if that fails, take the object back.
 * 4. Announce CREATE to subscriptions.
 */
export async function createProgram(deps: ProgramDeps, caller: OpenadrCaller, request: ProgramRequest) {
  requireBl(caller);
  const id = newObjectId();
  const flexdr = programToFlexdr(request, id);
  const body = {
    ...newMetadata(deps, 'PROGRAM', id),
    ...definedFields(request),
    attributes: withStatedRules(request.attributes),
  };
  const object: OpenadrObject<'PROGRAM'> = {
    objectType: 'PROGRAM',
    ...ownedBy(body, caller.clientId, request.programName),
  };
  await createWithCounterpart(deps, object, () => deps.programs.put(flexdr));
  return body;
}

/**
 * Replaces a program.
 * 1. Map it (400); load the object (404).
 * 2. Replace the object (409 on a taken name or a concurrent change), then the FlexDR program:
 *    new events settle with the new rules, as after a native `PUT /programs/{id}`.
 * 3. Announce UPDATE.
 */
export async function updateProgram(
  deps: ProgramDeps,
  caller: OpenadrCaller,
  programId: string,
  request: ProgramRequest,
) {
  requireBl(caller);
  const flexdr = programToFlexdr(request, programId);
  const previous = await mustGet(deps, 'PROGRAM', programId);
  const body = {
    ...changedMetadata(deps, previous),
    ...definedFields(request),
    attributes: withStatedRules(request.attributes),
  };
  await deps.openadr.replace({ ...previous, body, uniqueName: request.programName }, previous);
  await deps.programs.put(flexdr);
  await announce(deps, 'PROGRAM', 'UPDATE', body);
  return body;
}

/**
 * Deletes a program's OpenADR object (its name is free again) and answers it. The FlexDR program
 * stays: events already accepted under it are still planned, evaluated and settled against its
 * rules. New OpenADR events for it are refused, since they must name an existing program object.
 */
export async function deleteProgram(deps: ProgramDeps, caller: OpenadrCaller, programId: string) {
  requireBl(caller);
  const found = await mustGet(deps, 'PROGRAM', programId);
  await deps.openadr.delete(found);
  await announce(deps, 'PROGRAM', 'DELETE', found.body);
  return found.body;
}
