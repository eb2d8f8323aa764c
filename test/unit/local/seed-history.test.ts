import { describe, expect, it } from 'vitest';
import { seedWindow } from '../../../infra/local/seed-history.ts';
import { DEMO_PROGRAMS } from '../../../infra/local/sim/fleet.ts';
import { isWorkday } from '../../../infra/local/sim/loads.ts';
import { seededCalendar } from '../../../lib/adapters/calendar/chinese-days.ts';
import { computeBaseline } from '../../../lib/domain/baseline.ts';
import { BaselineMethod, Program } from '../../../lib/domain/model/program.ts';
import { chinaDate } from '../../../lib/domain/time.ts';

const QUARTER = 15 * 60_000;
const at = (local: string) => Date.parse(`${local}+08:00`);
const demoBaselines = DEMO_PROGRAMS.map((p) => Program.parse(p).baseline);

describe('seedWindow', () => {
  it('keeps the five working days the demo programs average and today, not the weekend between', () => {
    const w = seedWindow(demoBaselines, at('2026-12-07T15:00:00'), isWorkday);
    expect(w.days).toEqual(['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04']);
    expect(w.fromMs).toBe(at('2026-11-30T00:00:00'));
    expect(w.keep(at('2026-12-05T12:00:00'))).toBe(false);
    expect(w.keep(at('2026-12-04T23:45:00'))).toBe(true);
    expect(w.keep(at('2026-12-07T00:00:00'))).toBe(true);
  });

  it('holds enough for the demo programs’ baselines of an event today, across a holiday week', () => {
    const calendar = seededCalendar();
    // 2026-10-09 comes after the National Day holiday (1-7 October) and a weekend working day
    for (const now of [at('2026-10-09T14:00:00'), at('2026-12-07T15:00:00'), at('2026-12-12T09:30:00')]) {
      const w = seedWindow(demoBaselines, now, isWorkday);
      const readings = [];
      for (let ms = w.fromMs; ms < now; ms += QUARTER)
        if (w.keep(ms)) readings.push({ startMs: ms, kw: 100 });
      const start = Date.parse(`${chinaDate(now)}T17:00:00+08:00`);
      for (const method of demoBaselines) {
        // the day-of adjustment reads today's readings before the window: give it them
        const today = method.method === 'N_DAY_AVERAGE' && method.adjustment ? start : now;
        const all = [...readings];
        for (let ms = now; ms < today; ms += QUARTER) all.push({ startMs: ms, kw: 100 });
        const b = computeBaseline({
          method,
          eventStartMs: start,
          intervalMinutes: 15,
          intervals: 16,
          readings: all,
          calendar,
        });
        expect(b.days).toHaveLength(5);
        expect(b.days.every((d) => calendar.workdayOrUnknown(d) === true)).toBe(true);
      }
    }
  });

  it('keeps rest days and calendar days when a program reads them, and none for PRE_EVENT', () => {
    const now = at('2026-12-09T10:00:00'); // a Wednesday
    const sameType = BaselineMethod.parse({ method: 'N_DAY_AVERAGE', days: 2, dayFilter: 'SAME_DAY_TYPE' });
    expect(seedWindow([sameType], now, isWorkday).days).toEqual([
      '2026-12-05',
      '2026-12-06',
      '2026-12-07',
      '2026-12-08',
    ]);
    const highK = BaselineMethod.parse({ method: 'HIGH_K_OF_M', k: 2, m: 3, skipDays: 1, dayFilter: 'ANY' });
    expect(seedWindow([highK], now, isWorkday).days).toEqual([
      '2026-12-05',
      '2026-12-06',
      '2026-12-07',
      '2026-12-08',
    ]);
    const pre = seedWindow([BaselineMethod.parse({ method: 'PRE_EVENT' })], now, isWorkday);
    expect(pre.days).toEqual([]);
    expect(pre.fromMs).toBe(at('2026-12-09T00:00:00'));
  });
});
