/**
 * Every function, defined once: its entry, timeout and memory, the ports it is granted and whether
 * its tracer records responses. The CDK stack derives each function's environment and IAM grants
 * from this table (`infra/aws/constructs/coordinator-functions.ts`); the local runtime builds each
 * function's dependencies from the same table and gives it only what its grants name, so a function
 * that lacks a port on AWS lacks it on this machine too.
 *
 * To add a function, add a definition to {@link functionDefinitions} (a handler file exporting
 * `makeHandler` and `handler`), then attach its trigger (route, rule, stream, schedule) where the
 * trigger is built.
 */
import { OPENADR_FAMILIES, type OpenadrFamily } from './openadr/operations.ts';
import { type BusSubscriptionName, busSubscriptions, httpRoutes, type RouteName } from './routes.ts';

/**
 * What a function may reach: the coordinator's table (read, or read and write), the idempotency
 * table, the bus (publish) and EventBridge Scheduler (one-time schedules in the FlexDR group).
 */
export type Grant = 'table:read' | 'table:write' | 'idempotency' | 'publish' | 'scheduler';

export interface FunctionDefinition {
  /** Construct id and name in logs, unique: `Http-create-event`, `Bus-plan-event`, `OpenAdr-events`. */
  id: string;
  /** Handler file relative to the repository root; it exports `makeHandler` and `handler`. */
  entry: string;
  timeoutSeconds: number;
  memoryMb: number;
  grants: readonly Grant[];
  /**
   * Whether the tracer records the handler's response as metadata. Never for list answers: X-Ray
   * caps a segment document at 64 KB, and a page of commands or events is larger.
   */
  captureResponse: boolean;
}

/** The environment variables each grant sets, besides the settings every function reads. */
export const GRANT_VARIABLES: Record<Grant, readonly string[]> = {
  'table:read': ['TABLE_NAME'],
  'table:write': ['TABLE_NAME'],
  idempotency: ['IDEMPOTENCY_TABLE_NAME'],
  publish: ['BUS_NAME'],
  scheduler: ['SCHEDULE_GROUP', 'SCHEDULER_ROLE_ARN', 'BUS_ARN'],
};

/** DynamoDB actions of each table grant: IAM's on AWS, checked by the client locally. */
export const TABLE_ACTIONS = {
  read: ['GetItem', 'BatchGetItem', 'Query', 'ConditionCheckItem', 'DescribeTable'],
  write: ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
} as const;

/**
 * Build-time constants of a function's bundle (esbuild's `define`): `process.env.FLEXDR_BUNDLE_<G>`
 * is `"omitted"` for each grant `G` the definition lacks. `buildWiring` and `awsClients` test them,
 * so an adapter a function may not use is never constructed and esbuild drops it and its SDK
 * client from that bundle. Unbundled (the local runtime, tests) the variables are unset and which
 * adapters are built follows the grants alone.
 */
export function bundleDefines(definition: Pick<FunctionDefinition, 'grants'>): Record<string, string> {
  const has = (g: Grant) => definition.grants.includes(g);
  const present: Record<string, boolean> = {
    TABLE: has('table:read') || has('table:write'),
    IDEMPOTENCY: has('idempotency'),
    PUBLISH: has('publish'),
    SCHEDULER: has('scheduler'),
  };
  return Object.fromEntries(
    Object.entries(present)
      .filter(([, here]) => !here)
      .map(([g]) => [`process.env.FLEXDR_BUNDLE_${g}`, JSON.stringify('omitted')]),
  );
}

/** The variables a definition's grants set, sorted, each once. */
export function grantVariables(definition: Pick<FunctionDefinition, 'grants'>): string[] {
  return [...new Set(definition.grants.flatMap((g) => GRANT_VARIABLES[g]))].sort();
}

/** Routes that need no data at all. */
const STATELESS_ROUTES: readonly RouteName[] = ['health', 'openapi-document'];
/** Routes that only read, whatever their method. */
const READ_ONLY_ROUTES: readonly RouteName[] = ['query-flexibility'];
/** Routes whose use-cases create or cancel one-time schedules (checked the same way). */
const SCHEDULING_ROUTES: readonly RouteName[] = ['reevaluate-event'];
/** Routes that answer lists (pages of parks, buildings, events, commands, settlements, intervals). */
const LIST_ROUTES: readonly RouteName[] = [
  'list-parks',
  'list-buildings',
  'park-settlements',
  'building-commands',
  'get-calendar',
  'list-events',
  'event-plan',
  'event-performance',
  'event-delivery',
];

function httpGrants(name: RouteName): Grant[] {
  if (STATELESS_ROUTES.includes(name)) return [];
  const reads = httpRoutes[name].method === 'GET' || READ_ONLY_ROUTES.includes(name);
  return [
    reads ? 'table:read' : 'table:write',
    ...(SCHEDULING_ROUTES.includes(name) ? (['scheduler'] as const) : []),
  ];
}

