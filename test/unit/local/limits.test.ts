/**
 * The local runtime runs every invocation within its function's Lambda limits (issue 17 item 7):
 * past the timeout it fails as Lambda does, and each invocation's duration and peak heap are
 * reported against the definition's timeout and memory.
 */
import { describe, expect, it } from 'vitest';
import {
  type InvocationReport,
  InvocationTimedOut,
  invokeWithinLimits,
} from '../../../infra/local/functions.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const limits = { functionId: 'plan-event', timeoutMs: 100, memoryMb: 128 };

describe('an invocation within its limits', () => {
  it('answers with the handler result and reports a duration under the timeout', async () => {
    const reports: InvocationReport[] = [];
    const answer = await invokeWithinLimits(
      limits,
      async () => {
        await sleep(10);
        return { statusCode: 200 };
      },
      (r) => reports.push(r),
    );
    expect(answer).toEqual({ statusCode: 200 });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      functionId: 'plan-event',
      timeoutMs: 100,
      memoryMb: 128,
      timedOut: false,
    });
    expect(reports[0]?.durationMs).toBeGreaterThanOrEqual(9);
    expect(reports[0]?.durationMs).toBeLessThan(100);
  });

  it("fails past the function's timeout with Lambda's message, whatever the handler does later", async () => {
    const reports: InvocationReport[] = [];
    let finished = false;
    const invocation = invokeWithinLimits(
      limits,
      async () => {
        await sleep(300);
        finished = true;
        return 'too late';
      },
      (r) => reports.push(r),
    );
    await expect(invocation).rejects.toThrow(InvocationTimedOut);
    await expect(invocation).rejects.toThrow('Task timed out after 0.10 seconds (flexdr-plan-event)');
    expect(finished).toBe(false);
    expect(reports[0]?.timedOut).toBe(true);
    expect(reports[0]?.durationMs).toBeGreaterThanOrEqual(95);
  });

  it("passes the handler's own error on, reported as not timed out", async () => {
    const reports: InvocationReport[] = [];
    await expect(
      invokeWithinLimits(
        limits,
        async () => {
          throw new Error('store unavailable');
        },
        (r) => reports.push(r),
      ),
    ).rejects.toThrow('store unavailable');
    expect(reports[0]?.timedOut).toBe(false);
  });

  it('reports the peak heap the invocation reached, not only where it ended', async () => {
    const before = process.memoryUsage().heapUsed / 2 ** 20;
    const reports: InvocationReport[] = [];
    await invokeWithinLimits(
      { ...limits, timeoutMs: 5_000 },
      async () => {
        // About 80 MB of numbers held for a few samples, then dropped.
        let held: number[][] | undefined = Array.from({ length: 100 }, () =>
          new Array(100_000).fill(Math.random()),
        );
        await sleep(200);
        const size = held.length;
        held = undefined;
        return size;
      },
      (r) => reports.push(r),
    );
    expect(reports[0]?.peakHeapMb).toBeGreaterThan(before + 50);
  });
});
