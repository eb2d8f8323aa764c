/**
 * The HTTP API: API Gateway v2 with a JWT authorizer backed by a Cognito user pool whose groups are
 * the three roles, and park / building bindings as custom attributes. Every route but the public
 * ones needs a token; throttling limits per stage and per route.
 */
import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StringAttribute,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { GROUPS } from '../../../functions/commons/claims.ts';
import {
  OPENADR_PREFIX,
  type OpenadrOperation,
  openadrOperations,
} from '../../../functions/openadr/operations.ts';
import { httpRoutes, type RouteName } from '../../../functions/routes.ts';
import type { DeployConfig } from '../config.ts';
import type { CoordinatorFunctions } from './coordinator-functions.ts';

export interface HttpApiProps {
  functions: CoordinatorFunctions;
  logRetention: RetentionDays;
  retain: boolean;
  identity: DeployConfig['identity'];
}

/** Requests per second per route, and the burst above it. */
const THROTTLE = { rate: 200, burst: 400 };
const TELEMETRY_THROTTLE = { rate: 2000, burst: 4000 };

export class FlexdrHttpApi extends Construct {
  readonly api: HttpApi;
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      mfa: props.identity.mfa === 'required' ? Mfa.REQUIRED : Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      // Bindings: mutable so that an administrator (AdminUpdateUserAttributes) can change them, never
      // writable by the user: the app client's writeAttributes below leave every custom attribute out.
      customAttributes: {
        parkIds: new StringAttribute({ mutable: true, maxLen: 2048 }),
        buildingIds: new StringAttribute({ mutable: true, maxLen: 2048 }),
      },
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    if (props.identity.mfa === 'optional')
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason:
          "MFA set optional in this stage's config (identity.mfa) so that BMS service users can sign in unattended.",
      });
    for (const group of Object.keys(GROUPS))
      new CfnUserPoolGroup(this, `Group-${group}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
      });
    const { callbackUrls, logoutUrls } = props.identity;
    this.client = this.userPool.addClient('ApiClient', {
      authFlows: { userSrp: true, userPassword: false },
      // Users may change their own name, email and phone, never a custom attribute (their bindings):
      // with `aws.cognito.signin.user.admin` in a token, UpdateUserAttributes honours this list.
      writeAttributes: new ClientAttributes().withStandardAttributes({
        fullname: true,
        email: true,
        phoneNumber: true,
      }),
      // Authorization code with PKCE only, to the configured redirects; none configured, no OAuth.
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

    const authorizer = new HttpJwtAuthorizer('Jwt', this.userPool.userPoolProviderUrl, {
      jwtAudience: [this.client.userPoolClientId],
    });
    this.api = new HttpApi(this, 'Api', { apiName: 'flexdr', createDefaultStage: true });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    const routes: HttpRoute[] = [];
    for (const [name, route] of Object.entries(httpRoutes) as [RouteName, (typeof httpRoutes)[RouteName]][]) {
      const fn = props.functions.http.get(name);
      if (!fn) throw new Error(`no function for route ${name}`);
      const [added] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`Integration-${name}`, fn),
        ...(route.roles.length > 0 ? { authorizer } : {}),
      });
      if (added) routes.push(added);
      if (route.roles.length === 0 && added)
        Validations.of(added).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.path} is public on purpose: it reveals nothing and must answer without a token.`,
        });
      const limits = name === 'report-telemetry' ? TELEMETRY_THROTTLE : THROTTLE;
      routeSettings[`${route.method} ${route.path}`] = {
        ThrottlingRateLimit: limits.rate,
        ThrottlingBurstLimit: limits.burst,
      };
    }

    // The OpenADR 3.1 surface: the VTN issues its own OAuth2 client-credentials tokens (opaque,
    // checked against the table by every handler), so API Gateway's JWT authorizer stays off here.
    const openadrIntegrations = new Map<string, HttpLambdaIntegration>();
    for (const [operationId, op] of Object.entries(openadrOperations) as [string, OpenadrOperation][]) {
      const fn = props.functions.openadr.get(op.family);
      if (!fn) throw new Error(`no function for OpenADR family ${op.family}`);
      let integration = openadrIntegrations.get(op.family);
      if (!integration) {
        // One invoke permission per family on this API, not one per route: a family's function
        // serves all of its routes anyway, and per-route permissions cost a stack resource each.
        integration = new HttpLambdaIntegration(`Integration-openadr-${op.family}`, fn, {
          scopePermissionToRoute: false,
        });
        openadrIntegrations.set(op.family, integration);
      }
      const path = `${OPENADR_PREFIX}${op.path}`;
      const [added] = this.api.addRoutes({ path, methods: [HttpMethod[op.method]], integration });
      if (added) routes.push(added);
      if (added)
        Validations.of(added).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `OpenADR ${operationId}: the VTN checks its own OAuth2 bearer tokens in the handler (OpenADR 3.1 client credentials).`,
        });
      routeSettings[`${op.method} ${path}`] = {
        ThrottlingRateLimit: THROTTLE.rate,
        ThrottlingBurstLimit: THROTTLE.burst,
      };
    }

    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    stage.defaultRouteSettings = { throttlingRateLimit: THROTTLE.rate, throttlingBurstLimit: THROTTLE.burst };
    stage.routeSettings = routeSettings;
    // RouteSettings name routes by key: CloudFormation must create every route before the stage, or
    // it fails with "Unable to find Route by key" (and again whenever a route is added).
    for (const route of routes) stage.node.addDependency(route);
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        sub: '$context.authorizer.claims.sub',
      }),
    };

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.client.userPoolClientId });
  }
}
