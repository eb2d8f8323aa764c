/**
 * One function's configuration, read from its environment and checked once at cold start
 * (STYLE 4): the settings every function reads, with defaults, and the variables its grants set
 * (`functions/definitions.ts`), which must be there. Fails naming every missing or malformed one.
 */
import * as z from 'zod';
import { type AppConfig, DEFAULT_CONFIG } from '../../lib/app/config.ts';
import { type FunctionDefinition, grantVariables } from '../definitions.ts';
import { ClaimMapping, COGNITO_CLAIMS } from './claims.ts';

const minutes = (fallback: number) => z.coerce.number().int().min(0).max(100_000).default(fallback);
const count = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

/** What every function may read, each with its default. */
const Settings = z.object({
  /** Any DynamoDB endpoint (DynamoDB Local on this machine); absent on AWS. */
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  ACK_TIMEOUT_MINUTES: minutes(DEFAULT_CONFIG.ackTimeoutMinutes),
  SETTLE_DELAY_MINUTES: minutes(DEFAULT_CONFIG.settleDelayMinutes),
  TELEMETRY_FUTURE_TOLERANCE_MINUTES: minutes(DEFAULT_CONFIG.telemetryFutureToleranceMinutes),
  AWAITING_RETRY_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(24 * 60)
    .default(DEFAULT_CONFIG.awaitingRetryMinutes),
  REPLAN_DEBOUNCE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(15 * 60)
    .default(DEFAULT_CONFIG.replanDebounceSeconds),
  CLOSED_LOOP: z
    .enum(['true', 'false'])
    .default(DEFAULT_CONFIG.closedLoop ? 'true' : 'false')
    .transform((s) => s === 'true'),
  TRACKING_GRACE_MINUTES: z.coerce.number().int().min(0).max(60).default(DEFAULT_CONFIG.trackingGraceMinutes),
  PRE_START_REFRESH_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(DEFAULT_CONFIG.preStartRefreshMinutes),
  TRACKING_HYSTERESIS_PCT: z.coerce.number().min(0).max(100).default(DEFAULT_CONFIG.trackingHysteresisPct),
  CONTRACTUAL_PLANNING_MAX_BUILDINGS: z.coerce
    .number()
    .int()
    .min(0)
    .default(DEFAULT_CONFIG.contractualPlanningMaxBuildings),
  /** tCO₂ per MWh of grid electricity, for what events avoided (a newer or a provincial factor). */
  EMISSION_FACTOR_TCO2_PER_MWH: z.coerce
    .number()
    .gt(0)
    .max(2)
    .default(DEFAULT_CONFIG.emissionFactorTco2PerMwh),
  READING_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(DEFAULT_CONFIG.readingRetentionDays),
  /** OpenADR webhooks to private or loopback addresses: refused on AWS (SSRF), allowed locally. */
  OPENADR_ALLOW_PRIVATE_CALLBACKS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((s) => s === 'true'),
  /** An extra CA (PEM) trusted for OpenADR webhooks: a local receiver's self-signed certificate. */
  OPENADR_WEBHOOK_CA: z.string().optional(),
  /** First wait between webhook attempts (doubling); tests shorten it. */
  OPENADR_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(0).max(60_000).default(500),
  OPENADR_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(DEFAULT_CONFIG.openadrTokenTtlSeconds),
  /** Failed token requests per client id and per source address in one window (then 429). */
  OPENADR_TOKEN_FAILURES_PER_CLIENT: count(DEFAULT_CONFIG.openadrTokenFailuresPerClient),
  OPENADR_TOKEN_FAILURES_PER_ADDRESS: count(DEFAULT_CONFIG.openadrTokenFailuresPerAddress),
  /**
   * Where tokens say who the caller is (JSON of a `ClaimMapping`): set when an OIDC issuer, not
   * Cognito, signs them (`identity.provider` `oidc` in the deployment's configuration).
   */
  IDENTITY_CLAIMS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return COGNITO_CLAIMS;
      try {
        return ClaimMapping.parse(JSON.parse(text));
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `not a claim mapping: ${(e as Error).message}` });
        return z.NEVER;
      }
    }),
  OPENADR_TOKEN_THROTTLE_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(DEFAULT_CONFIG.openadrTokenThrottleWindowSeconds),
});

