/**
 * The local HTTP gateway: what API Gateway (HTTP API, payload 2.0, JWT authorizer) does on AWS.
 * It matches a request to a route of `functions/routes.ts`, checks the bearer token on protected
 * routes (401 `Unauthorized` as API Gateway answers), builds the API Gateway v2 event with the
 * verified claims and calls the function the route's definition names, as the runtime built it. It
 * also serves the web console under `/console/` and the runtime's own `/local/` routes.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { httpFunctions, openadrFunctions } from '../../functions/definitions.ts';
import {
  OPENADR_FALLBACK_FAMILY,
  OPENADR_FALLBACK_ROUTE,
  OPENADR_PREFIX,
  type OpenadrOperation,
  openadrOperations,
} from '../../functions/openadr/operations.ts';
import { type HttpRoute, httpRoutes, type RouteName } from '../../functions/routes.ts';
import type { LocalFunction } from './functions.ts';

/** API Gateway refuses payloads above 10 MB; the handlers refuse above 1 MB themselves. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface GatewayOptions {
  /** The runtime's functions by definition id. */
  functions: ReadonlyMap<string, LocalFunction>;
  /** Verifies a bearer token and returns its claims as API Gateway passes them; throws when invalid. */
  verify(token: string): Promise<Record<string, string>>;
  /** The runtime's own routes (`/local/...`); answers undefined when it has none for the request. */
  local(request: LocalRequest): Promise<LocalReply | undefined>;
  /** Static files of the console by URL path. */
  files(): Promise<Map<string, { contentType: string; body: Uint8Array }>>;
  onRequest?: (line: string) => void;
}

export interface LocalRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  /** Claims of a valid bearer token, if one was sent. */
  claims: Record<string, string> | undefined;
}

export interface LocalReply {
  status: number;
  body: unknown;
}

interface CompiledRoute {
  /** The id of the function that serves it. */
  functionId: string;
  method: string;
  /** The path as API Gateway's route key writes it. */
  path: string;
  /** Whether the gateway checks a FlexDR token (the OpenADR surface checks its own). */
  protected: boolean;
  regex: RegExp;
  params: string[];
}

function compile(functionId: string, method: string, path: string, isProtected: boolean): CompiledRoute {
  const params: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_, p: string) => {
    params.push(p);
    return '([^/]+)';
  });
  return { functionId, method, path, protected: isProtected, regex: new RegExp(`^${source}$`), params };
}

const compiled: CompiledRoute[] = [
  ...(Object.entries(httpRoutes) as [RouteName, HttpRoute][]).map(([name, route]) =>
    compile(httpFunctions[name].id, route.method, route.path, route.roles.length > 0),
  ),
  ...(Object.values(openadrOperations) as OpenadrOperation[]).map((op) =>
    compile(openadrFunctions[op.family].id, op.method, `${OPENADR_PREFIX}${op.path}`, false),
  ),
];

/**
 * API Gateway's greedy `ANY /openadr3/{proxy+}`: matched only when no other route is, by any
 * method, and answered by the same function as on AWS (404 or 405 problem bodies).
 */
const openadrFallback: CompiledRoute = {
  functionId: openadrFunctions[OPENADR_FALLBACK_FAMILY].id,
  method: OPENADR_FALLBACK_ROUTE.method,
  path: OPENADR_FALLBACK_ROUTE.path,
  protected: false,
  regex: new RegExp(`^${OPENADR_PREFIX}/(.+)$`),
  params: ['proxy'],
};

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) throw new PayloadTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

class PayloadTooLarge extends Error {}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...(text && typeof body !== 'string' ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    ...headers,
  });
  res.end(text);
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(.+)$/i.exec(h) : null;
  return m ? (m[1] as string).trim() : undefined;
}

