import { replanDeclined } from '../../lib/app/lifecycle.ts';
import { busConsumer } from '../commons/bus.ts';

/** `ReplanDue` (the end of a debounce period) → one re-plan around every building declined so far. */
export const { handler, makeHandler } = busConsumer('replan-event', (deps, detail) =>
  replanDeclined(deps, detail.eventId),
);
