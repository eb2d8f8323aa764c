/**
 * The shape of every HTTP handler: one route, one use-case. Parses the caller, path, query and body
 * with zod, runs the use-case, answers JSON; errors are mapped once, unknown ones become a bare 500.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import type { Principal } from '../../lib/app/auth.ts';
import type { Deps } from '../../lib/app/config.ts';
import { ForbiddenError } from '../../lib/domain/errors.ts';
import { parseOrThrow } from '../../lib/domain/validate.ts';
import { httpFunctions } from '../definitions.ts';
import { type HttpRoute, httpRoutes, type RouteName } from '../routes.ts';
import { COGNITO_CLAIMS, principalOf, withBindings } from './claims.ts';
import { coldStart, type Wiring } from './deps.ts';
import { RequestError, toHttpError } from './errors.ts';
import { logger, metrics, tracer } from './powertools.ts';

/** Bodies above this are refused before parsing. */
export const MAX_BODY_BYTES = 1_048_576;
/** The smallest magnitude of a non-zero number DynamoDB stores. */
export const MIN_NUMBER_MAGNITUDE = 1e-130;

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

export interface RouteContext<B, P, Q> {
  deps: Deps;
  who: Principal;
  body: B;
  params: P;
  query: Q;
}

export interface Reply {
  statusCode: number;
  body: unknown;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;
type RouteOf<N extends RouteName> = (typeof httpRoutes)[N];
type Field<N extends RouteName, K extends string> =
  RouteOf<N> extends Record<K, infer S> ? Out<S> : undefined;

export interface RouteSpec<N extends RouteName> {
  run(ctx: RouteContext<Field<N, 'body'>, Field<N, 'params'>, Field<N, 'query'>>): Promise<Reply>;
}

/** The request body as text (undefined when there is none); 413 above {@link MAX_BODY_BYTES}. */
export function bodyText(event: Pick<HttpEvent, 'body' | 'isBase64Encoded'>): string | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES)
    throw new RequestError(`the body is larger than ${MAX_BODY_BYTES} bytes`, 413);
  return text;
}

/** Parses a JSON body; 400 when it is not JSON or holds a number too small for DynamoDB. */
export function parseJsonBody(text: string): unknown {
  // DynamoDB stores no number of magnitude below 1e-130: refused here rather than failing the write.
  let tiny: { key: string; value: number } | undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (key, value: unknown) => {
      if (typeof value === 'number' && value !== 0 && Math.abs(value) < MIN_NUMBER_MAGNITUDE)
        tiny ??= { key, value };
      return value;
    });
  } catch {
    throw new RequestError('the body is not valid JSON', 400);
  }
  if (tiny)
    throw new RequestError(
      `the number ${tiny.value} at '${tiny.key}' is too small to store: use 0 or a magnitude of at least ${MIN_NUMBER_MAGNITUDE}`,
      400,
    );
  return parsed;
}

function readBody(event: HttpEvent): unknown {
  const text = bodyText(event);
  return text === undefined ? undefined : parseJsonBody(text);
}

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

/**
 * One HTTP route's function: `makeHandler(wiring)` builds its Lambda handler from dependencies the
 * caller built (the local runtime, tests); `handler` is the same, wired from the environment at
 * cold start (what Lambda runs).
 */
export function httpRoute<N extends RouteName>(name: N, spec: RouteSpec<N>) {
  const route: HttpRoute = httpRoutes[name];
  const definition = httpFunctions[name];
  const makeHandler = ({ deps, claims = COGNITO_CLAIMS }: Wiring) => {
    const base = async (event: HttpEvent, context: Context): Promise<APIGatewayProxyResultV2> => {
      try {
        let who = principalOf(event, claims);
        if (!(route.roles as readonly string[]).includes(who.role))
          throw new ForbiddenError(`${route.method} ${route.path} is not open to the role ${who.role}`);
        // An issuer that knows nothing of FlexDR's parks: the bindings are the stored ones.
        if (claims.bindings === 'store') who = withBindings(who, await deps.bindings.get(who.subject));
        const raw = readBody(event);
        const body = route.body ? parseOrThrow(route.body, raw, 'request body') : undefined;
        if (!route.body && raw !== undefined)
          throw new RequestError(`${route.method} ${route.path} takes no body`, 400);
        const params = route.params
          ? parseOrThrow(route.params, event.pathParameters ?? {}, 'path')
          : undefined;
        const query = route.query
          ? parseOrThrow(route.query, event.queryStringParameters ?? {}, 'query')
          : undefined;
        const ctx = { deps, who, body, params, query };
        const reply = await spec.run(ctx as Parameters<RouteSpec<N>['run']>[0]);
        return json(reply.statusCode, reply.body);
      } catch (e) {
        const mapped = toHttpError(e);
        if (mapped) {
          logger.info('request refused', { statusCode: mapped.statusCode, message: mapped.body.message });
          return json(mapped.statusCode, mapped.body, mapped.headers);
        }
        if (e instanceof Error) logger.error('request failed', e);
        else logger.error('request failed', { error: String(e) });
        metrics.addMetric('UnhandledErrors', MetricUnit.Count, 1);
        return json(500, { message: 'internal error', requestId: context.awsRequestId });
      }
    };
    return middy(base)
      .use(captureLambdaHandler(tracer, { captureResponse: definition.captureResponse }))
      .use(injectLambdaContext(logger))
      .use(logMetrics(metrics));
  };
  return { definition, makeHandler, handler: coldStart(definition, makeHandler) };
}
