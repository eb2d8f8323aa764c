/** Configuration from the environment, read and checked once at cold start (STYLE 4). */
import { z } from 'zod';
import { DEFAULT_CONFIG } from '../../lib/app/config.ts';

const minutes = (fallback: number) => z.coerce.number().int().min(0).max(100_000).default(fallback);

const Env = z.object({
  TABLE_NAME: z.string().min(1),
  IDEMPOTENCY_TABLE_NAME: z.string().min(1),
  BUS_NAME: z.string().min(1).default('flexdr'),
  /** Where one-time schedules deliver (the bus ARN) and the role they assume; absent locally. */
  BUS_ARN: z.string().optional(),
  SCHEDULER_ROLE_ARN: z.string().optional(),
  SCHEDULE_GROUP: z.string().default('flexdr'),
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
  OPENADR_TOKEN_FAILURES_PER_CLIENT: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(DEFAULT_CONFIG.openadrTokenFailuresPerClient),
  OPENADR_TOKEN_FAILURES_PER_ADDRESS: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(DEFAULT_CONFIG.openadrTokenFailuresPerAddress),
  OPENADR_TOKEN_THROTTLE_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(DEFAULT_CONFIG.openadrTokenThrottleWindowSeconds),
});
export type Env = z.infer<typeof Env>;

let cached: Env | undefined;

/** The checked environment; throws naming every missing or malformed variable. */
export function env(): Env {
  if (cached) return cached;
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`FlexDR configuration is invalid: ${problems}`);
  }
  cached = parsed.data;
  return cached;
}

/** Forget the cached environment (tests and the local runtime change it). */
export function resetEnv(): void {
  cached = undefined;
}
