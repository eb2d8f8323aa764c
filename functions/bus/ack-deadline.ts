import { ackDeadlineReached } from '../../lib/app/lifecycle.ts';
import { busConsumer } from '../commons/bus.ts';

/** `AckDeadlineReached` (a one-time schedule) → silent buildings count as declined. */
export const { handler, makeHandler } = busConsumer('ack-deadline', ackDeadlineReached);
