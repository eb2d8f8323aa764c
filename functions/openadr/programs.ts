import {
  createProgram,
  deleteProgram,
  getProgram,
  listPrograms,
  updateProgram,
} from '../../lib/app/openadr/programs.ts';
import { openadrHandler, paginate } from './handler.ts';

/**
 * Programs: a BL writes them (each is also a FlexDR program under the same id); a VEN reads the
 * ones with no targets or sharing one of its own.
 */
export const { handler, makeHandler } = openadrHandler('programs', {
  searchAllPrograms: async ({ deps, caller, query }) =>
    paginate(await listPrograms(deps, caller, query), query),
  createProgram: async ({ deps, caller, body }) => createProgram(deps, caller, body),
  searchProgramByProgramId: async ({ deps, caller, params }) => getProgram(deps, caller, params.programID),
  updateProgram: async ({ deps, caller, params, body }) =>
    updateProgram(deps, caller, params.programID, body),
  deleteProgram: async ({ deps, caller, params }) => deleteProgram(deps, caller, params.programID),
});
