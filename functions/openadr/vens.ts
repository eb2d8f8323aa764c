import { createVen, deleteVen, getVen, listVens, updateVen } from '../../lib/app/openadr/vens.ts';
import { openadrHandler, paginate } from './handler.ts';

/**
 * Vens: a BL registers any VEN client and grants its targets; a VEN registers and edits its own
 * (its client id and targets fixed). A VEN sees only its own vens.
 */
export const { handler, makeHandler } = openadrHandler('vens', {
  searchVens: async ({ deps, caller, query }) => paginate(await listVens(deps, caller, query), query),
  createVen: async ({ deps, caller, body }) => createVen(deps, caller, body),
  searchVenByID: async ({ deps, caller, params }) => getVen(deps, caller, params.venID),
  updateVen: async ({ deps, caller, params, body }) => updateVen(deps, caller, params.venID, body),
  deleteVen: async ({ deps, caller, params }) => deleteVen(deps, caller, params.venID),
});
