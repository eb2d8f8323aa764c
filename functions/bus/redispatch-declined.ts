import { redispatch } from '../../lib/app/lifecycle.ts';
import { busConsumer } from '../commons/bus.ts';

/** `CommandDeclined` → re-allocate the building's share to buildings with flexibility left. */
export const { handler, makeHandler } = busConsumer('redispatch-declined', (deps, detail) =>
  redispatch(deps, detail.eventId, [detail.buildingId]),
);
