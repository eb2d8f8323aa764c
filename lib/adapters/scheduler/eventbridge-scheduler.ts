import { createHash } from 'node:crypto';
import {
  ActionAfterCompletion,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  FlexibleTimeWindowMode,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { errorName } from '../../caught-errors.ts';
import type { BusMessage, Scheduler } from '../../ports.ts';

export interface EventBridgeSchedulerOptions {
  group: string;
  /** The bus the schedules put their message on, and the role they assume to do it. */
  busArn: string;
  roleArn: string;
  now?: () => number;
}

/** Schedule names allow 64 characters of [0-9a-zA-Z-_.]; longer or other names are hashed. */
export function scheduleName(name: string): string {
  const safe = name.replace(/[^0-9a-zA-Z\-_.]/g, '_');
  if (safe.length <= 64 && safe === name) return safe;
  return `${safe.slice(0, 40)}-${createHash('sha256').update(name).digest('hex').slice(0, 23)}`;
}

/** `at(...)` wants a UTC time to the second without zone. */
export function atExpression(ms: number): string {
  return `at(${new Date(ms).toISOString().slice(0, 19)})`;
}

/** One-time EventBridge Scheduler schedules that put a bus message at a given time. */
export class EventBridgeScheduler implements Scheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly options: EventBridgeSchedulerOptions,
  ) {}

  async scheduleOnce(name: string, atMs: number, message: BusMessage): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    // The service refuses times in the past; a minute from now is the soonest it reliably accepts.
    const when = Math.max(atMs, now + 60_000);
    try {
      await this.client.send(
        new CreateScheduleCommand({
          Name: scheduleName(name),
          GroupName: this.options.group,
          ScheduleExpression: atExpression(when),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: FlexibleTimeWindowMode.OFF },
          ActionAfterCompletion: ActionAfterCompletion.DELETE,
          Target: {
            Arn: this.options.busArn,
            RoleArn: this.options.roleArn,
            EventBridgeParameters: { DetailType: message.detailType, Source: message.source },
            Input: JSON.stringify(message.detail),
          },
        }),
      );
    } catch (e) {
      // Already scheduled under this name: the same step ran before.
      if (errorName(e) !== 'ConflictException') throw e;
    }
  }

  async cancel(name: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: scheduleName(name), GroupName: this.options.group }),
      );
    } catch (e) {
      if (errorName(e) !== 'ResourceNotFoundException') throw e;
    }
  }
}
