/**
 * One meaning of delivered (issue 18, item 4), on the local runtime with the simulator: an event run
 * to settlement shows the same delivered kW per interval in `GET /events/{id}/delivery`, in
 * `GET /events/{id}/performance`, in the console's delivery table and in the demo's report, and
 * that figure is the settlement's rows summed: response against the program's contractual baseline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryRows, settledDeliveryLine } from '../../infra/local/console/src/delivery-figures.ts';
import { reportOf } from '../../infra/local/demo.ts';
import { type LocalRuntime, startLocal } from '../../infra/local/runtime.ts';
import { DEMO_PROGRAM } from '../../infra/local/sim/fleet.ts';
import { type DeliveryView, displayKw, type MeasuredDelivery } from '../../lib/domain/delivery.ts';
import type { BuildingSettlement, ParkSettlement } from '../../lib/domain/settlement.ts';

/** A Tuesday afternoon: the seeded history holds the five working days before it. */
const START = Date.parse('2026-12-08T14:00:00+08:00');
const WINDOW = { start: '2026-12-08T09:00:00.000Z', end: '2026-12-08T10:00:00.000Z' };

interface Performance {
  status: string;
  delivery: MeasuredDelivery;
  buildings: BuildingSettlement[];
  parks: ParkSettlement[];
}

describe('delivered, one figure everywhere', () => {
  let rt: LocalRuntime;
  let token: string;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${rt.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  beforeAll(async () => {
    rt = await startLocal({
      inMemory: true,
      port: 0,
      speed: 0,
      declineProbability: 0.15,
      startAt: START,
    });
    token = await rt.token({ role: 'operator' });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('delivery, performance, the console and the demo report agree per interval, against the contractual baseline', async () => {
    // Prepare: a peak-shaving event 17:00–18:00 at 60 % of the park's flexibility, notified now
    const flex = await call<{ total: { PEAK_SHAVING: { kw: number[] } } }>('POST', '/flexibility', {
      scope: { parkIds: ['hohhot-jinqiao'] },
      ...WINDOW,
      intervalMinutes: 15,
    });
    const targetsKw = flex.total.PEAK_SHAVING.kw.map((kw) => Math.round(kw * 0.6));
    const eventId = 'one-delivered-peak';
    await call('POST', '/events', {
      eventId,
      programId: DEMO_PROGRAM.programId,
      type: 'PEAK_SHAVING',
      ...WINDOW,
      intervalMinutes: 15,
      targetsKw,
      scope: { parkIds: ['hohhot-jinqiao'] },
      noticeAt: new Date(START).toISOString(),
    });

    // Act: half way through the window, the live view
    await call('POST', '/local/clock', { advanceMinutes: 3 * 60 + 30 });
    const live = await call<DeliveryView>('GET', `/events/${eventId}/delivery`);

    // Assess: measured against the program's baseline, the first two intervals metered, the rest not yet
    expect(live.measuredAgainst).toEqual({ programId: DEMO_PROGRAM.programId, baseline: 'N_DAY_AVERAGE' });
    expect(live.buildings).toBeGreaterThan(0);
    expect(live.unmeasured).toEqual([]);
    expect(live.intervals.map((i) => i.deliveredKw !== null)).toEqual([true, true, false, false]);
    expect(live.intervals.every((i) => i.baselineKw !== null && i.planningBaselineKw !== null)).toBe(true);
    expect(live.meanDeliveredKw).toBeNull();

    // Act: on to settlement
    for (let i = 0; i < 6; i++) {
      const { status } = await call<{ status: string }>('GET', `/events/${eventId}`);
      if (status === 'settled') break;
      await call('POST', '/local/clock', { advanceMinutes: 60 });
    }
    const delivery = await call<DeliveryView>('GET', `/events/${eventId}/delivery`);
    const performance = await call<Performance>('GET', `/events/${eventId}/performance`);
    const consoleRows = deliveryRows(delivery);
    const report = await reportOf(rt.url, token, [eventId]);
    const reported = report.events[0];

    // Assess: settled, every interval measured over the buildings settled
    expect(performance.status).toBe('settled');
    expect(performance.delivery.buildings).toBe(performance.buildings.length);
    expect(delivery.buildings).toBe(performance.buildings.length);
    const fromDelivery = delivery.intervals.map((i) => i.deliveredKw);
    expect(fromDelivery.every((kw) => kw !== null)).toBe(true);

    // The four agree, interval by interval
    expect(performance.delivery.intervals.map((i) => i.deliveredKw)).toEqual(fromDelivery);
    expect(consoleRows.map((r) => r.values.deliveredKw)).toEqual(fromDelivery);
    expect(consoleRows.map((r) => Number(r.shown.delivered.replace(/[, kW]/g, '')))).toEqual(fromDelivery);
    expect(reported?.intervals.map((i) => i.deliveredKw)).toEqual(fromDelivery);
    expect(reported?.intervals.map((i) => i.plannedKw)).toEqual(consoleRows.map((r) => r.values.plannedKw));

    // ... and are the settlement's own rows summed: response against the contractual baseline
    const settledSum = (t: number, pick: (i: BuildingSettlement['intervals'][number]) => number) =>
      displayKw(performance.buildings.reduce((s, b) => s + pick(b.intervals[t] as never), 0));
    delivery.intervals.forEach((i, t) => {
      expect(i.deliveredKw).toBe(settledSum(t, (r) => r.deliveredKw));
      expect(i.baselineKw).toBe(settledSum(t, (r) => r.baselineKw));
      expect(i.deliveredKw).toBeCloseTo((i.baselineKw as number) - (i.meteredKw as number), 0);
    });
    // The mean over the event is the parks' settled delivery, which the console's settlement card states
    const parksKw = performance.parks.reduce((s, p) => s + p.deliveredKw, 0);
    expect(delivery.meanDeliveredKw).toBe(performance.delivery.meanDeliveredKw);
    expect(Math.abs((delivery.meanDeliveredKw as number) - parksKw)).toBeLessThanOrEqual(
      0.1 * performance.parks.length,
    );
    const meanShown = (delivery.meanDeliveredKw as number).toLocaleString('en-US', {
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
    });
    expect(settledDeliveryLine(performance.delivery)).toContain(`${meanShown} kW on average`);

    // Rounded for display: no figure of the views carries more than one decimal
    const parkKw = performance.parks.map((p) => [p.declaredKw, p.deliveredKw, p.deliveredKwh]);
    const shown = JSON.stringify([delivery, performance.delivery, parkKw, reported?.intervals]);
    expect(shown).not.toMatch(/[:,[]-?\d+\.\d{2,}[,\]}]/);

    const rows = delivery.intervals.map((i) => ({
      target: i.targetKw,
      planned: i.plannedKw,
      delivered: i.deliveredKw,
      contractualBaseline: i.baselineKw,
      planningBaseline: i.planningBaselineKw,
      againstPlanningBaseline: displayKw((i.planningBaselineKw as number) - (i.meteredKw as number)),
    }));
    console.log(JSON.stringify({ eventId, buildings: delivery.buildings, rows }));
    expect(rt.bus.deadLetters).toEqual([]);
  });
});