/** One function's configuration: settings always, each granted port's names when granted. */
export interface FunctionConfig {
  settings: AppConfig;
  /** Which token claims hold the caller's role and bindings. */
  claims: ClaimMapping;
  webhooks: { allowPrivateAddresses: boolean; backoffMs: number; ca?: string | undefined };
  dynamodbEndpoint?: string | undefined;
  /** The coordinator's table (`table:read` or `table:write`). */
  tableName?: string | undefined;
  /** Powertools idempotency records (`idempotency`). */
  idempotencyTableName?: string | undefined;
  /** The bus to publish on (`publish`). */
  busName?: string | undefined;
  /** Where one-time schedules go and what they assume (`scheduler`). */
  scheduler?: { group: string; roleArn: string; busArn: string } | undefined;
}

/** Names an environment's problems, or returns the value. */
function parse<T extends z.ZodType>(schema: T, env: unknown, who: string): z.output<T> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new Error(`FlexDR configuration of ${who} is invalid: ${problems}`);
}

/**
 * The configuration of `definition` from `env`. A variable its grants set that is missing fails
 * here, at cold start, naming the variable and the grant: never a port that silently does nothing.
 */
export function readConfig(
  definition: Pick<FunctionDefinition, 'id' | 'grants'>,
  env: Readonly<Record<string, string | undefined>>,
): FunctionConfig {
  const s = parse(Settings, env, definition.id);
  const required = grantVariables(definition);
  const granted = parse(
    z.object(Object.fromEntries(required.map((v) => [v, z.string().min(1)]))),
    env,
    `${definition.id} (granted ${definition.grants.join(', ')})`,
  ) as Record<string, string>;
  const has = (g: FunctionDefinition['grants'][number]) => definition.grants.includes(g);
  return {
    settings: {
      ...DEFAULT_CONFIG,
      ackTimeoutMinutes: s.ACK_TIMEOUT_MINUTES,
      settleDelayMinutes: s.SETTLE_DELAY_MINUTES,
      readingRetentionDays: s.READING_RETENTION_DAYS,
      openadrTokenTtlSeconds: s.OPENADR_TOKEN_TTL_SECONDS,
      openadrTokenFailuresPerClient: s.OPENADR_TOKEN_FAILURES_PER_CLIENT,
      openadrTokenFailuresPerAddress: s.OPENADR_TOKEN_FAILURES_PER_ADDRESS,
      openadrTokenThrottleWindowSeconds: s.OPENADR_TOKEN_THROTTLE_WINDOW_SECONDS,
      telemetryFutureToleranceMinutes: s.TELEMETRY_FUTURE_TOLERANCE_MINUTES,
      awaitingRetryMinutes: s.AWAITING_RETRY_MINUTES,
      replanDebounceSeconds: s.REPLAN_DEBOUNCE_SECONDS,
      closedLoop: s.CLOSED_LOOP,
      trackingGraceMinutes: s.TRACKING_GRACE_MINUTES,
      preStartRefreshMinutes: s.PRE_START_REFRESH_MINUTES,
      trackingHysteresisPct: s.TRACKING_HYSTERESIS_PCT,
      contractualPlanningMaxBuildings: s.CONTRACTUAL_PLANNING_MAX_BUILDINGS,
      emissionFactorTco2PerMwh: s.EMISSION_FACTOR_TCO2_PER_MWH,
    },
    claims: s.IDENTITY_CLAIMS,
    webhooks: {
      allowPrivateAddresses: s.OPENADR_ALLOW_PRIVATE_CALLBACKS,
      backoffMs: s.OPENADR_WEBHOOK_BACKOFF_MS,
      ca: s.OPENADR_WEBHOOK_CA,
    },
    dynamodbEndpoint: s.DYNAMODB_ENDPOINT,
    tableName: granted.TABLE_NAME,
    idempotencyTableName: granted.IDEMPOTENCY_TABLE_NAME,
    busName: granted.BUS_NAME,
    scheduler: has('scheduler')
      ? {
          group: granted.SCHEDULE_GROUP as string,
          roleArn: granted.SCHEDULER_ROLE_ARN as string,
          busArn: granted.BUS_ARN as string,
        }
      : undefined,
  };
}