/** Builds the node:http request listener. */
export function gateway(options: GatewayOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    let status = 500;
    try {
      if (method === 'GET' && (url.pathname === '/' || url.pathname === '/console')) {
        status = 302;
        send(res, 302, undefined, { location: '/console/' });
        return;
      }
      if (url.pathname.startsWith('/console/')) {
        const file = (await options.files()).get(url.pathname);
        status = file ? 200 : 404;
        if (!file) send(res, 404, { message: 'Not Found' });
        else {
          res.writeHead(200, { 'content-type': file.contentType, 'cache-control': 'no-cache' });
          res.end(file.body);
        }
        return;
      }
      const raw = await readRaw(req);
      const token = bearer(req);
      if (url.pathname.startsWith('/local/')) {
        let claims: Record<string, string> | undefined;
        if (token) claims = await options.verify(token).catch(() => undefined);
        let body: unknown;
        if (raw.length > 0) {
          try {
            body = JSON.parse(raw.toString('utf8'));
          } catch {
            status = 400;
            send(res, 400, { message: 'the body is not valid JSON' });
            return;
          }
        }
        const reply = await options.local({
          method,
          path: url.pathname,
          query: url.searchParams,
          body,
          claims,
        });
        status = reply?.status ?? 404;
        send(res, status, reply ? reply.body : { message: 'Not Found' });
        return;
      }
      const caught = openadrFallback.regex.exec(url.pathname);
      const match =
        compiled
          .filter((c) => c.method === method)
          .map((c) => ({ c, m: c.regex.exec(url.pathname) }))
          .find((x) => x.m) ?? (caught ? { c: openadrFallback, m: caught } : undefined);
      if (!match?.m) {
        status = 404;
        send(res, 404, { message: 'Not Found' });
        return;
      }
      const { c, m } = match;
      let claims: Record<string, string> | undefined;
      if (c.protected) {
        claims = token ? await options.verify(token).catch(() => undefined) : undefined;
        if (!claims) {
          status = 401;
          send(res, 401, { message: 'Unauthorized' });
          return;
        }
      }
      let pathParameters: Record<string, string>;
      try {
        pathParameters = Object.fromEntries(
          c.params.map((p, i) => [p, decodeURIComponent(m[i + 1] as string)]),
        );
      } catch {
        // Malformed percent-encoding (`%zz`, `%FF`, an encoded lone surrogate) is the caller's error.
        status = 400;
        const detail = 'the path is not valid percent-encoding';
        send(
          res,
          400,
          // The OpenADR surface answers RFC 7807 problems; the native API its own error shape.
          c.path.startsWith(OPENADR_PREFIX)
            ? { type: 'about:blank', title: 'Bad Request', status: 400, detail }
            : { message: detail },
        );
        return;
      }
      // fromEntries defines own properties, so a key such as `__proto__` stays a key (as in the JSON
      // event Lambda parses) instead of setting the object's prototype and vanishing.
      const queryStringParameters: Record<string, string> = Object.fromEntries(
        [...new Set(url.searchParams.keys())].map((key) => [key, url.searchParams.getAll(key).join(',')]),
      );
      const headers: Record<string, string> = Object.fromEntries(
        Object.entries(req.headers).flatMap(([k, v]) =>
          v === undefined ? [] : [[k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]],
        ),
      );
      // API Gateway tells the function how the client connected; here it is plain HTTP.
      headers['x-forwarded-proto'] = 'http';
      const requestId = randomUUID();
      const now = new Date();
      const event = {
        version: '2.0',
        routeKey: `${c.method} ${c.path}`,
        rawPath: url.pathname,
        rawQueryString: url.search.replace(/^\?/, ''),
        headers,
        ...(Object.keys(queryStringParameters).length ? { queryStringParameters } : {}),
        ...(c.params.length ? { pathParameters } : {}),
        ...(raw.length ? { body: raw.toString('utf8'), isBase64Encoded: false } : { isBase64Encoded: false }),
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          domainName: headers.host ?? 'localhost',
          domainPrefix: 'localhost',
          http: {
            method,
            path: url.pathname,
            protocol: `HTTP/${req.httpVersion}`,
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: headers['user-agent'] ?? '',
          },
          requestId,
          routeKey: `${c.method} ${c.path}`,
          stage: '$default',
          time: now.toISOString(),
          timeEpoch: now.getTime(),
          ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
        },
      } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
      const fn = options.functions.get(c.functionId);
      if (!fn) throw new Error(`no function ${c.functionId}`);
      const result = (await fn.invoke(event, requestId)) as APIGatewayProxyStructuredResultV2;
      status = result.statusCode ?? 200;
      const out = result.body ?? '';
      res.writeHead(status, { ...(result.headers as Record<string, string>) });
      res.end(result.isBase64Encoded ? Buffer.from(out, 'base64') : out);
    } catch (e) {
      if (e instanceof PayloadTooLarge) {
        status = 413;
        send(res, 413, { message: 'Request Entity Too Large' });
        return;
      }
      status = 500;
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
      options.onRequest?.(
        `gateway error on ${method} ${url.pathname}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
    } finally {
      options.onRequest?.(`${method} ${url.pathname} ${status} ${Date.now() - started} ms`);
    }
  };
}
