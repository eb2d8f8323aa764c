import { dispatchPlanned } from '../../lib/app/lifecycle.ts';
import { busConsumer } from '../commons/bus.ts';

/** `DispatchPlanned` → publish the revision's commands, once per revision. */
export const handler = busConsumer('DispatchPlanned', dispatchPlanned, { idempotent: true });
