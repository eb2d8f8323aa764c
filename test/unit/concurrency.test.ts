import { describe, expect, it } from 'vitest';
import { eachLimited } from '../../lib/concurrency.ts';

describe('eachLimited', () => {
  it('keeps at most `limit` in flight and runs every item even after a failure, then throws the first error', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    const run = eachLimited([0, 1, 2, 3, 4, 5], 2, async (x) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5 - (x % 3)));
      inFlight--;
      if (x === 1 || x === 4) throw new Error(`item ${x}`);
      done.push(x);
    });
    await expect(run).rejects.toThrow('item 1');
    expect(most).toBe(2);
    expect(done.sort()).toEqual([0, 2, 3, 5]);
  });

  it('does nothing for no items', async () => {
    let calls = 0;
    await eachLimited([], 4, async () => {
      calls++;
    });
    expect(calls).toBe(0);
  });
});
