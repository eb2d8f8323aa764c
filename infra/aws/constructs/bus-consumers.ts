/**
 * Rules on the bus for the coordinator's own consumers (STYLE 13): the shared patterns, Lambda
 * targets with retries, and an encrypted SQS dead-letter queue per consumer that also receives the
 * invocations the function itself failed (its on-failure destination).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { busSubscriptions, subscriptionPattern } from '../../../functions/routes.ts';
import type { CoordinatorFunctions } from './coordinator-functions.ts';
import { toEventPattern } from './event-pattern.ts';

export interface BusConsumersProps {
  bus: IEventBus;
  functions: CoordinatorFunctions;
}

export class BusConsumers extends Construct {
  readonly deadLetterQueues: Queue[] = [];

  constructor(scope: Construct, id: string, props: BusConsumersProps) {
    super(scope, id);
    for (const sub of busSubscriptions) {
      const fn = props.functions.consumers.get(sub.name);
      if (!fn) throw new Error(`no function for subscription ${sub.name}`);
      const dlq = new Queue(this, `Dlq-${sub.name}`, {
        retentionPeriod: Duration.days(14),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      Validations.of(dlq).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter queue of a rule target; an alarm watches its depth.',
      });
      this.deadLetterQueues.push(dlq);
      // A message the function keeps failing on (after Lambda's own retries of the asynchronous
      // invocation) lands in the same queue as one EventBridge could not deliver: nothing is dropped.
      fn.configureAsyncInvoke({ onFailure: new SqsDestination(dlq), retryAttempts: 2 });
      new Rule(this, `Rule-${sub.name}`, {
        eventBus: props.bus,
        description: `${sub.message} → ${sub.name}`,
        eventPattern: toEventPattern(subscriptionPattern(sub)),
        targets: [
          new LambdaFunction(fn, { deadLetterQueue: dlq, retryAttempts: 8, maxEventAge: Duration.hours(2) }),
        ],
      });
    }
  }
}
