/**
 * One rule per BMS integration, matching its buildings' commands: to an HTTPS webhook through an
 * API destination (API-key connection), or to an SQS queue the integrator polls. DLQs on both;
 * delivery bounded by the acknowledgement deadline (`deliveryLimits`).
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
  /** The acknowledgement deadline (`ackTimeoutMinutes`): commands are delivered within it or not at all. */
  ackTimeoutMinutes: number;
}

/** The most an EventBridge API destination sends a second. */
export const API_DESTINATION_MAX_RATE = 300;

/**
 * How an integration's commands are delivered against the acknowledgement deadline:
 * - no later than the deadline (`maxEventAgeSeconds`): a command delivered after it is counted
 *   declined already and its share redispatched, so a late delivery would only contradict the plan;
 *   what could not be delivered in time goes to the dead-letter queue;
 * - for a webhook, at a rate (the configured one, raised if need be) that sends one command per
 *   building of `buildings` within half the deadline, leaving the other half to the BMS to answer.
 *
 * @throws Error naming the integration and the figures when that rate is above what an API
 * destination allows (300 a second): split the integration or use SQS.
 */
export function deliveryLimits(
  integration: BmsIntegration,
  ackTimeoutMinutes: number,
): { maxEventAgeSeconds: number; rateLimitPerSecond?: number } {
  const maxEventAgeSeconds = Math.max(60, ackTimeoutMinutes * 60);
  if (integration.mode !== 'webhook') return { maxEventAgeSeconds };
  const needed = integration.buildings
    ? Math.ceil(integration.buildings / ((ackTimeoutMinutes * 60) / 2))
    : 0;
  const rateLimitPerSecond = Math.max(integration.invocationsPerSecond, needed);
  if (rateLimitPerSecond > API_DESTINATION_MAX_RATE)
    throw new Error(
      `BMS integration ${integration.id}: ${integration.buildings} buildings need ${rateLimitPerSecond} commands a second to go out within half of the ${ackTimeoutMinutes}-minute acknowledgement deadline; an API destination sends at most ${API_DESTINATION_MAX_RATE}. Split the integration, lengthen ackTimeoutMinutes, or use mode "sqs".`,
    );
  return { maxEventAgeSeconds, rateLimitPerSecond };
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
      const limits = deliveryLimits(integration, props.ackTimeoutMinutes);
      const maxEventAge = Duration.seconds(limits.maxEventAgeSeconds);
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
          ...(limits.rateLimitPerSecond ? { rateLimitPerSecond: limits.rateLimitPerSecond } : {}),
        });
        rule.addTarget(
          new ApiDestinationTarget(destination, { deadLetterQueue: dlq, retryAttempts: 24, maxEventAge }),
        );
      } else {
        const commands = queue(`Commands-${integration.id}`, dlq);
        this.queues.set(integration.id, commands);
        if (integration.consumerAccountId)
          commands.grantConsumeMessages(new AccountPrincipal(integration.consumerAccountId));
        rule.addTarget(new SqsQueue(commands, { deadLetterQueue: dlq, retryAttempts: 24, maxEventAge }));
      }
    }
  }
}
