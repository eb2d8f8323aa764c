import { describe, expect, it } from 'vitest';
import { liveDelivery } from '../../lib/domain/delivery.ts';
import type { Command } from '../../lib/domain/model/command.ts';
import type { MeterReading } from '../../lib/domain/model/telemetry.ts';

const START = '2026-11-26T09:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(START) + minutes * 60_000).toISOString();
const window = {
  type: 'PEAK_SHAVING' as const,
  start: START,
  end: at(60),
  intervalMinutes: 15 as const,
  targetsKw: [100, 100, 100, 100],
};

function command(
  buildingId: string,
  startMinutes: number,
  responseKw: number[],
  baselineKw: number[],
): Command {
  return {
    commandId: `c-${buildingId}`,
    eventId: 'e1',
    revision: 1,
    kind: 'DISPATCH',
    buildingId,
    parkId: 'p1',
    bmsIntegrationId: 'sim',
    direction: 'PEAK_SHAVING',
    start: at(startMinutes),
    intervalMinutes: 15,
    limitType: 'MAX_IMPORT',
    gridLimitKw: baselineKw.map((b, i) => b - (responseKw[i] as number)),
    baselineKw,
    responseKw,
    assets: [],
  };
}
const reading = (
  buildingId: string,
  minutes: number,
  kw: number,
  intervalMinutes: 15 | 30 = 15,
): MeterReading => ({
  buildingId,
  intervalStart: at(minutes),
  intervalMinutes,
  kw,
});

describe('live delivery', () => {
  it('sums planned response and baselines, counting a redispatched command only from its start', () => {
    const a = command('a', 0, [40, 40, 40, 40], [300, 300, 300, 300]);
    const b = command('b', 15, [60, 60, 60], [200, 200, 200]);
    const view = liveDelivery(window, [a, b], new Map());
    expect(view.map((i) => i.plannedKw)).toEqual([40, 100, 100, 100]);
    expect(view.map((i) => i.baselineKw)).toEqual([300, 500, 500, 500]);
    expect(view.map((i) => i.targetKw)).toEqual([100, 100, 100, 100]);
    expect(view.every((i) => i.deliveredKw === null)).toBe(true);
  });

  it('reports metered load and delivery only for intervals every commanded building has reported', () => {
    const a = command('a', 0, [40, 40, 40, 40], [300, 300, 300, 300]);
    const b = command('b', 15, [60, 60, 60], [200, 200, 200]);
    const readings = new Map([
      ['a', [0, 15, 30, 45].map((m) => reading('a', m, 255))],
      // b: its pre-command interval is ignored; one 30-minute reading covers two intervals.
      ['b', [reading('b', 0, 999), reading('b', 15, 150, 30)]],
    ]);
    const view = liveDelivery(window, [a, b], readings);
    expect(view.map((i) => i.meteredKw)).toEqual([255, 405, 405, null]);
    expect(view.map((i) => i.deliveredKw)).toEqual([45, 95, 95, null]);
  });

  it('counts increases as delivery for valley filling, and hides targets when not given', () => {
    const c = { ...command('a', 0, [50], [100]), direction: 'VALLEY_FILLING' as const };
    const view = liveDelivery(
      { type: 'VALLEY_FILLING', start: START, end: at(15), intervalMinutes: 15 },
      [c],
      new Map([['a', [reading('a', 0, 148)]]]),
    );
    expect(view[0]).toMatchObject({ targetKw: null, meteredKw: 148, deliveredKw: 48 });
  });
});
