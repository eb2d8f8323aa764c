/**
 * The shape of every OpenADR handler: one function per family of operations. It finds the
 * operation from the route key, resolves the bearer token to a caller (401), checks the scope the
 * document requires (403), parses path, query and body with zod (400), runs the operation and
 * answers JSON; every refusal is an RFC 7807 `problem` body with the document's status codes.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import type { Deps } from '../../lib/app/config.ts';
import { callerOf, OAuthError } from '../../lib/app/openadr/credentials.ts';
import { NotFoundError } from '../../lib/domain/errors.ts';
import { parseOrThrow } from '../../lib/domain/validate.ts';
import { type OpenadrCaller, requireScope } from '../../lib/openadr/access.ts';
import { coldStart, type Wiring } from '../commons/deps.ts';
import { RequestError, toHttpError } from '../commons/errors.ts';
import { bodyText, json, parseJsonBody } from '../commons/http.ts';
import { logger, metrics, tracer } from '../commons/powertools.ts';
import { openadrFunctions } from '../definitions.ts';
import {
  documentedStatus,
  methodsAt,
  type OpenadrFamily,
  type OpenadrOperation,
  type OperationId,
  openadrOperations,
  routeKeyOf,
} from './operations.ts';

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;
type Op<I extends OperationId> = (typeof openadrOperations)[I];
type Field<I extends OperationId, K extends string> = Op<I> extends Record<K, infer S> ? Out<S> : undefined;

export interface OperationContext<I extends OperationId> {
  deps: Deps;
  /** Undefined only for the public auth operations. */
  caller: Op<I> extends { scope: string } ? OpenadrCaller : OpenadrCaller | undefined;
  params: Field<I, 'params'>;
  query: Field<I, 'query'>;
  body: Field<I, 'body'>;
  /** The request's own URL base (`https://host/openadr3`), for `/auth/server`. */
  baseUrl: string;
  /** The address the request came from, as API Gateway saw it (throttling of the token endpoint). */
  sourceIp: string;
  /** The `Authorization` header as sent (the token endpoint's HTTP Basic client authentication). */
  authorization: string | undefined;
}

export type OperationImpl<I extends OperationId> = (ctx: OperationContext<I>) => Promise<unknown>;

type FamilyOf<F extends OpenadrFamily> = {
  [I in OperationId]: Op<I>['family'] extends F ? I : never;
}[OperationId];

/** RFC 7807 body, as the document's `problem` schema gives it, typed `application/problem+json`. */
export function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return json(
    status,
    { type: 'about:blank', title, status, detail, ...extra },
    { 'content-type': 'application/problem+json; charset=utf-8', ...headers },
  );
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return event.headers?.[name] ?? event.headers?.[name.toLowerCase()];
}

function bearerOf(event: APIGatewayProxyEventV2): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header(event, 'authorization') ?? '');
  return m?.[1];
}

/**
 * JSON (`application/json` or a `+json` type; a body without a content type is read as JSON);
 * `application/x-www-form-urlencoded` only where the document declares it (the token endpoint,
 * RFC 6749 §4.4.2). Any other declared type is a 415. A GET's body has no meaning and is ignored.
 */
function readBody(event: APIGatewayProxyEventV2, op: OpenadrOperation): unknown {
  if (op.method === 'GET') return undefined;
  const text = bodyText(event);
  if (text === undefined) return undefined;
  const type = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const takes = op.path === '/auth/token' ? 'application/json or a form' : 'application/json';
  if (type === 'application/x-www-form-urlencoded') {
    if (op.path !== '/auth/token')
      throw new RequestError(`${op.method} ${op.path} takes application/json, not a form`, 415);
    return Object.fromEntries(new URLSearchParams(text));
  }
  if (type !== '' && type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type))
    throw new RequestError(`${op.method} ${op.path} takes ${takes}, not ${type}`, 415);
  return parseJsonBody(text);
}

/**
 * One family of OpenADR operations' function: `makeHandler(wiring)` builds its Lambda handler from
 * given dependencies; `handler` is the same, wired from the environment at cold start.
 */
