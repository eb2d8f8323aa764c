import { commandsOfBuilding } from '../../lib/app/queries.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /buildings/{buildingId}/commands: newest first; how a BMS without a webhook pulls its commands. */
export const { handler, makeHandler } = httpRoute('building-commands', {
  async run({ deps, who, params, query }) {
    return { statusCode: 200, body: await commandsOfBuilding(deps, who, params.buildingId, query) };
  },
});