/** One function per HTTP route; the route's name is its handler file under `functions/http/`. */
export const httpFunctions = Object.fromEntries(
  (Object.keys(httpRoutes) as RouteName[]).map((name) => [
    name,
    {
      id: `Http-${name}`,
      entry: `functions/http/${name}.ts`,
      timeoutSeconds: 29,
      memoryMb: name === 'query-flexibility' ? 1769 : 512,
      grants: httpGrants(name),
      captureResponse: !LIST_ROUTES.includes(name),
    },
  ]),
) as unknown as Record<RouteName, FunctionDefinition>;

/** OpenADR families that answer single small documents (the token endpoint, the notifier list). */
const SMALL_ANSWER_FAMILIES: readonly OpenadrFamily[] = ['auth', 'notifiers'];

/**
 * One function per family of OpenADR operations: each reads tokens and writes (token issue,
 * objects, acknowledgements); changes for subscriptions go to the outbox, and so does the
 * cancellation of a grid event a BL deletes (`EventCancelled`).
 */
export const openadrFunctions = Object.fromEntries(
  OPENADR_FAMILIES.map((family) => [
    family,
    {
      id: `OpenAdr-${family}`,
      entry: `functions/openadr/${family}.ts`,
      timeoutSeconds: 29,
      memoryMb: 512,
      grants: ['table:write'],
      captureResponse: SMALL_ANSWER_FAMILIES.includes(family),
    },
  ]),
) as unknown as Record<OpenadrFamily, FunctionDefinition>;

/** Consumers that walk whole scopes: more memory (and so CPU) and time. */
const HEAVY_CONSUMERS: readonly BusSubscriptionName[] = [
  'plan-event',
  'evaluate-event',
  'replan-event',
  'finish-cancellation',
];
const CONSUMER_GRANTS: Record<BusSubscriptionName, readonly Grant[]> = {
  'plan-event': ['table:write'],
  'dispatch-event': ['table:write', 'scheduler', 'idempotency'],
  // Both only ask for a re-plan (a schedule, or the outbox when re-plans are not debounced).
  'redispatch-declined': ['table:write', 'scheduler'],
  'ack-deadline': ['table:write', 'scheduler'],
  'replan-event': ['table:write'],
  'finish-cancellation': ['table:write', 'scheduler'],
  'evaluate-event': ['table:write', 'scheduler'],
  'openadr-notify-change': ['table:write'],
  'openadr-notify-command': ['table:write'],
  'openadr-notify-cancel': ['table:write'],
};

/** One function per bus subscription; its name is its handler file under `functions/bus/`. */
export const busFunctions = Object.fromEntries(
  busSubscriptions.map((sub) => {
    const heavy = HEAVY_CONSUMERS.includes(sub.name);
    return [
      sub.name,
      {
        id: `Bus-${sub.name}`,
        entry: `functions/bus/${sub.name}.ts`,
        timeoutSeconds: heavy ? 15 * 60 : 5 * 60,
        memoryMb: heavy ? 3008 : 1024,
        grants: CONSUMER_GRANTS[sub.name],
        captureResponse: true,
      },
    ];
  }),
) as unknown as Record<BusSubscriptionName, FunctionDefinition>;

/**
 * The outbox's relay, triggered by the table's stream (outbox inserts only): it publishes what
 * state changes announced in the same transaction, then removes it.
 */
export const outboxRelayFunction: FunctionDefinition = {
  id: 'Stream-relay-outbox',
  entry: 'functions/stream/relay-outbox.ts',
  timeoutSeconds: 60,
  memoryMb: 1024,
  grants: ['table:write', 'publish'],
  captureResponse: false,
};

/** The reconciler, run by a schedule every few minutes: what did not move by itself. */
export const reconcileFunction: FunctionDefinition = {
  id: 'Scheduled-reconcile',
  entry: 'functions/scheduled/reconcile.ts',
  timeoutSeconds: 300,
  memoryMb: 1024,
  grants: ['table:write', 'publish', 'scheduler'],
  captureResponse: false,
};

/**
 * Cognito's pre-token-generation trigger: reads the caller's bindings, so that they enter tokens
 * from the store and from nothing a user can write. Cognito waits 5 s for a trigger at most.
 * Deployed only with the Cognito identity provider.
 */
export const preTokenFunction: FunctionDefinition = {
  id: 'Identity-pre-token',
  entry: 'functions/identity/pre-token.ts',
  timeoutSeconds: 5,
  memoryMb: 512,
  grants: ['table:read'],
  captureResponse: false,
};

/** How often the reconciler runs. */
export const RECONCILE_EVERY_MINUTES = 5;

/** Every function of the coordinator. */
export const functionDefinitions: readonly FunctionDefinition[] = [
  ...Object.values(httpFunctions),
  ...Object.values(openadrFunctions),
  ...Object.values(busFunctions),
  outboxRelayFunction,
  reconcileFunction,
  preTokenFunction,
];
