import { describe, expect, it } from 'vitest';
import { wiringFromEnvironment } from '../../functions/commons/deps.ts';

const ENV = { TABLE_NAME: 'flexdr-test', IDEMPOTENCY_TABLE_NAME: 'flexdr-test-idempotency' };

// A function deployed without the scheduler's grant and variables must fail loudly, not skip the work.
describe('a function deployed without the scheduler', () => {
  it('refuses to cancel a schedule, naming what is missing', async () => {
    // Prepare
    const { deps } = wiringFromEnvironment({ id: 'Http-test', grants: ['table:write'] }, ENV);
    // Act / Assess
    await expect(deps.scheduler.cancel('ack-e1-r1')).rejects.toThrow(/SCHEDULER_ROLE_ARN.*'ack-e1-r1'/);
    await expect(deps.scheduler.scheduleOnce('ack-e1-r1', 0, {} as never)).rejects.toThrow(
      /no scheduler configured/,
    );
  });

  it('granted the scheduler but given none of its variables, fails at cold start naming each', () => {
    expect(() =>
      wiringFromEnvironment({ id: 'Http-test', grants: ['table:write', 'scheduler'] }, ENV),
    ).toThrow(/Http-test.*BUS_ARN: .*SCHEDULER_ROLE_ARN: .*SCHEDULE_GROUP: /);
  });
});
