import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { principalOf } from '../../../functions/commons/claims.ts';
import { DEV_AUDIENCE, DEV_ISSUER, DevTokens } from '../../../infra/local/dev-tokens.ts';

const asEvent = (claims: Record<string, string>) =>
  ({ requestContext: { authorizer: { jwt: { claims, scopes: [] } } } }) as unknown as Parameters<
    typeof principalOf
  >[0];

describe('development tokens', () => {
  const tokens = new DevTokens(DevTokens.newSecret());

  it("carry the Cognito claims the handlers read, in API Gateway's form", async () => {
    const { token } = await tokens.issue({ role: 'parkManager', parkIds: ['p1', 'p2'] });
    const claims = await tokens.verify(token);
    expect(claims['cognito:groups']).toBe('[park-manager]');
    expect(principalOf(asEvent(claims))).toEqual({
      subject: 'parkManager-p1+p2',
      role: 'parkManager',
      parkIds: ['p1', 'p2'],
      buildingIds: [],
    });
    const bms = await tokens.verify((await tokens.issue({ role: 'bms', buildingIds: ['b1'] })).token);
    expect(principalOf(asEvent(bms))).toMatchObject({ role: 'bms', buildingIds: ['b1'] });
  });

  it('are refused when tampered with, signed with another secret, expired or for another audience', async () => {
    const { token } = await tokens.issue({ role: 'operator' });
    const [h, p, s] = token.split('.') as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(p, 'base64url').toString()),
        'cognito:groups': ['grid-operator', 'bms'],
      }),
    ).toString('base64url');
    await expect(tokens.verify(`${h}.${forged}.${s}`)).rejects.toThrow();
    await expect(new DevTokens(DevTokens.newSecret()).verify(token)).rejects.toThrow();
    const key = (tokens as unknown as { key: Uint8Array }).key;
    const expired = await new SignJWT({ 'cognito:groups': ['grid-operator'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    await expect(tokens.verify(expired)).rejects.toThrow(/exp/);
    const elsewhere = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer(DEV_ISSUER)
      .setAudience('another-api')
      .setExpirationTime('1h')
      .sign(key);
    await expect(tokens.verify(elsewhere)).rejects.toThrow(/aud/);
  });
});
