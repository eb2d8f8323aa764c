/**
 * The BMS integrations (a rule, a dead-letter queue and a webhook destination or a command queue
 * each), in a stack of their own: at the 50 the configuration allows they would push the stateless
 * stack past CloudFormation's resource limit. The bus is found by its stable name, so nothing here
 * holds the data stack to an export, and integrations come and go without touching the functions.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { BmsIntegration } from '../config.ts';
import { BmsIntegrations } from '../constructs/bms-integrations.ts';

export interface IntegrationsStackProps extends StackProps {
  stage: string;
  /** The `flexdr` bus's name (`busNameOf(stage)`). */
  busName: string;
  integrations: readonly BmsIntegration[];
  /** `ackTimeoutMinutes`: how long a command may take to reach its BMS. */
  ackTimeoutMinutes: number;
}

export class IntegrationsStack extends Stack {
  readonly integrations: BmsIntegrations;

  constructor(scope: Construct, id: string, props: IntegrationsStackProps) {
    super(scope, id, props);
    this.integrations = new BmsIntegrations(this, 'BmsIntegrations', {
      bus: EventBus.fromEventBusName(this, 'Bus', props.busName),
      integrations: props.integrations,
      ackTimeoutMinutes: props.ackTimeoutMinutes,
    });
    // What is deployed, by a stable name; it also keeps the stack non-empty at zero integrations, so
    // removing the last one removes its rule rather than leaving a stack no deploy touches.
    const deployed = JSON.stringify(props.integrations.map((i) => ({ id: i.id, mode: i.mode })));
    new StringParameter(this, 'Deployed', {
      parameterName: `/flexdr/${props.stage}/bms-integrations`,
      description: 'The BMS integrations deployed in this stage (id and mode)',
      stringValue: deployed,
      tier: deployed.length > 4000 ? ParameterTier.ADVANCED : ParameterTier.STANDARD,
    });
  }
}
