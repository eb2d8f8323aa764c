/**
 * Who is calling, and what they may touch. Roles come from the token (a Cognito group on AWS, a
 * signed development token locally); park and building bindings from its custom claims.
 */
import { ForbiddenError } from '../domain/errors.ts';

export type Role = 'operator' | 'parkManager' | 'bms';

export interface Principal {
  subject: string;
  role: Role;
  /** Parks a park manager manages. */
  parkIds: readonly string[];
  /** Buildings a BMS speaks for. */
  buildingIds: readonly string[];
}

/** Fails unless the principal has one of `roles`. */
export function requireRole(p: Principal, ...roles: Role[]): void {
  if (!roles.includes(p.role))
    throw new ForbiddenError(`this action needs the role ${roles.join(' or ')}; you are ${p.role}`);
}

/** Operators see every park; a park manager only their own. */
export function canSeePark(p: Principal, parkId: string): boolean {
  return p.role === 'operator' || (p.role === 'parkManager' && p.parkIds.includes(parkId));
}

export function requirePark(p: Principal, parkId: string): void {
  if (!canSeePark(p, parkId)) throw new ForbiddenError(`you are not bound to park '${parkId}'`);
}

/** A building is visible to operators, its park's manager, and its own BMS. */
export function canSeeBuilding(p: Principal, building: { buildingId: string; parkId: string }): boolean {
  return canSeePark(p, building.parkId) || (p.role === 'bms' && p.buildingIds.includes(building.buildingId));
}

export function requireBuilding(p: Principal, building: { buildingId: string; parkId: string }): void {
  if (!canSeeBuilding(p, building))
    throw new ForbiddenError(`you are not bound to building '${building.buildingId}'`);
}

/** Only the building's own BMS speaks for it (telemetry, acknowledgements). */
export function requireBmsOf(p: Principal, buildingId: string): void {
  requireRole(p, 'bms');
  if (!p.buildingIds.includes(buildingId))
    throw new ForbiddenError(`you are not the BMS of building '${buildingId}'`);
}
