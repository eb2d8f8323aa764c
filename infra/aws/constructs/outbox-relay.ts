/**
 * The outbox's two readers on AWS (issue 15): the relay function reads the table's stream,
 * filtered to outbox inserts, and puts each message on the bus (a failed batch is bisected and
 * retried; what still fails goes to a dead-letter queue that an alarm watches); the reconciler runs
 * every few minutes from an EventBridge Scheduler schedule and moves what did not move by itself.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RECONCILE_EVERY_MINUTES } from '../../../functions/definitions.ts';
import type { FlexdrFunction } from './flexdr-function.ts';

export interface OutboxRelayProps {
  table: TableV2;
  relay: FlexdrFunction;
  reconciler: FlexdrFunction;
}

export class OutboxRelay extends Construct {
  /** Stream batches the relay kept failing on. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: OutboxRelayProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'RelayDlq', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the dead-letter queue of the outbox relay's stream; an alarm watches its depth.",
    });
    props.relay.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        retryAttempts: 10,
        reportBatchItemFailures: true,
        parallelizationFactor: 4,
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { type: { S: FilterRule.isEqual('outbox') } } },
          }),
        ],
      }),
    );
    const role = new Role(this, 'ReconcileRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
    });
    role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['lambda:InvokeFunction'],
        resources: [props.reconciler.functionArn],
      }),
    );
    new CfnSchedule(this, 'Reconcile', {
      description: 'FlexDR reconciler: late outbox entries, stuck events, interrupted cancellations',
      scheduleExpression: `rate(${RECONCILE_EVERY_MINUTES} minutes)`,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: props.reconciler.functionArn,
        roleArn: role.roleArn,
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 300 },
      },
    });
  }
}