export function openadrHandler<F extends OpenadrFamily>(
  family: F,
  impls: { [I in FamilyOf<F>]: OperationImpl<I> },
) {
  const definition = openadrFunctions[family];
  const byRouteKey = new Map<string, { id: OperationId; op: OpenadrOperation }>();
  for (const [id, op] of Object.entries(openadrOperations) as [OperationId, OpenadrOperation][])
    if (op.family === family) byRouteKey.set(routeKeyOf(op), { id, op });

  const makeHandler = ({ deps }: Wiring) => {
    const base = async (
      event: APIGatewayProxyEventV2,
      context: Context,
    ): Promise<APIGatewayProxyResultV2> => {
      const found = byRouteKey.get(event.routeKey);
      const status = (s: number) => (found ? documentedStatus(found.id, s) : s);
      try {
        if (!found) {
          // The fallback route (or a route of another family): a path the document serves with
          // other methods is a 405 naming them; any other path a 404. Both as problem bodies.
          const allowed = methodsAt(event.rawPath);
          const method = event.requestContext.http.method;
          if (allowed.length > 0)
            return problem(
              405,
              'Method Not Allowed',
              `${method} is not served at ${event.rawPath}; it takes ${allowed.join(', ')}`,
              {},
              { allow: allowed.join(', ') },
            );
          throw new NotFoundError(`no OpenADR operation ${method} ${event.rawPath} here`);
        }
        const { id, op } = found;
        const caller = op.scope ? await callerOf(deps, bearerOf(event)) : undefined;
        if (op.scope && caller) requireScope(caller, op.scope);
        const raw = readBody(event, op);
        if (!op.body && raw !== undefined)
          throw new RequestError(`${op.method} ${op.path} takes no body`, 400);
        const body = op.body ? parseOrThrow(op.body, raw ?? {}, 'request body') : undefined;
        const params = op.params ? parseOrThrow(op.params, event.pathParameters ?? {}, 'path') : undefined;
        const query = op.query
          ? parseOrThrow(op.query, event.queryStringParameters ?? {}, 'query')
          : undefined;
        const host = header(event, 'host') ?? event.requestContext.domainName;
        const proto = header(event, 'x-forwarded-proto') ?? 'https';
        const impl = (impls as Record<string, OperationImpl<OperationId>>)[id] as OperationImpl<OperationId>;
        const result = await impl({
          deps,
          caller,
          params,
          query,
          body,
          baseUrl: `${proto}://${host}/openadr3`,
          sourceIp: event.requestContext.http.sourceIp,
          authorization: header(event, 'authorization'),
        } as never);
        return json(op.success, result);
      } catch (e) {
        if (e instanceof OAuthError)
          return problem(
            status(e.statusCode),
            TITLES[e.statusCode] as string,
            e.message,
            { error: e.error, error_description: e.message },
            // RFC 6749 §5.2: a failed client authentication answers 401 with the scheme to use.
            e.statusCode === 401 ? { 'www-authenticate': 'Basic realm="openadr3"' } : {},
          );
        const mapped = toHttpError(e);
        if (mapped) {
          logger.info('OpenADR request refused', {
            statusCode: mapped.statusCode,
            message: mapped.body.message,
          });
          const answered = status(mapped.statusCode);
          return problem(
            answered,
            TITLES[answered] ?? 'Error',
            mapped.body.message,
            { ...(mapped.body.issues ? { issues: mapped.body.issues } : {}) },
            mapped.headers,
          );
        }
        if (e instanceof Error) logger.error('OpenADR request failed', e);
        else logger.error('OpenADR request failed', { error: String(e) });
        metrics.addMetric('UnhandledErrors', MetricUnit.Count, 1);
        return problem(500, TITLES[500] as string, `internal error (request ${context.awsRequestId})`);
      }
    };
    return middy(base)
      .use(captureLambdaHandler(tracer, { captureResponse: definition.captureResponse }))
      .use(injectLambdaContext(logger))
      .use(logMetrics(metrics));
  };
  return { definition, makeHandler, handler: coldStart(definition, makeHandler) };
}

/** The spec's `skip` and `limit`, applied after filtering. */
export function paginate<T>(items: readonly T[], page: { skip: number; limit: number }): T[] {
  return items.slice(page.skip, page.skip + page.limit);
}
