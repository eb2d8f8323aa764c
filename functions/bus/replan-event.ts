import { updateBaselines } from '../../lib/app/baseline-update.ts';
import { replanDeclined } from '../../lib/app/lifecycle.ts';
import { refreshBeforeStart, trackDelivery } from '../../lib/app/tracking.ts';
import { busConsumer } from '../commons/bus.ts';
import { logger } from '../commons/powertools.ts';

/**
 * `ReplanDue`: at the end of a debounce period, one re-plan around every building declined so far;
 * at a turn of the closed loop (reason `TRACKING`), the rest of the window corrected from metered
 * response; when a day-of adjustment window has closed before the event (reason `BASELINE`), the
 * commands on estimated baselines sent again on the final ones where that moves their limits; before
 * the start (reason `REFRESH`), asks that no longer fit their buildings' latest states lowered, and the
 * rest asked elsewhere.
 */
export const { handler, makeHandler } = busConsumer('replan-event', async (deps, detail) => {
  if (detail.reason === 'BASELINE') {
    const update = await updateBaselines(deps, detail.eventId);
    logger.info('day-of baseline update', { eventId: detail.eventId, ...update, moved: update.moved.length });
    return;
  }
  if (detail.reason === 'REFRESH') {
    const refresh = await refreshBeforeStart(deps, detail.eventId);
    logger.info('refresh before the start', {
      eventId: detail.eventId,
      lowered: refresh.releasesKw.size,
      ...(refresh.revision ? { revision: refresh.revision } : {}),
    });
    return;
  }
  if (detail.reason !== 'TRACKING') return replanDeclined(deps, detail.eventId);
  const turn = await trackDelivery(deps, detail.eventId, detail.at);
  logger.info('closed loop', { eventId: detail.eventId, ...turn });
});
