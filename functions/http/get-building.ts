import { getBuilding } from '../../lib/app/enrollment.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /buildings/{buildingId}: with its latest state. */
export const { handler, makeHandler } = httpRoute('get-building', {
  async run({ deps, who, params }) {
    const building = await getBuilding(deps, who, params.buildingId);
    const telemetry = (await deps.telemetry.getTelemetry([building.buildingId])).get(building.buildingId);
    return { statusCode: 200, body: { ...building, state: telemetry?.state ?? null } };
  },
});
