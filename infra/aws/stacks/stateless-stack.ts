/**
 * What can be redeployed freely: functions, the HTTP API, the consumers' bus rules and schedules,
 * composed of one construct per concern and joined to the stateful stack by typed props. Alarms on
 * them live in the observability stack.
 */
import { CrossStackReferences, ReferenceStrength, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ClaimMapping } from '../../../functions/commons/claims.ts';
import { outboxRelayFunction, preTokenFunction, reconcileFunction } from '../../../functions/definitions.ts';
import type { DeployConfig } from '../config.ts';
import { BusConsumers } from '../constructs/bus-consumers.ts';
import { CoordinatorFunctions } from '../constructs/coordinator-functions.ts';
import type { FlexdrFunction } from '../constructs/flexdr-function.ts';
import { FlexdrHttpApi } from '../constructs/http-api.ts';
import { OutboxRelay } from '../constructs/outbox-relay.ts';
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

/** The settings every function reads, from the deployment's configuration. */
export function functionSettings(config: DeployConfig): Record<string, string> {
  const { identity } = config;
  return {
    ACK_TIMEOUT_MINUTES: String(config.ackTimeoutMinutes),
    SETTLE_DELAY_MINUTES: String(config.settleDelayMinutes),
    // Cognito's claims are the functions' default; another issuer's are named.
    ...(identity.provider === 'oidc'
      ? { IDENTITY_CLAIMS: JSON.stringify(ClaimMapping.parse(identity.claims)) }
      : {}),
  };
}

/**
 * Whether Lambda's X-Ray integration exists in `region`: not in the AWS China partition. An
 * unresolved region (an environment-agnostic synth) is taken as a global one.
 */
export function regionHasTracing(region: string | undefined): boolean {
  return region === undefined || Token.isUnresolved(region) || !region.startsWith('cn-');
}

export class StatelessStack extends Stack {
  readonly functions: CoordinatorFunctions;
  readonly httpApi: FlexdrHttpApi;
  readonly schedules: Schedules;
  /** The bus consumers' dead-letter queues, for alarms. */
  readonly deadLetterQueues: readonly Queue[];

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    // Weak references to the data stack (Fn::GetStackOutput, no exports): an export would forbid the
    // data stack to change or replace the table or bus while this stack imports it.
    CrossStackReferences.of(this).consume(ReferenceStrength.WEAK);
    const { config, data } = props;
    const logRetention = RETENTION[config.logRetentionDays];

    this.schedules = new Schedules(this, 'Schedules', { bus: data.bus, groupName: `flexdr-${config.stage}` });
    this.functions = new CoordinatorFunctions(this, 'Functions', {
      data,
      schedules: this.schedules,
      logRetention,
      environment: functionSettings(config),
      tracing: regionHasTracing(this.region),
      // The token hook exists only where Cognito issues the tokens.
      omit: config.identity.provider === 'cognito' ? [] : [preTokenFunction.id],
    });

    this.httpApi = new FlexdrHttpApi(this, 'Http', {
      functions: this.functions,
      logRetention,
      retain: config.retainData,
      identity: config.identity,
      stage: config.stage,
    });
    const consumers = new BusConsumers(this, 'Consumers', { bus: data.bus, functions: this.functions });
    const outbox = new OutboxRelay(this, 'Outbox', {
      table: data.table,
      relay: this.functions.byId.get(outboxRelayFunction.id) as FlexdrFunction,
      reconciler: this.functions.byId.get(reconcileFunction.id) as FlexdrFunction,
    });
    this.deadLetterQueues = [consumers.deadLetterQueue, outbox.deadLetterQueue];
  }
}
