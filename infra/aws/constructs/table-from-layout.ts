/**
 * A DynamoDB table built from the same CreateTable input the local runtime uses, so keys and
 * indexes are defined once (in `lib/adapters/dynamodb/table.ts`) and cannot drift.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  Billing,
  type GlobalSecondaryIndexPropsV2,
  ProjectionType,
  StreamViewType,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

export interface TableFromLayoutProps {
  layout: CreateTableCommandInput;
  timeToLiveAttribute?: string | undefined;
  retain: boolean;
}

const TYPES = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const;

export class TableFromLayout extends TableV2 {
  constructor(scope: Construct, id: string, props: TableFromLayoutProps) {
    const { layout } = props;
    const types = new Map((layout.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
    const attribute = (name: string | undefined): Attribute => {
      const type = types.get(name);
      if (!name || !type) throw new Error(`layout: attribute '${name}' has no definition`);
      return { name, type: TYPES[type] };
    };
    const key = (schema: CreateTableCommandInput['KeySchema']) => ({
      partitionKey: attribute(schema?.find((k) => k.KeyType === 'HASH')?.AttributeName),
      sortKey: schema?.some((k) => k.KeyType === 'RANGE')
        ? attribute(schema.find((k) => k.KeyType === 'RANGE')?.AttributeName)
        : undefined,
    });
    const globalSecondaryIndexes: GlobalSecondaryIndexPropsV2[] = (layout.GlobalSecondaryIndexes ?? []).map(
      (g) => ({
        indexName: g.IndexName ?? '',
        ...key(g.KeySchema),
        projectionType:
          g.Projection?.ProjectionType === 'KEYS_ONLY'
            ? ProjectionType.KEYS_ONLY
            : g.Projection?.ProjectionType === 'INCLUDE'
              ? ProjectionType.INCLUDE
              : ProjectionType.ALL,
        ...(g.Projection?.NonKeyAttributes ? { nonKeyAttributes: g.Projection.NonKeyAttributes } : {}),
      }),
    );
    super(scope, id, {
      ...key(layout.KeySchema),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.retain,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      timeToLiveAttribute: props.timeToLiveAttribute,
      globalSecondaryIndexes,
      ...(layout.StreamSpecification?.StreamEnabled
        ? { dynamoStream: StreamViewType[layout.StreamSpecification.StreamViewType ?? 'NEW_IMAGE'] }
        : {}),
    });
  }
}
