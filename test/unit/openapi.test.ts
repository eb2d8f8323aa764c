import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../functions/openapi.ts';
import { httpRoutes } from '../../functions/routes.ts';

describe('OpenAPI document', () => {
  it('is checked in as generated (run `npm run openapi` after changing a route or schema)', () => {
    const checkedIn = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
    expect(checkedIn).toEqual(JSON.parse(JSON.stringify(buildOpenApi())));
  });

  it('describes every route, with a request body schema where the route takes one', () => {
    const doc = buildOpenApi() as {
      paths: Record<string, Record<string, { operationId: string; requestBody?: unknown }>>;
    };
    const operations = Object.values(doc.paths).flatMap((p) => Object.values(p));
    expect(operations.map((o) => o.operationId).sort()).toEqual(Object.keys(httpRoutes).sort());
    const createEvent = doc.paths['/events']?.post as {
      requestBody: { content: { 'application/json': { schema: { properties: object } } } };
    };
    expect(Object.keys(createEvent.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['eventId', 'type', 'start', 'end', 'targetsKw', 'scope']),
    );
  });
});
