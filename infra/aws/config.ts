/**
 * Deployment configuration: from `cdk.json` context key `flexdr` (or `-c flexdr='{"stage":...}'`),
 * checked once with zod so a typo fails the synth with the field's name.
 */
import * as z from 'zod';
import { BINDING_CLAIMS, GROUPS } from '../../functions/commons/claims.ts';
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
    /**
     * The most buildings this integration serves. The destination's rate is raised, if need be, so
     * one command for each goes out within half the acknowledgement deadline.
     */
    buildings: z.number().int().min(1).max(1_000_000).optional(),
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

/**
 * Cognito user pool: MFA for every user of the pool (Cognito cannot require it per group, so
 * `required` holds for operators and park managers by holding for all), the hosted UI's
 * authorization-code redirects (none: no OAuth flow for users, SRP sign-in only), and one app client
 * per machine (BMS) with the client-credentials grant and the `flexdr/bms` scope. Redirects or
 * machines need the pool's domain, `domainPrefix` (unique in the region), `flexdr-<stage>` by default.
 */
export const CognitoIdentity = z.strictObject({
  provider: z.literal('cognito'),
  mfa: z.enum(['required', 'optional']).default('required'),
  callbackUrls: z
    .array(z.url({ protocol: /^https$/ }))
    .max(20)
    .default([]),
  logoutUrls: z
    .array(z.url({ protocol: /^https$/ }))
    .max(20)
    .default([]),
  machineClients: z.array(Id).max(25).default([]),
  domainPrefix: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/)
    .optional(),
});

/**
 * Any OIDC issuer (the grid company's own identity provider), for regions without Cognito user
 * pools: API Gateway's JWT authorizer checks its tokens (signature from the issuer's JWKS,
 * `iss`, `aud` or `client_id` among `audience`, expiry). `claims` says where the role is (a list
 * claim whose values map to roles, and scopes for machines) and where bindings come from: the
 * coordinator's store (default: bindings are set through the API, as with Cognito) or claims the
 * issuer writes itself.
 */
export const OidcIdentity = z.strictObject({
  provider: z.literal('oidc'),
  issuer: z.url({ protocol: /^https$/ }),
  audience: z.array(z.string().min(1).max(256)).min(1).max(20),
  claims: z
    .strictObject({
      roles: z.string().min(1).max(128).default('groups'),
      roleValues: z
        .record(z.string().min(1).max(128), z.enum(['operator', 'parkManager', 'bms']))
        .default(GROUPS),
      scopes: z.record(z.string().min(1).max(256), z.enum(['operator', 'parkManager', 'bms'])).default({}),
      bindings: z.enum(['store', 'claims']).default('store'),
      parkIds: z.string().min(1).max(128).default(BINDING_CLAIMS.parkIds),
      buildingIds: z.string().min(1).max(128).default(BINDING_CLAIMS.buildingIds),
    })
    .default({
      roles: 'groups',
      roleValues: GROUPS,
      scopes: {},
      bindings: 'store',
      parkIds: BINDING_CLAIMS.parkIds,
      buildingIds: BINDING_CLAIMS.buildingIds,
    }),
});

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
  /** Who signs tokens: Cognito (global regions), or any OIDC issuer (AWS China). See {@link Identity}. */
  identity: z
    .preprocess(
      // Written before there was a choice, an identity without a provider is Cognito's.
      (v) => (v && typeof v === 'object' && !('provider' in v) ? { ...v, provider: 'cognito' } : v),
      z.discriminatedUnion('provider', [CognitoIdentity, OidcIdentity]),
    )
    .default({ provider: 'cognito', mfa: 'required', callbackUrls: [], logoutUrls: [], machineClients: [] }),
  ackTimeoutMinutes: z.number().int().min(1).max(240).default(10),
  settleDelayMinutes: z.number().int().min(0).max(1440).default(30),
});
export type DeployConfig = z.infer<typeof DeployConfig>;
export type CognitoIdentity = z.infer<typeof CognitoIdentity>;
export type OidcIdentity = z.infer<typeof OidcIdentity>;

export function readConfig(raw: unknown): DeployConfig {
  const parsed = DeployConfig.safeParse(raw ?? {});
  if (!parsed.success)
    throw new Error(
      `invalid flexdr config: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}
