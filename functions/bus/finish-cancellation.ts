import { cancellationAnnounced } from '../../lib/app/events.ts';
import { busConsumer } from '../commons/bus.ts';

/** `EventCancelled` → a CANCEL to every building still holding a command, schedules deleted, reservations released. */
export const { handler, makeHandler } = busConsumer('finish-cancellation', cancellationAnnounced);
