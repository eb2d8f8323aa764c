import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { assertIsError } from '../../../lib/caught-errors.ts';
import {
  allOperations,
  operationOf,
  validateNotification,
  validateResponse,
} from '../../support/openadr-openapi.ts';
import { officialErrors } from './official-schema.ts';
import { blEvent, metadata } from './support.ts';

// Samples written by hand from components.schemas of openadr3.yaml.
const program = {
  id: 'mengxi-peak',
  objectType: 'PROGRAM',
  ...metadata,
  programName: 'mengxi-peak',
  intervalPeriod: { start: '2026-01-01T00:00:00+08:00', duration: 'P1Y' },
  programDescriptions: [{ URL: 'https://example.com/programs/mengxi-peak' }],
  payloadDescriptors: [
    { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'DISPATCH_SETPOINT_RELATIVE', units: 'KW' },
  ],
  attributes: [{ type: 'FLEXDR_SETTLEMENT', values: ['{"pricePerKwh":3}'] }],
  targets: null,
};
const ven = {
  id: 'ven-b1',
  objectType: 'VEN',
  ...metadata,
  clientID: 'client-b1',
  venName: 'building-b1',
  targets: ['building:b1'],
};
const resource = {
  id: 'res-bat',
  objectType: 'RESOURCE',
  ...metadata,
  clientID: 'client-b1',
  resourceName: 'bat',
  venID: 'ven-b1',
};
const subscription = {
  id: 'sub-1',
  objectType: 'SUBSCRIPTION',
  ...metadata,
  clientID: 'client-b1',
  clientName: 'building-b1',
  programID: 'mengxi-peak',
  objectOperations: [
    {
      objects: ['EVENT'],
      operations: ['CREATE', 'UPDATE', 'DELETE'],
      callbackUrl: 'https://b1.example.com/openadr/callback',
      bearerToken: 'token-b1',
    },
  ],
  targets: ['building:b1'],
};
const report = {
  id: 'rep-1',
  objectType: 'REPORT',
  ...metadata,
  clientID: 'client-b1',
  eventID: 'imp-2026-001',
  clientName: 'building-b1',
  resources: [
    {
      resourceName: 'AGGREGATED_REPORT',
      intervalPeriod: { start: '2026-01-15T17:00:00+08:00', duration: 'PT15M' },
      intervals: [{ id: 0, payloads: [{ type: 'DEMAND', values: [420] }] }],
    },
  ],
};
const problem = { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no program mengxi-peak' };

/** The message `fn` throws. */
function failure(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    assertIsError(e);
    return e.message;
  }
  throw new Error('expected a failure');
}

