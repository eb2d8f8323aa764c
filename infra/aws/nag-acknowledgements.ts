/**
 * cdk-nag AwsSolutions findings FlexDR accepts, each with its reason (STYLE 14). Anything not listed
 * here fails the infra tests.
 */
import { Validations } from 'aws-cdk-lib';
import type { ObservabilityStack } from './stacks/observability-stack.ts';
import type { StatefulStack } from './stacks/stateful-stack.ts';
import type { StatelessStack } from './stacks/stateless-stack.ts';

/**
 * Accepts the findings of each stack, scoped to it. Only the service stack has any (its functions
 * and their roles); the data and observability stacks are taken so that a finding of theirs is
 * acknowledged here, on its own stack, with its reason.
 */
export function acknowledgeFindings(
  _data: StatefulStack,
  service: StatelessStack,
  _observability: ObservabilityStack,
): void {
  const acks = Validations.of(service);
  acks.acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'Lambda execution roles use AWSLambdaBasicExecutionRole, which allows CloudWatch Logs only: the narrowest policy AWS offers for it.',
  });
  acks.acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Pinned to Node.js 22, the runtime the code and its tests target; moving runtime is a deliberate, tested change.',
  });
  acks.acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions; nothing else is granted on *.',
  });
}
