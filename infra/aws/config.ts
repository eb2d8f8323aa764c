/**
 * Deployment configuration: from `cdk.json` context key `flexdr` (or `-c flexdr='{"stage":...}'`),
 * checked once with zod so a typo fails the synth with the field's name.
 */
import { z } from 'zod';
import { Id } from '../../lib/domain/model/common.ts';

export const BmsIntegration = z.discriminatedUnion('mode', [
  /** Commands POSTed to the integrator's HTTPS endpoint through an EventBridge API destination. */
  z.strictObject({
    id: Id,
    mode: z.literal('webhook'),
    url: z.url({ protocol: /^https$/ }),
    /** Header the API key travels in, and the Secrets Manager secret name holding it. */
    apiKeyHeader: z.string().default('x-api-key'),
    apiKeySecretName: z.string().min(1),
    invocationsPerSecond: z.number().int().min(1).max(300).default(10),
  }),
  /** Commands delivered to an SQS queue the integrator polls. */
  z.strictObject({
    id: Id,
    mode: z.literal('sqs'),
    /** AWS account allowed to consume the queue (the integrator's); this account when absent. */
    consumerAccountId: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
  }),
]);
export type BmsIntegration = z.infer<typeof BmsIntegration>;

export const DeployConfig = z.strictObject({
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,15}$/)
    .default('dev'),
  logRetentionDays: z
    .union([z.literal(7), z.literal(14), z.literal(30), z.literal(90), z.literal(180), z.literal(365)])
    .default(30),
  alarmEmail: z.email().optional(),
  /** Keep data when the stack is deleted (production) or remove it (a throwaway stage). */
  retainData: z.boolean().default(true),
  bmsIntegrations: z.array(BmsIntegration).max(50).default([]),
  /**
   * Sign-in: MFA for every user of the pool (Cognito cannot require it per group, so `required`
   * holds for operators and park managers by holding for all), and the hosted UI's
   * authorization-code redirects. No callback URL: no OAuth flows at all (SRP sign-in only).
   */
  identity: z
    .strictObject({
      mfa: z.enum(['required', 'optional']).default('required'),
      callbackUrls: z
        .array(z.url({ protocol: /^https$/ }))
        .max(20)
        .default([]),
      logoutUrls: z
        .array(z.url({ protocol: /^https$/ }))
        .max(20)
        .default([]),
    })
    .default({ mfa: 'required', callbackUrls: [], logoutUrls: [] }),
  ackTimeoutMinutes: z.number().int().min(1).max(240).default(10),
  settleDelayMinutes: z.number().int().min(0).max(1440).default(30),
});
export type DeployConfig = z.infer<typeof DeployConfig>;

export function readConfig(raw: unknown): DeployConfig {
  const parsed = DeployConfig.safeParse(raw ?? {});
  if (!parsed.success)
    throw new Error(
      `invalid flexdr config: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}
