/**
 * Alarms, their topic and the dashboard, in a stack of their own: one alarm per function and per
 * dead-letter queue would otherwise push the stateless stack past CloudFormation's 500 resources.
 * Joined to the stateless stack by typed props.
 */
import { CrossStackReferences, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Observability, type ObservabilityProps } from '../constructs/observability.ts';

export interface ObservabilityStackProps extends StackProps, ObservabilityProps {}

export class ObservabilityStack extends Stack {
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    // Weak references (Fn::GetStackOutput, no exports): a strong import would forbid the stateless
    // stack to remove or replace a function or queue while an alarm here still watches it. Alarms
    // follow whatever the stateless stack deploys; this stack deploys after it.
    CrossStackReferences.of(this).consume(ReferenceStrength.WEAK);
    this.observability = new Observability(this, 'Observability', props);
  }
}
