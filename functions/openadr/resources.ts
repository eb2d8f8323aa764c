import {
  createResource,
  deleteResource,
  getResource,
  listResources,
  updateResource,
} from '../../lib/app/openadr/vens.ts';
import { openadrHandler, paginate } from './handler.ts';

/** Resources of vens: the same owners and visibility as their ven; names unique within a ven. */
export const { handler, makeHandler } = openadrHandler('resources', {
  searchVenResources: async ({ deps, caller, query }) =>
    paginate(await listResources(deps, caller, query), query),
  createResource: async ({ deps, caller, body }) => createResource(deps, caller, body),
  searchVenResourceByID: async ({ deps, caller, params }) => getResource(deps, caller, params.resourceID),
  updateVenResource: async ({ deps, caller, params, body }) =>
    updateResource(deps, caller, params.resourceID, body),
  deleteVenResource: async ({ deps, caller, params }) => deleteResource(deps, caller, params.resourceID),
});
