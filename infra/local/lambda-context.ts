/**
 * The Lambda context a handler receives, for calling handler modules outside Lambda: the local
 * gateway and bus, and the tests. Its remaining time counts down from the function's timeout.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LambdaContextOptions {
  timeoutMs: number;
  memoryMb?: number;
  requestId?: string;
  region?: string;
  account?: string;
  logStream?: string;
}

export function lambdaContext(name: string, options: LambdaContextOptions): Context {
  const deadline = Date.now() + options.timeoutMs;
  const region = options.region ?? 'cn-north-1';
  const account = options.account ?? '000000000000';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `flexdr-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:flexdr-${name}`,
    memoryLimitInMB: String(options.memoryMb ?? 512),
    awsRequestId: options.requestId ?? randomUUID(),
    logGroupName: `/aws/lambda/flexdr-${name}`,
    logStreamName: options.logStream ?? 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
