import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildDeps } from '../../functions/commons/deps.ts';
import { resetEnv } from '../../functions/commons/env.ts';

// A function deployed without the scheduler's grant and variables must fail loudly, not skip the work.
describe('a function deployed without the scheduler', () => {
  beforeEach(() => {
    vi.stubEnv('TABLE_NAME', 'flexdr-test');
    vi.stubEnv('IDEMPOTENCY_TABLE_NAME', 'flexdr-test-idempotency');
    vi.stubEnv('BUS_ARN', undefined);
    vi.stubEnv('SCHEDULER_ROLE_ARN', undefined);
    resetEnv();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    resetEnv();
  });

  it('refuses to cancel a schedule, naming what is missing', async () => {
    // Prepare
    const deps = buildDeps();
    // Act / Assess
    await expect(deps.scheduler.cancel('ack-e1-r1')).rejects.toThrow(/SCHEDULER_ROLE_ARN.*'ack-e1-r1'/);
    await expect(deps.scheduler.scheduleOnce('ack-e1-r1', 0, {} as never)).rejects.toThrow(
      /no scheduler configured/,
    );
  });
});
