/** The forecast error the plan records after the evaluation: interval by interval, against the contractual baseline. */
import { describe, expect, it } from 'vitest';
import { forecastError } from '../../lib/domain/forecast.ts';

describe('forecastError', () => {
  it('sums absolute and signed errors over every building-interval', () => {
    const e = forecastError([
      { planningKw: [110, 90], contractualKw: [100, 100] },
      { planningKw: [50, 50], contractualKw: [40, 60] },
    ]);
    // |10| + |−10| + |10| + |−10| = 40 over 300 kW of contractual baseline; signed 0.
    expect(e).toEqual({ buildings: 2, intervals: 4, meanAbsKw: 10, absPct: 13.33, biasPct: 0 });
  });

  it('says planning assumed too much load with a positive bias, and the shorter series decides', () => {
    const e = forecastError([{ planningKw: [120, 120, 999], contractualKw: [100, 100] }]);
    expect(e).toMatchObject({ intervals: 2, meanAbsKw: 20, absPct: 20, biasPct: 20 });
  });

  it('has no percentage when nothing was compared or the baseline is zero', () => {
    expect(forecastError([])).toEqual({
      buildings: 0,
      intervals: 0,
      meanAbsKw: 0,
      absPct: null,
      biasPct: null,
    });
    expect(forecastError([{ planningKw: [5], contractualKw: [0] }])).toMatchObject({
      absPct: null,
      biasPct: null,
    });
  });
});
