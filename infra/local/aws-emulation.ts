/**
 * EventBridge and EventBridge Scheduler as request handlers of the AWS SDK clients. The coordinator's
 * adapters run unchanged (serialisation, PutEvents batching, partial-failure retries, schedule
 * conflicts); where the SDK would send an HTTPS request, this handler answers it in process from
 * the local bus and the local schedule store, with the services' wire formats and error codes.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { BusValidationError, type LocalBus } from './bus.ts';
import { type LocalSchedules, parseAt, SchedulerServiceError } from './schedules.ts';

interface SdkHttpRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

interface Answer {
  statusCode: number;
  body: unknown;
  errorType?: string;
}

/** A request handler in the shape the SDK's clients accept (smithy's HttpHandler). */
function requestHandler(serve: (request: SdkHttpRequest, body: string) => Promise<Answer>) {
  return {
    metadata: { handlerProtocol: 'flexdr-local' },
    async handle(request: SdkHttpRequest) {
      const text =
        typeof request.body === 'string'
          ? request.body
          : request.body instanceof Uint8Array
            ? new TextDecoder().decode(request.body)
            : '';
      const answer = await serve(request, text);
      return {
        response: {
          statusCode: answer.statusCode,
          headers: {
            'content-type': 'application/json',
            ...(answer.errorType ? { 'x-amzn-errortype': answer.errorType } : {}),
          },
          body: new TextEncoder().encode(JSON.stringify(answer.body ?? {})),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
    destroy() {},
  };
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** An EventBridge client whose PutEvents land on `bus`. */
/**
 * An EventBridge client whose PutEvents goes to `bus`. With `awaitDelivery` it answers only once
 * the bus has delivered the entries (the outbox's relay: an entry is removed only after that).
 */
export function localEventBridgeClient(
  bus: LocalBus,
  region: string,
  options: { awaitDelivery?: boolean } = {},
): EventBridgeClient {
  const handler = requestHandler(async (request, body) => {
    const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
    if (target !== 'AWSEvents.PutEvents')
      return {
        statusCode: 400,
        errorType: 'UnknownOperationException',
        body: { __type: 'UnknownOperationException', message: `the local bus does not emulate ${target}` },
      };
    try {
      const input = JSON.parse(body) as { Entries?: never[] };
      const entries = input.Entries ?? [];
      return {
        statusCode: 200,
        body: options.awaitDelivery ? await bus.putDelivered(entries) : bus.put(entries),
      };
    } catch (e) {
      if (e instanceof BusValidationError)
        return { statusCode: 400, errorType: e.name, body: { __type: e.name, message: e.message } };
      throw e;
    }
  });
  return new EventBridgeClient({ region, credentials, requestHandler: handler as never, maxAttempts: 3 });
}

interface CreateScheduleBody {
  GroupName?: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  Target: { Input?: string; EventBridgeParameters?: { DetailType: string; Source: string } };
}

/** An EventBridge Scheduler client whose one-time schedules are kept in `schedules`. */
export function localSchedulerClient(schedules: LocalSchedules, region: string): SchedulerClient {
  const handler = requestHandler(async (request, body) => {
    const m = /^\/schedules\/([^/]+)$/.exec(request.path);
    const name = m ? decodeURIComponent(m[1] as string) : undefined;
    const queryGroup = request.query?.groupName;
    try {
      if (name && request.method === 'POST') {
        const input = JSON.parse(body) as CreateScheduleBody;
        const target = input.Target.EventBridgeParameters;
        if (!target) throw new SchedulerServiceError('ValidationException', 'only EventBridge targets', 400);
        const group = input.GroupName ?? 'default';
        await schedules.create({
          name,
          group,
          atMs: parseAt(input.ScheduleExpression, input.ScheduleExpressionTimezone),
          source: target.Source,
          detailType: target.DetailType,
          input: input.Target.Input ?? '{}',
        });
        return {
          statusCode: 200,
          body: { ScheduleArn: `arn:aws:scheduler:${region}:000000000000:schedule/${group}/${name}` },
        };
      }
      if (name && request.method === 'DELETE') {
        await schedules.delete(typeof queryGroup === 'string' ? queryGroup : 'default', name);
        return { statusCode: 200, body: {} };
      }
      return {
        statusCode: 400,
        errorType: 'ValidationException',
        body: { Message: `the local scheduler does not emulate ${request.method} ${request.path}` },
      };
    } catch (e) {
      if (e instanceof SchedulerServiceError)
        return { statusCode: e.status, errorType: e.name, body: { Message: e.message } };
      throw e;
    }
  });
  return new SchedulerClient({ region, credentials, requestHandler: handler as never, maxAttempts: 3 });
}
