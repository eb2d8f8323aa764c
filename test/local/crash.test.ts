/**
 * The runtime killed (SIGKILL) at two steps of an event's life and started again on the same data:
 * right after planning (the dispatch announcement waits in the outbox) and as the evaluation's
 * schedule fires (the schedule is removed only once delivered). Each event still settles exactly
 * once, no building holds more than one standing command, and no DynamoDB Local outlives the
 * killed runtime. `npm run bench:faults` kills it at every step.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrashStep, crashAt, seededStore } from '../../bench/faults.ts';

let seeded: string;
beforeAll(async () => {
  seeded = await seededStore();
}, 180_000);
afterAll(() => rmSync(seeded, { recursive: true, force: true }));

describe('a runtime killed mid-event and started again', () => {
  for (const step of ['after-plan', 'evaluation'] as CrashStep[])
    it(`${step}: the event settles exactly once, one standing command per building`, async () => {
      const o = await crashAt(step, seeded);
      expect(o.killedAt).not.toBe('');
      expect(o.status).toBe('settled');
      expect(o.settlementRevision).toBe(1);
      expect(o.violations).toEqual([]);
      // Killed, the runtime took its DynamoDB Local with it: nothing else holds the store.
      expect(o.orphans).toEqual([]);
    }, 240_000);
});
