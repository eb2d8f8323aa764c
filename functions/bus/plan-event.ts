import { planAccepted } from '../../lib/app/lifecycle.ts';
import { busConsumer } from '../commons/bus.ts';

/** `GridEventAccepted` → plan the revision (a stale or repeated delivery changes nothing). */
export const { handler, makeHandler } = busConsumer('plan-event', planAccepted);
