/**
 * EventBridge Scheduler for the one-time schedules the core creates (acknowledgement deadlines,
 * evaluation after the window): a group, and a role the schedules assume that can only put events
 * on the bus. Functions that create schedules get exactly that, and the right to pass the role.
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { FlexdrFunction } from './flexdr-function.ts';

export interface SchedulesProps {
  bus: IEventBus;
  groupName: string;
}

export class Schedules extends Construct {
  readonly role: Role;
  readonly groupName: string;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    this.groupName = props.groupName;
    new CfnScheduleGroup(this, 'Group', { name: props.groupName });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Assumed by FlexDR one-time schedules: may only put events on the flexdr bus',
    });
    props.bus.grantPutEventsTo(this.role);
  }

  /** Lets `fn` create and delete schedules in the group that assume the role, nothing else. */
  grantManage(fn: FlexdrFunction, busArn: string): void {
    const stack = Stack.of(this);
    fn.addEnvironment('SCHEDULE_GROUP', this.groupName);
    fn.addEnvironment('SCHEDULER_ROLE_ARN', this.role.roleArn);
    fn.addEnvironment('BUS_ARN', busArn);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
        resources: [
          `arn:${stack.partition}:scheduler:${stack.region}:${stack.account}:schedule/${this.groupName}/*`,
        ],
      }),
    );
    this.role.grantPassRole(fn.grantPrincipal);
    const token = (v: string, name: string) => (Token.isUnresolved(v) ? `<AWS::${name}>` : v);
    Validations.of(fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${token(stack.region, 'Region')}:${token(stack.account, 'AccountId')}:schedule/${this.groupName}/*]`,
      reason:
        'Schedules are named per event at run time; the grant is limited to the one FlexDR schedule group.',
    });
  }
}
