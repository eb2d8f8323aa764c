/**
 * Who signs the API's tokens, and the JWT authorizer that checks them: a Cognito user pool (global
 * regions) or any OIDC issuer named in the configuration (AWS China, where Cognito has no user
 * pools). With Cognito, roles are groups, machines (BMS) get client-credentials tokens for the
 * `flexdr` resource server, and bindings enter tokens only through the pre-token-generation
 * trigger, which reads them from the store: the pool has no custom attribute anyone could write.
 */
import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  ClientAttributes,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  UserPool,
  type UserPoolClient,
  UserPoolOperation,
} from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { GROUPS, MACHINE_SCOPES, RESOURCE_SERVER } from '../../../functions/commons/claims.ts';
import type { CognitoIdentity, DeployConfig } from '../config.ts';

export interface IdentityProps {
  identity: DeployConfig['identity'];
  stage: string;
  retain: boolean;
  /** The pre-token-generation trigger (Cognito only). */
  preToken?: IFunction | undefined;
}

export class FlexdrIdentity extends Construct {
  readonly authorizer: HttpJwtAuthorizer;
  /** The Cognito pool and its clients; undefined with an OIDC issuer. */
  readonly userPool?: UserPool;
  readonly machineClients: UserPoolClient[] = [];

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);
    const { identity } = props;
    if (identity.provider === 'oidc') {
      this.authorizer = new HttpJwtAuthorizer('Jwt', identity.issuer, { jwtAudience: identity.audience });
      new CfnOutput(this, 'Issuer', { value: identity.issuer });
      return;
    }
    if (!props.preToken) throw new Error('a Cognito user pool needs its pre-token-generation function');
    const pool = this.cognitoPool(identity, props);
    pool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, props.preToken, LambdaVersion.V3_0);
    this.userPool = pool;
    const users = this.userClient(pool, identity);
    this.machineClients = this.machines(pool, identity);
    if (identity.callbackUrls.length > 0 || this.machineClients.length > 0)
      pool.addDomain('Domain', {
        cognitoDomain: { domainPrefix: identity.domainPrefix ?? `flexdr-${props.stage}` },
      });
    // Users' ID tokens name the user client (`aud`); machines' access tokens their own (`client_id`).
    this.authorizer = new HttpJwtAuthorizer('Jwt', pool.userPoolProviderUrl, {
      jwtAudience: [users, ...this.machineClients].map((c) => c.userPoolClientId),
    });
    new CfnOutput(this, 'UserPoolId', { value: pool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: users.userPoolClientId });
  }

  private cognitoPool(identity: CognitoIdentity, props: IdentityProps): UserPool {
    const pool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      mfa: identity.mfa === 'required' ? Mfa.REQUIRED : Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus (or Essentials) is what lets the pre-token trigger shape access tokens, machines' too.
      featurePlan: FeaturePlan.PLUS,
      // No custom attributes: bindings live in the coordinator's table, not on the user.
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    if (identity.mfa === 'optional')
      Validations.of(pool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason: "MFA set optional in this stage's config (identity.mfa), a stage where TOTP is not possible.",
      });
    for (const group of Object.keys(GROUPS))
      new CfnUserPoolGroup(this, `Group-${group}`, { userPoolId: pool.userPoolId, groupName: group });
    return pool;
  }

  /** People's client: SRP sign-in, and the authorization-code flow (PKCE) to configured redirects. */
  private userClient(pool: UserPool, identity: CognitoIdentity): UserPoolClient {
    const { callbackUrls, logoutUrls } = identity;
    return pool.addClient('ApiClient', {
      authFlows: { userSrp: true, userPassword: false },
      // Users may change their own name, email and phone, never anything else: with
      // `aws.cognito.signin.user.admin` in a token, UpdateUserAttributes honours this list.
      writeAttributes: new ClientAttributes().withStandardAttributes({
        fullname: true,
        email: true,
        phoneNumber: true,
      }),
      ...(callbackUrls.length > 0
        ? {
            oAuth: {
              flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
              scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
              callbackUrls,
              logoutUrls,
            },
          }
        : { disableOAuth: true }),
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
    });
  }

  /**
   * The `flexdr` resource server, one scope per machine role, and one confidential app client per
   * configured machine: the client-credentials grant only, no user sign-in of any kind.
   */
  private machines(pool: UserPool, identity: CognitoIdentity): UserPoolClient[] {
    const scopes = Object.keys(MACHINE_SCOPES).map(
      (full) =>
        new ResourceServerScope({
          scopeName: full.slice(RESOURCE_SERVER.length + 1),
          scopeDescription: `FlexDR role ${MACHINE_SCOPES[full]}`,
        }),
    );
    const server = pool.addResourceServer('Machines', {
      identifier: RESOURCE_SERVER,
      userPoolResourceServerName: 'FlexDR machines',
      scopes,
    });
    return identity.machineClients.map((name) =>
      pool.addClient(`Machine-${name}`, {
        userPoolClientName: name,
        generateSecret: true,
        authFlows: {},
        writeAttributes: new ClientAttributes(),
        oAuth: {
          flows: { clientCredentials: true },
          scopes: scopes.map((s) => OAuthScope.resourceServer(server, s)),
        },
        accessTokenValidity: Duration.hours(1),
        preventUserExistenceErrors: true,
      }),
    );
  }
}
