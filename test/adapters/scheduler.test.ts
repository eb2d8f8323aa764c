import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  atExpression,
  EventBridgeScheduler,
  scheduleName,
} from '../../lib/adapters/scheduler/eventbridge-scheduler.ts';

const scheduler = mockClient(SchedulerClient);
afterEach(() => scheduler.reset());

const NOW = Date.parse('2026-12-14T01:00:00Z');
const adapter = new EventBridgeScheduler(new SchedulerClient({ region: 'cn-north-1' }), {
  group: 'flexdr-dev',
  busArn: 'arn:aws:events:cn-north-1:1:event-bus/flexdr',
  roleArn: 'arn:aws:iam::1:role/s',
  now: () => NOW,
});
const message = {
  detailType: 'EvaluationDue',
  source: 'flexdr.scheduler',
  detail: { version: 1 as const, eventId: 'ev' },
};

describe('EventBridgeScheduler', () => {
  it('creates a one-time schedule that puts the message on the bus, then deletes itself', async () => {
    scheduler.on(CreateScheduleCommand).resolves({});
    await adapter.scheduleOnce('eval-ev', Date.parse('2026-12-14T11:30:00Z'), message);
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Name: 'eval-ev',
      GroupName: 'flexdr-dev',
      ScheduleExpression: 'at(2026-12-14T11:30:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: 'arn:aws:events:cn-north-1:1:event-bus/flexdr',
        RoleArn: 'arn:aws:iam::1:role/s',
        EventBridgeParameters: { DetailType: 'EvaluationDue', Source: 'flexdr.scheduler' },
        Input: JSON.stringify(message.detail),
      },
    });
  });

  it('is idempotent by name, and tolerates deleting what is gone', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'ConflictException' }));
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }));
    await expect(adapter.scheduleOnce('eval-ev', NOW + 3_600_000, message)).resolves.toBeUndefined();
    await expect(adapter.cancel('eval-ev')).resolves.toBeUndefined();
    expect(scheduler).toHaveReceivedCommandTimes(DeleteScheduleCommand, 1);
  });

  it('moves a time in the past to a minute from now', async () => {
    scheduler.on(CreateScheduleCommand).resolves({});
    await adapter.scheduleOnce('ack-ev-r1', NOW - 60_000, message);
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      ScheduleExpression: atExpression(NOW + 60_000),
    });
  });

  it('hashes names that are too long or carry other characters', () => {
    const long = `ack-${'x'.repeat(100)}-r1`;
    expect(scheduleName(long)).toHaveLength(64);
    expect(scheduleName(long)).toBe(scheduleName(long));
    expect(scheduleName('ack-imp:2026/1-r1')).toMatch(/^[0-9a-zA-Z\-_.]{1,64}$/);
    expect(scheduleName('ack-imp:2026/1-r1')).not.toBe(scheduleName('ack-imp_2026_1-r1'));
  });
});
