/**
 * How a function is wired from its definition: a read-only table grant refuses writes before they
 * leave the process, an idempotent consumer without its store fails when built, and the tracer
 * records responses except on list routes (X-Ray caps a segment at 64 KB).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeHandler as dispatchEvent } from '../../functions/bus/dispatch-event.ts';
import { clientsFrom } from '../../functions/commons/clients.ts';
import { wiringFromEnvironment } from '../../functions/commons/deps.ts';
import { tracer } from '../../functions/commons/powertools.ts';
import { busFunctions, functionDefinitions, httpFunctions } from '../../functions/definitions.ts';
import { makeHandler as getEvent } from '../../functions/http/get-event.ts';
import { makeHandler as listEvents } from '../../functions/http/list-events.ts';
import { PageQuery } from '../../functions/http/schemas.ts';
import { httpRoutes, type RouteName } from '../../functions/routes.ts';
import { lambdaContext } from '../../infra/local/lambda-context.ts';
import type { Deps } from '../../lib/app/config.ts';

const nowhere = () =>
  new DynamoDBClient({
    region: 'cn-north-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
const clients = clientsFrom({
  dynamo: nowhere,
  eventBridge: () => ({}) as never,
  scheduler: () => ({}) as never,
});

describe('a table grant', () => {
  it('read-only refuses a write before sending it, naming the grant and the action', async () => {
    await expect(
      clients.table('read').send(new PutCommand({ TableName: 't', Item: { pk: 'a' } })),
    ).rejects.toThrow(/table grant is 'table:read', which does not allow dynamodb:PutItem/);
  });

  it('read-only lets a read through, and read-write a write (both reach the network here)', async () => {
    const read = clients.table('read').send(new GetCommand({ TableName: 't', Key: { pk: 'a' } }));
    await expect(read).rejects.not.toThrow(/AccessDenied/);
    const write = clients.table('write').send(new PutCommand({ TableName: 't', Item: { pk: 'a' } }));
    await expect(write).rejects.not.toThrow(/AccessDenied/);
  });
});

describe('a function built from its definition', () => {
  it('refuses to build an idempotent consumer whose definition grants no idempotency store', () => {
    const granted = wiringFromEnvironment(busFunctions['dispatch-event'], {
      TABLE_NAME: 't',
      IDEMPOTENCY_TABLE_NAME: 'i',
      BUS_NAME: 'b',
      SCHEDULE_GROUP: 'g',
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::1:role/r',
      BUS_ARN: 'arn:aws:events:cn-north-1:1:event-bus/b',
    });
    expect(granted.idempotency).toBeDefined();
    expect(() => dispatchEvent(granted)).not.toThrow();
    expect(() => dispatchEvent({ deps: granted.deps })).toThrow(
      /Bus-dispatch-event is idempotent.*'idempotency'/,
    );
  });

  it('have unique ids and entries', () => {
    expect(new Set(functionDefinitions.map((d) => d.id)).size).toBe(functionDefinitions.length);
    expect(new Set(functionDefinitions.map((d) => d.entry)).size).toBe(functionDefinitions.length);
  });
});

describe('the tracer', () => {
  afterEach(() => vi.restoreAllMocks());

  const record = {
    event: { eventId: 'e1' },
    revision: 1,
    status: 'planned',
    updatedAt: '2026-12-14T00:00:00Z',
  };
  const deps = {
    events: {
      list: async () => ({ items: [record, record], cursor: undefined }),
      get: async () => undefined,
    },
    commands: { ofEvent: async () => [] },
  } as unknown as Deps;
  const operator = {
    version: '2.0',
    requestContext: { authorizer: { jwt: { claims: { sub: 'op', 'cognito:groups': '[grid-operator]' } } } },
  };
  const invoke = async (make: typeof listEvents, event: Record<string, unknown>) => {
    vi.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
    vi.spyOn(tracer, 'getSegment').mockReturnValue(undefined);
    vi.spyOn(tracer, 'annotateColdStart').mockImplementation(() => {});
    vi.spyOn(tracer, 'addServiceNameAnnotation').mockImplementation(() => {});
    const captured = vi.spyOn(tracer, 'addResponseAsMetadata').mockImplementation(() => {});
    const answer = (await make({ deps })(
      { ...operator, ...event } as never,
      lambdaContext('t', { timeoutMs: 1000 }),
    )) as {
      statusCode: number;
    };
    return { answer, captured };
  };

  it('does not capture a list answer', async () => {
    const { answer, captured } = await invoke(listEvents, {});
    expect(answer.statusCode).toBe(200);
    expect(captured).not.toHaveBeenCalled();
  });

  it('captures a single object answer', async () => {
    const { answer, captured } = await invoke(getEvent as typeof listEvents, {
      pathParameters: { eventId: 'e1' },
    });
    expect(answer.statusCode).toBe(404);
    expect(captured).toHaveBeenCalledOnce();
  });

  it('is told not to capture on every paged route', () => {
    const paged = (Object.keys(httpRoutes) as RouteName[]).filter(
      (n) => (httpRoutes[n] as { query?: unknown }).query === PageQuery,
    );
    expect(paged.length).toBeGreaterThan(3);
    for (const name of paged) expect(httpFunctions[name].captureResponse, name).toBe(false);
  });
});
