/**
 * Users' park and building bindings: what a park manager manages and what a BMS speaks for. Only
 * operators, and park managers within their own parks, change them; the identity provider's token
 * hook copies them into tokens (`functions/identity/pre-token.ts`), so no user can bind themselves.
 */
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.ts';
import type { BindingInput, UserBinding } from '../domain/model/binding.ts';
import { type Principal, requireRole } from './auth.ts';
import type { Deps } from './config.ts';

type BindingDeps = Pick<Deps, 'bindings' | 'parks' | 'buildings' | 'clock'>;

/**
 * The ids of `binding` a park manager may not touch: parks not theirs, and buildings not in one of
 * their parks (a building that no longer exists counts as not theirs: only an operator removes it).
 */
async function outsideParks(
  deps: Pick<Deps, 'buildings'>,
  who: Principal,
  binding: Pick<UserBinding, 'parkIds' | 'buildingIds'>,
): Promise<string[]> {
  const parks = binding.parkIds.filter((p) => !who.parkIds.includes(p)).map((p) => `park '${p}'`);
  const found = new Map((await deps.buildings.getMany(binding.buildingIds)).map((b) => [b.buildingId, b]));
  const buildings = binding.buildingIds
    .filter((id) => !who.parkIds.includes(found.get(id)?.parkId ?? ''))
    .map((id) => `building '${id}'`);
  return [...parks, ...buildings];
}

/** Operators touch any binding; a park manager only one lying wholly within their parks. */
async function requireInView(
  deps: Pick<Deps, 'buildings'>,
  who: Principal,
  binding: Pick<UserBinding, 'parkIds' | 'buildingIds'>,
): Promise<void> {
  requireRole(who, 'operator', 'parkManager');
  if (who.role === 'operator') return;
  const outside = await outsideParks(deps, who, binding);
  if (outside.length > 0) throw new ForbiddenError(`you are not bound to ${outside.slice(0, 5).join(', ')}`);
}

/** The binding of `userId`; 404 when it has none. */
export async function getBinding(
  deps: Pick<Deps, 'bindings' | 'buildings'>,
  who: Principal,
  userId: string,
): Promise<UserBinding> {
  requireRole(who, 'operator', 'parkManager');
  const binding = await deps.bindings.get(userId);
  if (!binding) throw new NotFoundError(`user '${userId}' has no binding`);
  await requireInView(deps, who, binding);
  return binding;
}

/**
 * Sets the bindings of `userId`, replacing what was there; they reach the user's next token.
 * 1. A park manager may only write a binding within their parks, over one within their parks.
 * 2. Every park and building named must exist.
 * 3. Store it with who wrote it and when.
 */
export async function putBinding(
  deps: BindingDeps,
  who: Principal,
  userId: string,
  input: BindingInput,
): Promise<UserBinding> {
  requireRole(who, 'operator', 'parkManager');
  const parkIds = [...new Set(input.parkIds)];
  const buildingIds = [...new Set(input.buildingIds)];
  await requireInView(deps, who, { parkIds, buildingIds });
  const existing = await deps.bindings.get(userId);
  if (existing) await requireInView(deps, who, existing);
  const parks = await Promise.all(parkIds.map((p) => deps.parks.get(p)));
  const known = new Set((await deps.buildings.getMany(buildingIds)).map((b) => b.buildingId));
  const issues = [
    ...parkIds.flatMap((p, i) =>
      parks[i] ? [] : [{ path: `parkIds.${i}`, message: `park '${p}' does not exist` }],
    ),
    ...buildingIds.flatMap((b, i) =>
      known.has(b) ? [] : [{ path: `buildingIds.${i}`, message: `building '${b}' does not exist` }],
    ),
  ];
  if (issues.length > 0) throw new ValidationError('the binding names what does not exist', issues);
  const binding: UserBinding = {
    userId,
    parkIds,
    buildingIds,
    updatedAt: new Date(deps.clock.now()).toISOString(),
    updatedBy: who.subject,
  };
  await deps.bindings.put(binding);
  return binding;
}

/** Removes every binding of `userId` (from their next token on). */
export async function deleteBinding(
  deps: Pick<Deps, 'bindings' | 'buildings'>,
  who: Principal,
  userId: string,
): Promise<void> {
  const existing = await getBinding(deps, who, userId);
  await deps.bindings.delete(existing.userId);
}
