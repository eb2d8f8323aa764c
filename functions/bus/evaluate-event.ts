import { evaluateEvent } from '../../lib/app/evaluation.ts';
import { busConsumer } from '../commons/bus.ts';

/** `EvaluationDue` (a one-time schedule after the window) → measure delivery and settle. */
export const handler = busConsumer('EvaluationDue', async (deps, detail) => {
  await evaluateEvent(deps, detail.eventId);
});
