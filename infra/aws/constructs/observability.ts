/**
 * Alarms to an SNS topic (dead-letter queues not empty, function errors and throttles, PutEvents
 * entries that finally failed, API 5xx) and a dashboard of what the coordinator does.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FlexdrFunction } from './flexdr-function.ts';

export interface ObservabilityProps {
  functions: readonly FlexdrFunction[];
  deadLetterQueues: readonly Queue[];
  api: HttpApi;
  alarmEmail?: string | undefined;
  stage: string;
}

/** A metric the handlers emit through Powertools. */
const flexdr = (metricName: string, statistic = 'Sum') =>
  new Metric({
    namespace: 'FlexDR',
    metricName,
    dimensionsMap: { service: 'flexdr' },
    statistic,
    period: Duration.minutes(5),
  });

export class Observability extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    // A customer-managed key: CloudWatch cannot use the AWS-managed `alias/aws/sns`, whose policy
    // it cannot be added to, so alarms on a topic encrypted with it never notify anyone.
    const key = new Key(this, 'AlarmsKey', {
      description: `Encrypts the FlexDR ${props.stage} alarm topic; usable by CloudWatch alarms`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.grant(
      new ServicePrincipal('cloudwatch.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    this.topic = new Topic(this, 'Alarms', {
      displayName: `FlexDR ${props.stage} alarms`,
      enforceSSL: true,
      masterKey: key,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);
    const alarmOn = (name: string, metric: Metric | MathExpression, description: string) => {
      const alarm = new Alarm(this, name, {
        metric,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };

    for (const [i, q] of props.deadLetterQueues.entries())
      alarmOn(
        `DlqDepth${i}`,
        q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        `messages are waiting in dead-letter queue ${q.node.path}`,
      );
    for (const fn of props.functions) {
      alarmOn(
        `Errors-${fn.node.id}`,
        fn.metricErrors({ period: Duration.minutes(5) }),
        `${fn.node.id} failed`,
      );
      alarmOn(
        `Throttles-${fn.node.id}`,
        fn.metricThrottles({ period: Duration.minutes(5) }),
        `${fn.node.id} was throttled`,
      );
    }
    alarmOn(
      'PutEventsFailed',
      flexdr('PutEventsFailedEntries'),
      'commands or messages could not be put on the bus',
    );
    alarmOn(
      'StrandedEvents',
      flexdr('StrandedEvents'),
      'the reconciler found events that did not move by themselves (stuck, or a cancellation interrupted) and moved them',
    );
    alarmOn(
      'OutboxRelayedLate',
      flexdr('OutboxRelayedLate'),
      "outbox entries waited past the stream's relay and were relayed by the reconciler",
    );
    alarmOn(
      'Api5xx',
      props.api.metricServerError({ period: Duration.minutes(5) }),
      'the HTTP API answered 5xx',
    );

    const ackRate = new MathExpression({
      expression: 'IF(acked + declined > 0, 100 * acked / (acked + declined), 0)',
      usingMetrics: { acked: flexdr('CommandsAcknowledged'), declined: flexdr('CommandsDeclined') },
      label: 'acknowledgement rate %',
      period: Duration.minutes(5),
    });
    new Dashboard(this, 'Dashboard', {
      dashboardName: `flexdr-${props.stage}`,
      widgets: [
        [
          new GraphWidget({
            title: 'Events handled',
            left: [flexdr('EventsAccepted'), flexdr('EventsSettled')],
          }),
          new GraphWidget({
            title: 'Commands dispatched',
            left: [flexdr('CommandsDispatched'), flexdr('PutEventsFailedEntries')],
          }),
        ],
        [
          new GraphWidget({ title: 'Acknowledgement rate', left: [ackRate] }),
          new GraphWidget({ title: 'Delivery ratio', left: [flexdr('DeliveryRatio', 'Average')] }),
        ],
        [
          new GraphWidget({
            title: 'Outbox',
            left: [flexdr('OutboxRelayed'), flexdr('OutboxRelayedLate'), flexdr('StrandedEvents')],
          }),
        ],
      ],
    });
  }
}
