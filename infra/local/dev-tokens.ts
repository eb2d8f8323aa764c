/**
 * Development tokens: JWTs signed with a local secret (HS256) and checked the way API Gateway's
 * JWT authorizer checks Cognito's on AWS (signature, issuer, audience, expiry), carrying the same
 * claims: `cognito:groups` for the role and `custom:parkIds` / `custom:buildingIds` for bindings.
 *
 * Bindings come, as on AWS, from the token hook: the runtime hands the issuer its pre-token
 * function, which reads the subject's stored binding. A request that names bindings itself (the
 * console's identities, the simulator, tests) is a development shortcut that skips the hook.
 */
import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { GROUPS } from '../../functions/commons/claims.ts';
import { bindingClaims } from '../../functions/identity/token-claims.ts';
import type { TokenRequest, TokenResponse } from './local-api.ts';

export const DEV_ISSUER = 'https://flexdr.local/dev';
export const DEV_AUDIENCE = 'flexdr-local';

const GROUP_OF = Object.fromEntries(Object.entries(GROUPS).map(([group, role]) => [role, group])) as Record<
  TokenRequest['role'],
  string
>;

/** The claims the identity provider's token hook adds for a subject (Cognito: the pre-token trigger). */
export type TokenHook = (subject: string) => Promise<Record<string, string>>;

export class DevTokens {
  private readonly key: Uint8Array;

  /**
   * `secret`: hex; a new random one when absent (tokens then die with the process). `hook`: the
   * binding claims of a subject whose request names none; without it, such a token has none.
   */
  constructor(
    secret?: string,
    private readonly hook?: TokenHook,
  ) {
    this.key = secret ? Buffer.from(secret, 'hex') : randomBytes(32);
  }

  static newSecret(): string {
    return randomBytes(32).toString('hex');
  }

  async issue(request: TokenRequest): Promise<TokenResponse> {
    const subject =
      request.subject ?? `${request.role}-${(request.parkIds ?? request.buildingIds ?? ['all']).join('+')}`;
    const named = request.parkIds !== undefined || request.buildingIds !== undefined;
    const bindings = named
      ? bindingClaims({ parkIds: request.parkIds ?? [], buildingIds: request.buildingIds ?? [] })
      : ((await this.hook?.(subject.slice(0, 128))) ?? {});
    const claims: Record<string, unknown> = { 'cognito:groups': [GROUP_OF[request.role]], ...bindings };
    const ttl = (request.ttlMinutes ?? 12 * 60) * 60;
    const issuedAt = Math.floor(Date.now() / 1000);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(subject.slice(0, 128))
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttl)
      .sign(this.key);
    return {
      token,
      expiresAt: new Date((issuedAt + ttl) * 1000).toISOString(),
      claims: { sub: subject, ...claims },
    };
  }

  /**
   * The claims of a valid token, as API Gateway hands them to a function: arrays become `[a b]`
   * strings, numbers become strings. Throws on a bad signature, issuer, audience or an expired token.
   */
  async verify(token: string): Promise<Record<string, string>> {
    const { payload } = await jwtVerify(token, this.key, {
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp'],
    });
    const claims: Record<string, string> = {};
    for (const [k, v] of Object.entries(payload))
      claims[k] = Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'string' ? v : JSON.stringify(v);
    return claims;
  }
}
