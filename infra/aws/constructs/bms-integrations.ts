/**
 * One rule per BMS integration, matching its buildings' commands: to an HTTPS webhook through an
 * API destination (API-key connection), or to an SQS queue the integrator polls. DLQs on both.
 */
import { Duration, SecretValue, Validations } from 'aws-cdk-lib';
import {
  ApiDestination,
  Authorization,
  Connection,
  HttpMethod,
  type IEventBus,
  Rule,
} from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { AccountPrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { integrationPattern } from '../../../functions/routes.ts';
import type { BmsIntegration } from '../config.ts';
import { toEventPattern } from './event-pattern.ts';

export interface BmsIntegrationsProps {
  bus: IEventBus;
  integrations: readonly BmsIntegration[];
}

export class BmsIntegrations extends Construct {
  readonly deadLetterQueues: Queue[] = [];
  readonly queues = new Map<string, Queue>();

  constructor(scope: Construct, id: string, props: BmsIntegrationsProps) {
    super(scope, id);
    const queue = (name: string, deadLetterQueue?: Queue) =>
      new Queue(this, name, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        ...(deadLetterQueue ? { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 } } : {}),
      });
    for (const integration of props.integrations) {
      const dlq = queue(`Dlq-${integration.id}`);
      Validations.of(dlq).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter queue of the integration; an alarm watches its depth.',
      });
      this.deadLetterQueues.push(dlq);
      const rule = new Rule(this, `Rule-${integration.id}`, {
        eventBus: props.bus,
        description: `commands for BMS integration ${integration.id}`,
        eventPattern: toEventPattern(integrationPattern(integration.id)),
      });
      if (integration.mode === 'webhook') {
        const connection = new Connection(this, `Connection-${integration.id}`, {
          authorization: Authorization.apiKey(
            integration.apiKeyHeader,
            SecretValue.secretsManager(integration.apiKeySecretName),
          ),
        });
        const destination = new ApiDestination(this, `Destination-${integration.id}`, {
          connection,
          endpoint: integration.url,
          httpMethod: HttpMethod.POST,
          rateLimitPerSecond: integration.invocationsPerSecond,
        });
        rule.addTarget(
          new ApiDestinationTarget(destination, {
            deadLetterQueue: dlq,
            retryAttempts: 24,
            maxEventAge: Duration.hours(6),
          }),
        );
      } else {
        const commands = queue(`Commands-${integration.id}`, dlq);
        this.queues.set(integration.id, commands);
        if (integration.consumerAccountId)
          commands.grantConsumeMessages(new AccountPrincipal(integration.consumerAccountId));
        rule.addTarget(
          new SqsQueue(commands, { deadLetterQueue: dlq, retryAttempts: 24, maxEventAge: Duration.hours(6) }),
        );
      }
    }
  }
}
