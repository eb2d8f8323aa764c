/**
 * Identity on AWS (issue 16, items 2 and 3): with Cognito, bindings reach tokens only through the
 * pre-token trigger and machines sign in with client credentials; in AWS China, an OIDC issuer
 * named in the configuration, no Cognito, no X-Ray, and cdk-nag clean.
 */
import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClaimMapping } from '../../functions/commons/claims.ts';
import { functionDefinitions, preTokenFunction } from '../../functions/definitions.ts';
import { readConfig } from '../../infra/aws/config.ts';
import { buildFlexdr } from '../../infra/aws/flexdr.ts';

/** Synthesizes a stage with cdk-nag, and answers its templates and unacknowledged findings. */
function synth(raw: unknown, region: string) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stacks = buildFlexdr(app, readConfig(raw), { account: '123456789012', region });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  const findings = app.node.children.filter(Stack.isStack).flatMap((s) =>
    Annotations.fromStack(s)
      .findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))
      .map((m) => `${s.stackName} ${m.id}: ${String(m.entry.data)}`),
  );
  return { stacks, service: Template.fromStack(stacks.service), findings };
}

describe('Cognito (global regions)', () => {
  let built: ReturnType<typeof synth>;
  beforeAll(() => {
    built = synth(
      { stage: 'idp', identity: { machineClients: ['acme-bms', 'polling-bms'] } },
      'ap-southeast-1',
    );
  });

  it('has no custom attribute at all, and no client that lets users write one', () => {
    const pools = Object.values(built.service.findResources('AWS::Cognito::UserPool'));
    expect(pools).toHaveLength(1);
    const custom = ((pools[0]?.Properties.Schema ?? []) as { Name: string }[]).filter(
      (a) => !['email', 'name', 'phone_number'].includes(a.Name),
    );
    expect(custom).toEqual([]);
    for (const c of Object.values(built.service.findResources('AWS::Cognito::UserPoolClient'))) {
      // Absent, WriteAttributes means every writable attribute.
      expect(c.Properties.WriteAttributes).toBeDefined();
      expect((c.Properties.WriteAttributes as string[]).filter((a) => a.startsWith('custom:'))).toEqual([]);
    }
  });

  it('wires the pre-token trigger (V3: users and machines) to the function that reads bindings', () => {
    const fn = built.stacks.service.functions.byId.get(preTokenFunction.id);
    if (!fn) throw new Error('no pre-token function');
    const fnId = built.stacks.service.getLogicalId(fn.node.defaultChild as CfnElement);
    built.service.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        PreTokenGenerationConfig: { LambdaArn: { 'Fn::GetAtt': [fnId, 'Arn'] }, LambdaVersion: 'V3_0' },
      },
      UserPoolTier: 'PLUS',
      MfaConfiguration: 'ON',
    });
    built.service.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'cognito-idp.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
    });
    // It reads the table, and nothing else of the coordinator's.
    expect(preTokenFunction.grants).toEqual(['table:read']);
  });

  it('gives each machine a client-credentials client for the flexdr resource server, and nothing else', () => {
    built.service.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'flexdr',
      Scopes: [Match.objectLike({ ScopeName: 'bms' })],
    });
    const clients = Object.entries(built.service.findResources('AWS::Cognito::UserPoolClient'));
    const machines = clients.filter(([, c]) =>
      (c.Properties.AllowedOAuthFlows ?? []).includes('client_credentials'),
    );
    expect(machines.map(([, c]) => c.Properties.ClientName).sort()).toEqual(['acme-bms', 'polling-bms']);
    for (const [, c] of machines) {
      expect(c.Properties.AllowedOAuthFlows).toEqual(['client_credentials']);
      expect(c.Properties.AllowedOAuthScopes).toHaveLength(1);
      expect(JSON.stringify(c.Properties.AllowedOAuthScopes)).toContain('/bms');
      expect(c.Properties.GenerateSecret).toBe(true);
      expect(c.Properties.ExplicitAuthFlows ?? []).not.toContain('ALLOW_USER_PASSWORD_AUTH');
      expect(c.Properties.ExplicitAuthFlows ?? []).not.toContain('ALLOW_USER_SRP_AUTH');
    }
    // The token endpoint machines call needs the pool's domain.
    built.service.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'flexdr-idp' });
    // Their access tokens pass the JWT authorizer: each machine client is an audience.
    const authorizer = Object.values(built.service.findResources('AWS::ApiGatewayV2::Authorizer'))[0];
    const audience = JSON.stringify(authorizer?.Properties.JwtConfiguration.Audience);
    for (const [id] of clients) expect(audience).toContain(id);
  });

  it('offers no implicit flow and no user-password sign-in to anyone', () => {
    for (const c of Object.values(built.service.findResources('AWS::Cognito::UserPoolClient'))) {
      expect(c.Properties.AllowedOAuthFlows ?? []).not.toContain('implicit');
      expect(c.Properties.ExplicitAuthFlows ?? []).not.toContain('ALLOW_USER_PASSWORD_AUTH');
    }
  });

  it('traces every function, and reads Cognito claims (no claim mapping set)', () => {
    for (const f of Object.values(built.service.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Handler === 'index.handler',
    )) {
      expect(f.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(f.Properties.Environment.Variables.IDENTITY_CLAIMS).toBeUndefined();
    }
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(built.findings).toEqual([]);
  });
});

