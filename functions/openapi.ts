/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route table and its zod schemas
 * (zod's own JSON Schema output). `npm run openapi` writes `docs/openapi.json`; a test fails when the
 * checked-in file is stale.
 */
import * as z from 'zod';
import { httpRoutes } from './routes.ts';

type JsonSchema = Record<string, unknown>;

const schema = (s: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const ERROR: JsonSchema = {
  type: 'object',
  properties: {
    message: { type: 'string' },
    issues: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
  required: ['message'],
};

function parameters(params: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!params) return [];
  const s = schema(params) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, sch]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    schema: sch,
  }));
}

export function buildOpenApi(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [name, route] of Object.entries(httpRoutes)) {
    const r = route as (typeof httpRoutes)[keyof typeof httpRoutes] & {
      params?: z.ZodType;
      query?: z.ZodType;
      body?: z.ZodType;
    };
    const op: JsonSchema = {
      operationId: name,
      summary: r.summary,
      'x-flexdr-roles': r.roles,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      responses: {
        [String(r.success)]: {
          description: 'success',
          content: r.success === 204 ? undefined : { 'application/json': {} },
        },
        ...(r.roles.length > 0
          ? {
              '400': { description: 'invalid input', content: { 'application/json': { schema: ERROR } } },
              '401': { description: 'no valid token', content: { 'application/json': { schema: ERROR } } },
              '403': {
                description: 'role or binding does not allow it',
                content: { 'application/json': { schema: ERROR } },
              },
              '404': {
                description: 'not found (or not visible to the caller)',
                content: { 'application/json': { schema: ERROR } },
              },
              '409': {
                description: 'conflicts with the current state',
                content: { 'application/json': { schema: ERROR } },
              },
            }
          : {}),
      },
      ...(r.roles.length > 0 ? { security: [{ jwt: [] }] } : { security: [] }),
    };
    if (r.body)
      op.requestBody = { required: true, content: { 'application/json': { schema: schema(r.body) } } };
    paths[r.path] = { ...(paths[r.path] ?? {}), [r.method.toLowerCase()]: JSON.parse(JSON.stringify(op)) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'FlexDR',
      version: '1',
      description:
        'Grid demand-response coordinator for flexible buildings. Roles come from the JWT (Cognito groups grid-operator, park-manager, bms; the flexdr/bms scope of machine client-credentials tokens); bindings are set through /users/{userId}/bindings and enter tokens as custom:parkIds and custom:buildingIds.',
    },
    components: { securitySchemes: { jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}
