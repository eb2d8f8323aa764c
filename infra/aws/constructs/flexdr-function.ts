/**
 * The house Lambda function (STYLE 11): Node 22 on ARM64, an ESM bundle by the local esbuild
 * (never Docker), minified with source maps, X-Ray tracing, Powertools settings, a log group with
 * retention; and helpers that set an environment variable and its least-privilege grant together.
 */

import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface FlexdrFunctionProps {
  /** Handler file relative to the repository root, e.g. `functions/http/create-event.ts`. */
  entry: string;
  logRetention: RetentionDays;
  timeout?: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
  /** X-Ray tracing, on unless the region has no Lambda integration for it (AWS China). */
  tracing?: boolean;
  /** esbuild's build-time constants (`bundleDefines`: the adapters this function's grants leave out). */
  define?: Record<string, string>;
}

export class FlexdrFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: FlexdrFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: `${ROOT}${props.entry}`,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(29),
      tracing: props.tracing === false ? Tracing.DISABLED : Tracing.ACTIVE,
      logGroup,
      projectRoot: ROOT,
      depsLockFilePath: `${ROOT}package-lock.json`,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'flexdr',
        POWERTOOLS_METRICS_NAMESPACE: 'FlexDR',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Without Lambda's X-Ray integration, Powertools' tracer records nothing (and says nothing).
        ...(props.tracing === false ? { POWERTOOLS_TRACE_ENABLED: 'false' } : {}),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        minify: true,
        sourceMap: true,
        // Maps to file and line for stack traces, without a copy of every source (4.6 MB a function).
        sourcesContent: false,
        ...(props.define ? { define: props.define } : {}),
        mainFields: ['module', 'main'],
        // Some dependencies still `require()` Node built-ins; give the ESM bundle a require.
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        // The Node 22 runtime ships AWS SDK v3; bundling our own keeps versions pinned, so no externals.
        externalModules: [],
        forceDockerBundling: false,
      },
    });
  }

  /**
   * Reads (and, with `write`, writes) `table` and the named indexes, set in `variable`. Spelled out
   * rather than `grantReadWriteData`, whose `index/*` wildcard would reach indexes not asked for.
   */
  bindTable(
    table: ITable,
    variable: string,
    access: 'read' | 'write',
    indexes: readonly string[] = [],
  ): this {
    this.addEnvironment(variable, table.tableName);
    const read = [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:ConditionCheckItem',
      'dynamodb:DescribeTable',
    ];
    const write = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ];
    this.addToRolePolicy(
      new PolicyStatement({
        actions: access === 'write' ? [...read, ...write] : read,
        resources: [table.tableArn, ...indexes.map((i) => `${table.tableArn}/index/${i}`)],
      }),
    );
    return this;
  }

  /** Puts events on `bus`, named by BUS_NAME. */
  bindBus(bus: IEventBus): this {
    this.addEnvironment('BUS_NAME', bus.eventBusName);
    bus.grantPutEventsTo(this);
    return this;
  }
}
