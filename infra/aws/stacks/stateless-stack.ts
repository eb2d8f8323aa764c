/**
 * What can be redeployed freely: functions, the HTTP API, bus rules, BMS integrations and schedules,
 * composed of one construct per concern and joined to the stateful stack by typed props. Alarms on
 * them live in the observability stack.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config.ts';
import { BmsIntegrations } from '../constructs/bms-integrations.ts';
import { BusConsumers } from '../constructs/bus-consumers.ts';
import { CoordinatorFunctions } from '../constructs/coordinator-functions.ts';
import { FlexdrHttpApi } from '../constructs/http-api.ts';
import { Schedules } from '../constructs/schedules.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  config: DeployConfig;
  data: StatefulStack;
}

const RETENTION: Record<DeployConfig['logRetentionDays'], RetentionDays> = {
  7: RetentionDays.ONE_WEEK,
  14: RetentionDays.TWO_WEEKS,
  30: RetentionDays.ONE_MONTH,
  90: RetentionDays.THREE_MONTHS,
  180: RetentionDays.SIX_MONTHS,
  365: RetentionDays.ONE_YEAR,
};

/** Functions that create or delete one-time schedules. */
const SCHEDULING = ['dispatch-event', 'cancel-event'];

export class StatelessStack extends Stack {
  readonly functions: CoordinatorFunctions;
  readonly httpApi: FlexdrHttpApi;
  readonly schedules: Schedules;
  readonly integrations: BmsIntegrations;
  /** Every dead-letter queue (bus consumers and BMS integrations), for alarms. */
  readonly deadLetterQueues: readonly Queue[];

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, data } = props;
    const logRetention = RETENTION[config.logRetentionDays];

    this.functions = new CoordinatorFunctions(this, 'Functions', {
      data,
      logRetention,
      environment: {
        ACK_TIMEOUT_MINUTES: String(config.ackTimeoutMinutes),
        SETTLE_DELAY_MINUTES: String(config.settleDelayMinutes),
      },
    });
    this.schedules = new Schedules(this, 'Schedules', { bus: data.bus, groupName: `flexdr-${config.stage}` });
    for (const fn of [...this.functions.consumers.entries(), ...this.functions.http.entries()])
      if (SCHEDULING.includes(fn[0])) this.schedules.grantManage(fn[1], data.bus.eventBusArn);

    this.httpApi = new FlexdrHttpApi(this, 'Http', {
      functions: this.functions,
      logRetention,
      retain: config.retainData,
    });
    const consumers = new BusConsumers(this, 'Consumers', { bus: data.bus, functions: this.functions });
    this.integrations = new BmsIntegrations(this, 'BmsIntegrations', {
      bus: data.bus,
      integrations: config.bmsIntegrations,
    });
    this.deadLetterQueues = [...consumers.deadLetterQueues, ...this.integrations.deadLetterQueues];
  }
}