describe('validateResponse against openadr3.yaml (openapi-backend)', () => {
  it('passes a program for GET /programs/{programID} 200', () => {
    validateResponse({ method: 'GET', path: '/programs/mengxi-peak', status: 200, body: program });
    validateResponse({ method: 'POST', path: '/programs', status: 201, body: program });
  });

  it('refuses a program without programName, naming it and the operation', () => {
    const { programName: _, ...nameless } = program;
    const message = failure(() =>
      validateResponse({ method: 'GET', path: '/programs/mengxi-peak', status: 200, body: nameless }),
    );
    expect(message).toContain('searchProgramByProgramId');
    expect(message).toContain('200');
    expect(message).toContain("(root) must have required property 'programName'");
  });

  it('reports each schema error with its instance path', () => {
    const message = failure(() =>
      validateResponse({
        method: 'GET',
        path: '/programs/mengxi-peak',
        status: 200,
        body: { ...program, id: 'has space', createdDateTime: 'yesterday', objectType: 'THING' },
      }),
    );
    expect(message).toContain('/id must match pattern');
    expect(message).toContain('/createdDateTime must match format "date-time"');
    expect(message).toContain('/objectType must be equal to one of the allowed values (PROGRAM, EVENT');
  });

  it('refuses a status the operation does not document', () => {
    expect(
      failure(() => validateResponse({ method: 'GET', path: '/programs/p1', status: 418, body: problem })),
    ).toMatch(
      /searchProgramByProgramId .* 418: status not documented \(documented: 200, 400, 401, 403, 404, 500\)/,
    );
    // PUT /programs/{programID} lists no 401.
    expect(
      failure(() =>
        validateResponse({ method: 'PUT', path: '/programs/p1', status: 401, body: { status: 401 } }),
      ),
    ).toContain('updateProgram');
    // POST /vens lists no 409: a duplicate venName has to be answered with a documented status.
    expect(
      failure(() => validateResponse({ method: 'POST', path: '/vens', status: 409, body: problem })),
    ).toContain('createVen (POST /vens) 409: status not documented');
  });

  it('refuses a path or method with no operation', () => {
    expect(failure(() => validateResponse({ method: 'GET', path: '/widgets', status: 200, body: [] }))).toBe(
      'openadr3.yaml: no operation matches GET /widgets',
    );
    expect(
      failure(() => validateResponse({ method: 'GET', path: '/openadr3/programs', status: 200, body: [] })),
    ).toContain('no operation matches');
    expect(() => operationOf('PATCH', '/programs/p1')).toThrow('no operation matches PATCH /programs/p1');
  });

  it.each([
    ['GET', '/programs?skip=0&limit=50', 400],
    ['GET', '/programs/p1', 404],
    ['PUT', '/programs/p1', 404],
    ['POST', '/programs', 409],
    ['POST', '/vens', 400],
    ['POST', '/auth/token', 501],
  ])('passes a problem for %s %s %i', (method, path, status) => {
    validateResponse({ method, path, status, body: { ...problem, status } });
    validateResponse({ method, path, status, body: {} });
  });

  it.each<[string, unknown, string]>([
    ['status as a string', { ...problem, status: '404' }, '/status must be integer'],
    ['status 600 (exclusive maximum)', { ...problem, status: 600 }, '/status must be <= 599'],
    ['status 99', { ...problem, status: 99 }, '/status must be >= 100'],
    ['a type that is no URI', { ...problem, type: 'not a uri' }, '/type must match format "uri"'],
    ['an array', [problem], '(root) must be object'],
  ])('refuses a problem with %s', (_, body, error) => {
    expect(
      failure(() => validateResponse({ method: 'GET', path: '/programs/p1', status: 404, body })),
    ).toContain(error);
  });

  it('accepts application/problem+json (RFC 7807) where the document declares the problem as JSON', () => {
    for (const contentType of [
      'application/json',
      'application/problem+json',
      'application/json; charset=utf-8',
    ]) {
      validateResponse({ method: 'GET', path: '/events/e1', status: 404, body: problem, contentType });
    }
    expect(
      failure(() =>
        validateResponse({
          method: 'GET',
          path: '/events/e1',
          status: 404,
          body: { ...problem, status: 'x' },
          contentType: 'application/problem+json',
        }),
      ),
    ).toContain('/status must be integer');
    expect(
      failure(() =>
        validateResponse({
          method: 'GET',
          path: '/programs/p1',
          status: 200,
          body: program,
          contentType: 'application/problem+json',
        }),
      ),
    ).toContain("content type 'application/problem+json' not declared");
    expect(
      failure(() =>
        validateResponse({
          method: 'GET',
          path: '/programs/p1',
          status: 404,
          body: problem,
          contentType: 'text/html',
        }),
      ),
    ).toContain("content type 'text/html' not declared (declared: application/json)");
  });

  it('passes a ven and a resource as the server represents them (patch 2)', () => {
    validateResponse({ method: 'GET', path: '/vens/ven-b1', status: 200, body: ven });
    validateResponse({
      method: 'GET',
      path: '/vens',
      status: 200,
      body: [ven, { ...ven, id: 'v2', targets: null }],
    });
    validateResponse({ method: 'POST', path: '/resources', status: 201, body: resource });
    validateResponse({ method: 'GET', path: '/resources?venID=ven-b1', status: 200, body: [resource] });
  });

  it.each<[string, unknown, string]>([
    ['without clientID', { ...ven, clientID: undefined }, "(root) must have required property 'clientID'"],
    ['without venName', { ...ven, venName: undefined }, "(root) must have required property 'venName'"],
    ['without metadata', { ...ven, id: undefined }, "(root) must have required property 'id'"],
    [
      'of objectType BL_VEN_REQUEST',
      { ...ven, objectType: 'BL_VEN_REQUEST' },
      '/objectType must be equal to one',
    ],
    ['with an empty target', { ...ven, targets: [''] }, '/targets/0 must NOT have fewer than 1 characters'],
  ])('refuses a ven %s', (_, body, error) => {
    const message = failure(() =>
      validateResponse({ method: 'GET', path: '/vens/ven-b1', status: 200, body }),
    );
    expect(message).toContain('searchVenByID');
    expect(message).toContain(error);
  });

  it('refuses a resource without venID', () => {
    expect(
      failure(() =>
        validateResponse({
          method: 'GET',
          path: '/resources/r',
          status: 200,
          body: { ...resource, venID: undefined },
        }),
      ),
    ).toContain("must have required property 'venID'");
  });

  it('checks every element of a list, ignoring the pagination query', () => {
    const events = [blEvent(), blEvent({ id: 'imp-2026-002' })];
    validateResponse({ method: 'GET', path: '/events?skip=0&limit=10', status: 200, body: events });
    validateResponse({ method: 'GET', path: '/events', status: 200, body: [] });
    const bad = [blEvent(), { ...blEvent({ id: 'imp-2026-002' }), programID: undefined }];
    const message = failure(() =>
      validateResponse({ method: 'GET', path: '/events?skip=0&limit=10', status: 200, body: bad }),
    );
    expect(message).toContain('searchAllEvents');
    expect(message).toContain("/1 must have required property 'programID'");
    expect(message).not.toContain('/0 ');
    expect(
      failure(() => validateResponse({ method: 'GET', path: '/events', status: 200, body: blEvent() })),
    ).toContain('(root) must be array');
  });

  it('passes reports and subscriptions', () => {
    validateResponse({ method: 'POST', path: '/reports', status: 201, body: report });
    validateResponse({
      method: 'GET',
      path: '/subscriptions?clientName=building-b1',
      status: 200,
      body: [subscription],
    });
    expect(
      failure(() =>
        validateResponse({
          method: 'POST',
          path: '/reports',
          status: 201,
          body: { ...report, clientID: undefined },
        }),
      ),
    ).toContain("must have required property 'clientID'");
  });
});

