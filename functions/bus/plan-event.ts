import { planAccepted } from '../../lib/app/lifecycle.ts';
import { announceEventFailure } from '../../lib/app/openadr/bl-events.ts';
import { busConsumer } from '../commons/bus.ts';

/**
 * `GridEventAccepted` → plan the revision (a stale or repeated delivery changes nothing); an event
 * that failed tells its BL, when a BL created it (a repeat finds it told).
 */
export const { handler, makeHandler } = busConsumer('plan-event', async (deps, detail) => {
  const record = await planAccepted(deps, detail);
  if (record?.status === 'failed') await announceEventFailure(deps, record);
});
