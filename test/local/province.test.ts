/**
 * `npm run bench:province` at 2,000 buildings (issue 17, item 8): one peak-shaving event over 100
 * parks on DynamoDB Local, from acceptance through every answer (a tenth decline) to settlement.
 * What holds by design is asserted; the figures (writes per key, wall times) are printed for
 * `docs/scale.md`.
 */
import { describe, expect, it } from 'vitest';
import { type ProvinceResult, provinceTable, runProvince } from '../../bench/province.ts';

describe('a province event, measured per stage', () => {
  let result: ProvinceResult;

  it('settles 2,000 buildings in 100 parks through declines, one re-plan and the deadline', async () => {
    result = await runProvince(2000, 0.1);
    console.log(provinceTable(result));
    expect(result.parks).toBe(100);
    expect(result.status).toBe('settled');
    expect(result.settlementRevision).toBe(1);
    expect(result.commandsR1).toBeGreaterThan(500);
    expect(result.declined).toBeGreaterThan(result.commandsR1 * 0.05);
    // Every decline asked, one re-plan answered them all: one revision more, whatever their number.
    expect(result.revision).toBe(2);
    const stage = (name: string) => {
      const s = result.stages.find((x) => x.stage === name);
      if (!s) throw new Error(`no stage '${name}'`);
      return s;
    };
    expect(stage('declines ask for a re-plan').invocations).toBe(result.declined);
    expect(stage('declines ask for a re-plan').maxWritesPerKeySecond).toBe(0);
    expect(stage('re-plan (one, debounced)').invocations).toBe(1);
    // Everyone delivered as asked: the closed loop's turn measured them all and changed nothing.
    expect(stage('closed-loop turn (interval 1)').invocations).toBe(1);
    expect(stage('closed-loop turn (interval 1)').maxWritesPerKeySecond).toBe(0);
  }, 900_000);

  it('puts commands on the bus in the fewest calls, and no invocation comes near its timeout', () => {
    const relays = result.stages.filter((s) => s.fn === 'Stream-relay-outbox');
    expect(relays.reduce((n, s) => n + s.putEventsLowerBound, 0)).toBeGreaterThan(result.commandsR1 / 10);
    for (const s of relays) expect(s.putEventsCalls, s.stage).toBe(s.putEventsLowerBound);
    for (const s of result.stages) expect(s.longestMs, s.stage).toBeLessThan(s.timeoutS * 1000 * 0.5);
  });
});