describe('operations of openadr3.yaml', () => {
  it.each([
    ['GET', '/programs', 'searchAllPrograms'],
    ['GET', '/programs?targets=building:b1&skip=0&limit=50', 'searchAllPrograms'],
    ['post', '/programs', 'createProgram'],
    ['GET', '/programs/p1', 'searchProgramByProgramId'],
    ['DELETE', '/events/e1', 'deleteEvent'],
    ['GET', '/events?programID=p1&skip=50', 'searchAllEvents'],
    ['PUT', '/reports/r1', 'updateReport'],
    ['GET', '/vens/v1', 'searchVenByID'],
    ['GET', '/notifiers/mqtt/topics/vens/v1/events', 'listAllMqttNotifierTopicsVenEvents'],
    ['POST', '/auth/token', 'fetchToken'],
  ])('%s %s is %s', (method, path, operationId) => {
    expect(operationOf(method, path)).toBe(operationId);
  });

  it('lists every operationId of the document', () => {
    const document = parse(
      readFileSync(new URL('../../support/openadr3/3.1.0/openadr3.yaml', import.meta.url), 'utf8'),
    ) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const ids = Object.values(document.paths).flatMap((item) =>
      Object.values(item).flatMap((op) => (op?.operationId ? [op.operationId] : [])),
    );
    expect(allOperations().sort()).toEqual(ids.sort());
    expect(ids.length).toBeGreaterThan(30);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('validateNotification against components.schemas.notification', () => {
  it.each<[string, Record<string, unknown>]>([
    ['program', program],
    ['event', blEvent()],
    ['report', report],
    ['subscription', subscription],
    ['ven', ven],
    ['resource', resource],
  ])('passes a notification of a %s', (_, object) => {
    validateNotification({
      objectType: object.objectType,
      operation: 'CREATE',
      object,
      targets: ['building:b1'],
    });
  });

  it('refuses a malformed notification, with the errors of the discriminated object only', () => {
    expect(failure(() => validateNotification({ objectType: 'EVENT', object: blEvent() }))).toContain(
      "(root) must have required property 'operation'",
    );
    expect(
      failure(() =>
        validateNotification({ objectType: 'EVENT', operation: 'CREATE', object: blEvent(), targets: 'b1' }),
      ),
    ).toContain('/targets must be array');
    const message = failure(() =>
      validateNotification({
        objectType: 'EVENT',
        operation: 'UPDATE',
        object: { ...blEvent(), programID: undefined },
      }),
    );
    expect(message).toContain("/object must have required property 'programID'");
    expect(message).not.toContain('programName');
  });

  it('validates the object by its objectType (patch 3)', () => {
    // As written, oneOf refuses a subscription scoped to a program: it also matches `event`,
    // whose only requirement beyond the metadata is programID.
    expect(officialErrors('event', subscription)).toEqual([]);
    expect(officialErrors('subscription', subscription)).toEqual([]);
    validateNotification({ objectType: 'SUBSCRIPTION', operation: 'CREATE', object: subscription });
    // And an object may not pass as another type than the one it names.
    expect(officialErrors('program', { ...program, objectType: 'EVENT' })).toEqual([]);
    expect(
      failure(() =>
        validateNotification({
          objectType: 'EVENT',
          operation: 'CREATE',
          object: { ...program, objectType: 'EVENT' },
        }),
      ),
    ).toContain("/object must have required property 'programID'");
  });
});
