/**
 * One function per definition of `functions/definitions.ts` (HTTP routes, OpenADR families, bus
 * consumers), each with exactly the environment and grants its definition names: the same table
 * the local runtime builds each function's dependencies from.
 */
import { Duration } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  bundleDefines,
  busFunctions,
  type FunctionDefinition,
  functionDefinitions,
  type Grant,
  httpFunctions,
  openadrFunctions,
} from '../../../functions/definitions.ts';
import type { OpenadrFamily } from '../../../functions/openadr/operations.ts';
import type { RouteName } from '../../../functions/routes.ts';
import type { StatefulStack } from '../stacks/stateful-stack.ts';
import { FlexdrFunction } from './flexdr-function.ts';
import type { Schedules } from './schedules.ts';

export interface CoordinatorFunctionsProps {
  data: StatefulStack;
  schedules: Schedules;
  logRetention: RetentionDays;
  /** Settings every function reads (minutes, factors): the same for all. */
  environment: Record<string, string>;
  /** Whether Lambda's X-Ray tracing is on (not where the region lacks it). */
  tracing: boolean;
  /** Ids of definitions not deployed in this configuration (the Cognito trigger with another issuer). */
  omit?: readonly string[];
}

export class CoordinatorFunctions extends Construct {
  readonly http = new Map<RouteName, FlexdrFunction>();
  readonly consumers = new Map<string, FlexdrFunction>();
  /** One function per family of OpenADR operations (`functions/openadr/<family>.ts`). */
  readonly openadr = new Map<OpenadrFamily, FlexdrFunction>();
  /** Every function by its definition's id. */
  readonly byId = new Map<string, FlexdrFunction>();

  constructor(scope: Construct, id: string, props: CoordinatorFunctionsProps) {
    super(scope, id);
    const { data, schedules } = props;
    const grant: Record<Grant, (fn: FlexdrFunction) => void> = {
      'table:read': (fn) => data.grantReadData(fn),
      'table:write': (fn) => data.grantWriteData(fn),
      idempotency: (fn) => data.grantIdempotency(fn),
      publish: (fn) => data.grantPublish(fn),
      scheduler: (fn) => schedules.grantManage(fn, data.bus.eventBusArn),
    };
    const make = (definition: FunctionDefinition) => {
      const fn = new FlexdrFunction(this, definition.id, {
        entry: definition.entry,
        logRetention: props.logRetention,
        timeout: Duration.seconds(definition.timeoutSeconds),
        memorySize: definition.memoryMb,
        environment: props.environment,
        tracing: props.tracing,
        define: bundleDefines(definition),
      });
      for (const g of definition.grants) grant[g](fn);
      this.byId.set(definition.id, fn);
      return fn;
    };
    for (const definition of functionDefinitions) if (!props.omit?.includes(definition.id)) make(definition);
    const get = (definition: FunctionDefinition) => this.byId.get(definition.id) as FlexdrFunction;
    for (const [name, d] of Object.entries(httpFunctions)) this.http.set(name as RouteName, get(d));
    for (const [family, d] of Object.entries(openadrFunctions))
      this.openadr.set(family as OpenadrFamily, get(d));
    for (const [name, d] of Object.entries(busFunctions)) this.consumers.set(name, get(d));
  }

  /** Every function, for alarms. */
  all(): FlexdrFunction[] {
    return [...this.byId.values()];
  }
}
