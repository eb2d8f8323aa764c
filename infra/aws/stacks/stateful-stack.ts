/**
 * What holds data and must outlive deployments: the coordinator's table, the idempotency table,
 * and the `flexdr` bus with its archive for replay. Exposes intent-named grants (STYLE 12).
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { INDEX } from '../../../lib/adapters/dynamodb/table.ts';
import { BUS_NAME, SOURCE } from '../../../lib/messages.ts';
import type { DeployConfig } from '../config.ts';
import type { FlexdrFunction } from '../constructs/flexdr-function.ts';
import { TableFromLayout } from '../constructs/table-from-layout.ts';

/** The bus's name in a stage: stable, so that other stacks may find it by name. */
export const busNameOf = (stage: string) => `${BUS_NAME}-${stage}`;

export interface StatefulStackProps extends StackProps {
  config: DeployConfig;
  /** The table layout shared with the local runtime. */
  layout: CreateTableCommandInput;
  ttlAttribute: string;
}

export class StatefulStack extends Stack {
  readonly table: TableV2;
  readonly idempotencyTable: TableV2;
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const retain = props.config.retainData;
    this.table = new TableFromLayout(this, 'Table', {
      layout: props.layout,
      timeToLiveAttribute: props.ttlAttribute,
      retain,
    });
    // Powertools idempotency records: key `id`, expiry `expiration`.
    this.idempotencyTable = new TableV2(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.bus = new EventBus(this, 'Bus', { eventBusName: busNameOf(props.config.stage) });
    new Archive(this, 'Archive', {
      sourceEventBus: this.bus,
      archiveName: busNameOf(props.config.stage),
      description: 'Every FlexDR message, for replay',
      eventPattern: { source: Object.values(SOURCE) },
      retention: Duration.days(365),
    });
  }

  /** Read access to the coordinator's table (grant `table:read`). */
  grantReadData(fn: FlexdrFunction): void {
    fn.bindTable(this.table, 'TABLE_NAME', 'read', Object.values(INDEX));
  }

  /** Read and write access to the coordinator's table (grant `table:write`). */
  grantWriteData(fn: FlexdrFunction): void {
    fn.bindTable(this.table, 'TABLE_NAME', 'write', Object.values(INDEX));
  }

  /** Powertools idempotency records (grant `idempotency`). */
  grantIdempotency(fn: FlexdrFunction): void {
    fn.bindTable(this.idempotencyTable, 'IDEMPOTENCY_TABLE_NAME', 'write');
  }

  /** Publishing on the bus (grant `publish`). */
  grantPublish(fn: FlexdrFunction): void {
    fn.bindBus(this.bus);
  }
}
