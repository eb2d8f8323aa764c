/**
 * The HTTP API: API Gateway v2 with a JWT authorizer (Cognito's user pool, or an OIDC issuer: see
 * `identity.ts`). Every route but the public ones needs a token; throttling limits per stage and
 * per route.
 */
import { CfnOutput, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { preTokenFunction } from '../../../functions/definitions.ts';
import {
  OPENADR_FALLBACK_FAMILY,
  OPENADR_FALLBACK_ROUTE,
  OPENADR_PREFIX,
  type OpenadrOperation,
  openadrOperations,
} from '../../../functions/openadr/operations.ts';
import { httpRoutes, type RouteName } from '../../../functions/routes.ts';
import type { DeployConfig } from '../config.ts';
import type { CoordinatorFunctions } from './coordinator-functions.ts';
import { FlexdrIdentity } from './identity.ts';

export interface HttpApiProps {
  functions: CoordinatorFunctions;
  logRetention: RetentionDays;
  retain: boolean;
  identity: DeployConfig['identity'];
  stage: string;
}

/** Requests per second per route, and the burst above it. */
const THROTTLE = { rate: 200, burst: 400 };
const TELEMETRY_THROTTLE = { rate: 2000, burst: 4000 };

export class FlexdrHttpApi extends Construct {
  readonly api: HttpApi;
  readonly identity: FlexdrIdentity;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.identity = new FlexdrIdentity(this, 'Identity', {
      identity: props.identity,
      stage: props.stage,
      retain: props.retain,
      preToken: props.functions.byId.get(preTokenFunction.id),
    });
    const { authorizer } = this.identity;
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

    // Every other request under the prefix reaches one OpenADR function, which answers a problem
    // body: 405 with `Allow` for a path the document serves with other methods, else 404.
    const fallback = openadrIntegrations.get(OPENADR_FALLBACK_FAMILY);
    if (!fallback) throw new Error(`no integration for OpenADR family ${OPENADR_FALLBACK_FAMILY}`);
    const [caught] = this.api.addRoutes({
      path: OPENADR_FALLBACK_ROUTE.path,
      methods: [HttpMethod.ANY],
      integration: fallback,
    });
    if (caught) {
      routes.push(caught);
      Validations.of(caught).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'OpenADR fallback: answers 404 or 405 problem bodies, and reads no data.',
      });
    }
    routeSettings[`${OPENADR_FALLBACK_ROUTE.method} ${OPENADR_FALLBACK_ROUTE.path}`] = {
      ThrottlingRateLimit: THROTTLE.rate,
      ThrottlingBurstLimit: THROTTLE.burst,
    };

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
  }
}
