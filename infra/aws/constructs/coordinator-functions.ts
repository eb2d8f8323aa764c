/**
 * One function per HTTP route and per bus subscription, from the shared route table, each with
 * only the grants it needs: routes that only read get read access and cannot publish.
 */
import { Duration } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OPENADR_FAMILIES, type OpenadrFamily } from '../../../functions/openadr/operations.ts';
import { busSubscriptions, httpRoutes, type RouteName } from '../../../functions/routes.ts';
import type { StatefulStack } from '../stacks/stateful-stack.ts';
import { FlexdrFunction } from './flexdr-function.ts';

export interface CoordinatorFunctionsProps {
  data: StatefulStack;
  logRetention: RetentionDays;
  environment: Record<string, string>;
}

/**
 * Functions whose use-cases create or cancel one-time schedules (by construct id): dispatch
 * (`dispatchPlanned`), evaluation and its retries (`evaluateEvent`, `reevaluateEvent`), and
 * cancellation (`cancelEvent`, also reached from OpenADR's `deleteBlEvent`). An infra test derives
 * the same set from the sources, so a use-case that starts scheduling cannot be missed here.
 */
export const SCHEDULING_FUNCTIONS: readonly string[] = [
  'Http-cancel-event',
  'Http-reevaluate-event',
  'Bus-dispatch-event',
  'Bus-evaluate-event',
  'OpenAdr-events',
];

/** Routes that need no data at all. */
const STATELESS_ROUTES: readonly RouteName[] = ['health', 'openapi-document'];

export class CoordinatorFunctions extends Construct {
  readonly http = new Map<RouteName, FlexdrFunction>();
  readonly consumers = new Map<string, FlexdrFunction>();
  /** One function per family of OpenADR operations (`functions/openadr/<family>.ts`). */
  readonly openadr = new Map<OpenadrFamily, FlexdrFunction>();

  constructor(scope: Construct, id: string, props: CoordinatorFunctionsProps) {
    super(scope, id);
    const make = (name: string, entry: string, timeout: Duration, memorySize: number) =>
      new FlexdrFunction(this, name, {
        entry,
        logRetention: props.logRetention,
        timeout,
        memorySize,
        environment: props.environment,
      });

    for (const [name, route] of Object.entries(httpRoutes) as [RouteName, (typeof httpRoutes)[RouteName]][]) {
      const heavy = name === 'query-flexibility';
      const fn = make(`Http-${name}`, `functions/http/${name}.ts`, Duration.seconds(29), heavy ? 1769 : 512);
      if (!STATELESS_ROUTES.includes(name)) {
        if (route.method === 'GET') props.data.grantReadData(fn);
        else {
          props.data.grantWriteData(fn);
          props.data.grantPublish(fn);
        }
      }
      this.http.set(name, fn);
    }
    for (const family of OPENADR_FAMILIES) {
      // Every family reads tokens and writes (token issue, objects, acknowledgements) and announces
      // changes to subscriptions on the bus.
      const fn = make(`OpenAdr-${family}`, `functions/openadr/${family}.ts`, Duration.seconds(29), 512);
      props.data.grantWriteData(fn);
      props.data.grantPublish(fn);
      this.openadr.set(family, fn);
    }
    for (const sub of busSubscriptions) {
      // Planning and evaluation walk whole scopes: more memory (and so CPU) and time.
      const heavy =
        sub.name === 'plan-event' || sub.name === 'evaluate-event' || sub.name === 'redispatch-declined';
      const fn = make(
        `Bus-${sub.name}`,
        `functions/bus/${sub.name}.ts`,
        Duration.minutes(heavy ? 15 : 5),
        heavy ? 3008 : 1024,
      );
      props.data.grantWriteData(fn);
      props.data.grantPublish(fn);
      this.consumers.set(sub.name, fn);
    }
  }

  /** The functions that manage schedules (`SCHEDULING_FUNCTIONS`); fails on a name that matches none. */
  scheduling(): FlexdrFunction[] {
    const all = new Map(this.all().map((fn) => [fn.node.id, fn]));
    return SCHEDULING_FUNCTIONS.map((id) => {
      const fn = all.get(id);
      if (!fn) throw new Error(`SCHEDULING_FUNCTIONS names '${id}', which is no function`);
      return fn;
    });
  }

  /** Every function, for alarms. */
  all(): FlexdrFunction[] {
    return [...this.http.values(), ...this.openadr.values(), ...this.consumers.values()];
  }
}
