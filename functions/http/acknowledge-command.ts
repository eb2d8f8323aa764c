import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { acknowledgeCommand } from '../../lib/app/lifecycle.ts';
import { httpRoute } from '../commons/http.ts';
import { metrics } from '../commons/powertools.ts';

/** POST /commands/{commandId}/ack: the building's BMS accepts or declines (a repeat changes nothing). */
export const { handler, makeHandler } = httpRoute('acknowledge-command', {
  async run({ deps, who, params, body }) {
    const record = await acknowledgeCommand(deps, who, params.commandId, body);
    metrics.addMetric(
      body.status === 'ACCEPTED' ? 'CommandsAcknowledged' : 'CommandsDeclined',
      MetricUnit.Count,
      1,
    );
    return { statusCode: 200, body: { commandId: params.commandId, status: record.status } };
  },
});
