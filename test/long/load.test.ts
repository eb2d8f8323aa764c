/**
 * The load benchmark (`npm run bench:load`, `bench/load.ts`) at a small size: 200 buildings
 * reporting for 8 quarter hours while two events are issued and one revised. It asserts what must
 * hold at any size: no request fails, nothing lands on the bus's dead letters, and every reading
 * and state sent is in DynamoDB. Latency and throughput are the benchmark's to report, not asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_START, LOAD_RUNTIME, type LoadReport, runLoad, summaryLine } from '../../bench/load.ts';
import { type LocalRuntime, startLocal } from '../../infra/local/runtime.ts';

const BUILDINGS = 200;
const QUARTERS = 8;

describe('the load benchmark, reduced', () => {
  let rt: LocalRuntime;
  beforeAll(async () => {
    rt = await startLocal({ ...LOAD_RUNTIME, startAt: Date.parse(DEFAULT_START) });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it(`${BUILDINGS} buildings × ${QUARTERS} quarters: no errors, every item sent is stored`, async () => {
    const report: LoadReport = await runLoad({
      url: rt.url,
      dynamodbEndpoint: rt.dynamodbEndpoint,
      buildings: BUILDINGS,
      quarters: QUARTERS,
      concurrency: 16,
    });
    console.log(summaryLine(report));

    expect(report.errorSamples).toEqual([]);
    expect(report.errors).toBe(0);
    expect(report.deadLetters).toBe(0);
    const telemetry = report.kinds.find((k) => k.kind === 'telemetry');
    expect(telemetry?.count).toBe(BUILDINGS * QUARTERS);
    expect(report.kinds.find((k) => k.kind === 'put-building')?.count).toBe(BUILDINGS);
    expect(report.kinds.find((k) => k.kind === 'create-event')?.count).toBe(2);
    expect(report.kinds.find((k) => k.kind === 'revise-event')?.count).toBe(1);

    expect(report.readingsSent).toBe(BUILDINGS * QUARTERS);
    expect(report.readingsStored).toBe(report.readingsSent);
    expect(report.readingsDiffering).toBe(0);
    expect(report.buildingsShort).toBe(0);
    expect(report.statesLatest).toBe(BUILDINGS);

    // Both events were planned under the load, the peak one past its revision.
    for (const e of report.events) expect(['planned', 'dispatched']).toContain(e.status);
    expect(report.events[0]?.revision).toBeGreaterThanOrEqual(2);
  }, 300_000);
});
