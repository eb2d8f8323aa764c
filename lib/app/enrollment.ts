/** Parks, buildings and programs: what park managers and operators enroll and edit. */
import { NotFoundError } from '../domain/errors.ts';
import type { Building, Park } from '../domain/model/building.ts';
import type { Program } from '../domain/model/program.ts';
import type { Page, PageRequest } from '../ports.ts';
import { type Principal, requireBuilding, requirePark, requireRole } from './auth.ts';
import type { Deps } from './config.ts';

/** The ports of parks, buildings and programs: each use-case below takes only those it uses. */
type Parks = Pick<Deps, 'parks'>;
type Buildings = Pick<Deps, 'buildings'>;
type Programs = Pick<Deps, 'programs'>;
/** Deleting a building also deletes its telemetry and its reservations. */
type BuildingData = Pick<Deps, 'buildings' | 'telemetry' | 'reservations'>;

/**
 * Creates or replaces a park.
 * 1. Operators may write any park; a park manager only a park bound to them.
 * 2. Store it.
 */
export async function putPark(deps: Parks, who: Principal, park: Park): Promise<Park> {
  requireRole(who, 'operator', 'parkManager');
  requirePark(who, park.parkId);
  await deps.parks.put(park);
  return park;
}

export async function getPark(deps: Parks, who: Principal, parkId: string): Promise<Park> {
  requirePark(who, parkId);
  const park = await deps.parks.get(parkId);
  if (!park) throw new NotFoundError(`park '${parkId}' not found`);
  return park;
}

/** Operators list every park; park managers see only theirs. */
export async function listParks(deps: Parks, who: Principal, page: PageRequest): Promise<Page<Park>> {
  requireRole(who, 'operator', 'parkManager');
  if (who.role === 'operator') return deps.parks.list(page);
  const parks = await Promise.all(who.parkIds.map((id) => deps.parks.get(id)));
  return { items: parks.filter((p): p is Park => p !== undefined) };
}

/** Deletes a park that has no buildings left. */
export async function deletePark(deps: Parks, who: Principal, parkId: string): Promise<void> {
  await getPark(deps, who, parkId);
  await deps.parks.delete(parkId);
}

/**
 * Creates or replaces a building.
 * 1. The caller must manage the building's park (and, on update, the park it is in now).
 * 2. The park must exist.
 * 3. Store it.
 */
export async function putBuilding(
  deps: Parks & Buildings,
  who: Principal,
  building: Building,
): Promise<Building> {
  requireRole(who, 'operator', 'parkManager');
  requirePark(who, building.parkId);
  const existing = await deps.buildings.get(building.buildingId);
  if (existing) requirePark(who, existing.parkId);
  if (!(await deps.parks.get(building.parkId)))
    throw new NotFoundError(`park '${building.parkId}' not found`);
  await deps.buildings.put(building);
  return building;
}

export async function getBuilding(deps: Buildings, who: Principal, buildingId: string): Promise<Building> {
  const building = await deps.buildings.get(buildingId);
  // Missing is 404; present but outside the caller's parks or buildings is 403 (docs/api.md, roles and tokens).
  if (!building) throw new NotFoundError(`building '${buildingId}' not found`);
  requireBuilding(who, building);
  return building;
}

/**
 * Deletes a building with its data, so that a building created later under the same id (in any
 * park) starts empty.
 * 1. Operators, or the manager of the building's park.
 * 2. Delete its state, profile, readings and reservations, then the building: a failure half-way
 *    leaves the building in place, so the same DELETE, sent again, finishes the job.
 */
export async function deleteBuilding(deps: BuildingData, who: Principal, buildingId: string): Promise<void> {
  requireRole(who, 'operator', 'parkManager');
  const building = await getBuilding(deps, who, buildingId);
  requirePark(who, building.parkId);
  await deps.telemetry.deleteOf(buildingId);
  await deps.reservations.deleteOf(buildingId);
  await deps.buildings.delete(buildingId);
}

export async function listBuildings(
  deps: Buildings,
  who: Principal,
  parkId: string,
  page: PageRequest,
): Promise<Page<Building>> {
  requirePark(who, parkId);
  return deps.buildings.listByPark(parkId, page);
}

/** Programs (baseline method and settlement rules) are the grid operator's. */
export async function putProgram(deps: Programs, who: Principal, program: Program): Promise<Program> {
  requireRole(who, 'operator');
  await deps.programs.put(program);
  return program;
}

export async function getProgram(deps: Programs, who: Principal, programId: string): Promise<Program> {
  requireRole(who, 'operator', 'parkManager');
  const program = await deps.programs.get(programId);
  if (!program) throw new NotFoundError(`program '${programId}' not found`);
  return program;
}
