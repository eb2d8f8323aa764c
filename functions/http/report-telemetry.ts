import { reportTelemetry } from '../../lib/app/telemetry.ts';
import { httpRoute } from '../commons/http.ts';

/** POST /buildings/{buildingId}/telemetry: a BMS reports state and meter readings (re-sends are harmless). */
export const { handler, makeHandler } = httpRoute('report-telemetry', {
  async run({ deps, who, params, body }) {
    return { statusCode: 202, body: await reportTelemetry(deps, who, params.buildingId, body) };
  },
});
