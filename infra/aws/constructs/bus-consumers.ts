/**
 * Rules on the bus for the coordinator's own consumers (STYLE 13): the shared patterns, Lambda
 * targets with retries, and one encrypted SQS dead-letter queue for them all that also receives the
 * invocations a function itself failed (their on-failure destination). A queued subscription's rule
 * targets its own queue instead, read by the function with bounded concurrency
 * (`BusSubscription.queue`), the same dead-letter queue behind it.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { busFunctions } from '../../../functions/definitions.ts';
import {
  type BusSubscription,
  type BusSubscriptionName,
  busSubscriptions,
  subscriptionPattern,
} from '../../../functions/routes.ts';
import type { CoordinatorFunctions } from './coordinator-functions.ts';
import { toEventPattern } from './event-pattern.ts';

export interface BusConsumersProps {
  bus: IEventBus;
  functions: CoordinatorFunctions;
}

export class BusConsumers extends Construct {
  /**
   * One queue for every consumer: what a rule could not deliver (its message attributes name the
   * rule and target) and what a function kept failing on (Lambda's record names the function). One
   * alarm watches it; a queue per consumer cost two resources each in a stack near its limit.
   */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: BusConsumersProps) {
    super(scope, id);
    const dlq = new Queue(this, 'Dlq', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the rule targets; an alarm watches its depth.',
    });
    this.deadLetterQueue = dlq;
    for (const sub of busSubscriptions as readonly BusSubscription[]) {
      const fn = props.functions.consumers.get(sub.name as BusSubscriptionName);
      if (!fn) throw new Error(`no function for subscription ${sub.name}`);
      const rule = new Rule(this, `Rule-${sub.name}`, {
        eventBus: props.bus,
        description: `${sub.message} → ${sub.name}`,
        eventPattern: toEventPattern(subscriptionPattern(sub)),
      });
      if (sub.queue) {
        // The rule puts each message on the queue; the function reads batches of it, at most
        // `maxConcurrency` at once. A message that keeps failing goes to the same dead-letter queue.
        const timeout = busFunctions[sub.name as BusSubscriptionName].timeoutSeconds;
        const queue = new Queue(this, `Queue-${sub.name}`, {
          // Lambda's advice: six times the function's timeout, so a batch being worked on is not
          // handed to another invocation meanwhile.
          visibilityTimeout: Duration.seconds(6 * timeout),
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
        });
        rule.addTarget(
          new SqsQueue(queue, { deadLetterQueue: dlq, retryAttempts: 8, maxEventAge: Duration.hours(2) }),
        );
        fn.addEventSource(
          new SqsEventSource(queue, {
            batchSize: sub.queue.batchSize,
            maxConcurrency: sub.queue.maxConcurrency,
            reportBatchItemFailures: true,
          }),
        );
        continue;
      }
      // A message the function keeps failing on (after Lambda's own retries of the asynchronous
      // invocation) lands in the same queue as one EventBridge could not deliver: nothing is dropped.
      fn.configureAsyncInvoke({ onFailure: new SqsDestination(dlq), retryAttempts: 2 });
      rule.addTarget(
        new LambdaFunction(fn, { deadLetterQueue: dlq, retryAttempts: 8, maxEventAge: Duration.hours(2) }),
      );
    }
  }
}
