import { reevaluateEvent } from '../../lib/app/evaluation.ts';
import { httpRoute } from '../commons/http.ts';

/**
 * POST /events/{eventId}/evaluation: evaluate and settle again, as a new revision (operator). What
 * is still open comes as counts; the buildings are in `GET /events/{eventId}/performance`.
 */
export const { handler, makeHandler } = httpRoute('reevaluate-event', {
  async run({ deps, who, params }) {
    const { record, revision } = await reevaluateEvent(deps, who, params.eventId);
    return {
      statusCode: 200,
      body: {
        eventId: record.event.eventId,
        status: record.status,
        settlementRevision: revision,
        awaiting: record.awaiting,
        dataDeadline: record.dataDeadline,
      },
    };
  },
});