describe('an OIDC issuer in AWS China (cn-northwest-1)', () => {
  const ISSUER = 'https://idp.grid.example.cn/realms/flexdr';
  let built: ReturnType<typeof synth>;
  beforeAll(() => {
    built = synth(
      {
        stage: 'ningxia',
        identity: {
          provider: 'oidc',
          issuer: ISSUER,
          audience: ['flexdr-api', 'flexdr-bms'],
          claims: { roles: 'roles', roleValues: { dispatcher: 'operator', 'park-admin': 'parkManager' } },
        },
      },
      'cn-northwest-1',
    );
  });

  it('checks tokens with a JWT authorizer against the configured issuer and audience, without Cognito', () => {
    built.service.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: ISSUER, Audience: ['flexdr-api', 'flexdr-bms'] },
    });
    for (const type of ['UserPool', 'UserPoolClient', 'UserPoolGroup', 'UserPoolResourceServer'])
      built.service.resourceCountIs(`AWS::Cognito::${type}`, 0);
    expect(built.stacks.service.functions.byId.has(preTokenFunction.id)).toBe(false);
    expect(built.stacks.service.functions.all()).toHaveLength(functionDefinitions.length - 1);
  });

  it("hands every function the claim mapping: roles from the issuer's claim, bindings from the store", () => {
    const functions = Object.values(built.service.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Handler === 'index.handler',
    );
    expect(functions.length).toBeGreaterThan(0);
    for (const f of functions) {
      const mapping = ClaimMapping.parse(JSON.parse(f.Properties.Environment.Variables.IDENTITY_CLAIMS));
      expect(mapping).toMatchObject({
        roles: 'roles',
        roleValues: { dispatcher: 'operator', 'park-admin': 'parkManager' },
        bindings: 'store',
      });
    }
  });

  it('turns X-Ray off: no active tracing, no X-Ray permissions, Powertools told', () => {
    const functions = Object.values(built.service.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Handler === 'index.handler',
    );
    for (const f of functions) {
      expect(f.Properties.TracingConfig).toBeUndefined();
      expect(f.Properties.Environment.Variables.POWERTOOLS_TRACE_ENABLED).toBe('false');
    }
    const policies = JSON.stringify(built.service.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain('xray:');
  });

  it('synthesizes with no unacknowledged cdk-nag finding', () => {
    expect(built.findings).toEqual([]);
  });
});
