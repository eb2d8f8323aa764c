import { requestReplan } from '../../lib/app/lifecycle.ts';
import { busConsumer } from '../commons/bus.ts';

/** `CommandDeclined` → ask for a re-plan of the event (debounced: one for all its declines in a period). */
export const { handler, makeHandler } = busConsumer('redispatch-declined', (deps, detail) =>
  requestReplan(deps, detail.eventId),
);
