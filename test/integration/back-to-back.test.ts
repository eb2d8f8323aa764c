/**
 * Back-to-back events on one battery, through the real handlers on DynamoDB Local (issue 13 item 3):
 * the second event planned, in either order, gets only the energy the first left, although their
 * windows do not overlap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../lib/domain/model/command.ts';
import { batteryInput, buildingInput } from '../support/fixtures.ts';
import { bms, Harness, operator } from './harness.ts';

const NOW = Date.parse('2026-12-07T09:00:00+08:00');

let h: Harness;
beforeAll(async () => {
  h = await Harness.startAt(NOW);
  await h.http('put-program', operator, {
    params: { programId: 'b2b-program' },
    body: {
      programId: 'b2b-program',
      name: 'peak',
      baseline: { method: 'PRE_EVENT', minutesBefore: 15 },
      settlement: { unit: 'YUAN_PER_KWH', price: 1 },
    },
  });
});
afterAll(() => h?.stop());

/** A park with one building holding the fixture battery (100 kWh, 50 kW, SoC 10–90 %) at SoC 0.6, idle, importing `netLoadKw`. */
async function enroll(parkId: string, netLoadKw = 500) {
  const buildingId = `${parkId}-b1`;
  await h.http('put-park', operator, {
    params: { parkId },
    body: { parkId, name: parkId, zone: 'mengxi', city: 'Hohhot' },
  });
  await h.http('put-building', operator, {
    params: { buildingId },
    body: buildingInput({ buildingId, parkId, assets: [batteryInput] }),
  });
  const reported = await h.http('report-telemetry', bms(buildingId), {
    params: { buildingId },
    body: {
      state: {
        buildingId,
        at: new Date(NOW).toISOString(),
        netLoadKw,
        assets: [{ kind: 'battery', assetId: 'bat', soc: 0.6, powerKw: 0 }],
      },
    },
  });
  expect(reported.status).toBe(202);
}

/** Creates a one-hour peak event from `from` (China time, 2026-12-07) on the park, and plans it. */
async function plan(eventId: string, parkId: string, from: string, targetKw: number): Promise<number[]> {
  const hour = Number(from.slice(0, 2));
  const created = await h.http('create-event', operator, {
    body: {
      eventId,
      programId: 'b2b-program',
      type: 'PEAK_SHAVING',
      start: `2026-12-07T${from}:00+08:00`,
      end: `2026-12-07T${String(hour + 1).padStart(2, '0')}:00:00+08:00`,
      intervalMinutes: 15,
      targetsKw: [targetKw, targetKw, targetKw, targetKw],
      scope: { parkIds: [parkId] },
      noticeAt: new Date(NOW).toISOString(),
    },
  });
  expect(created.status).toBe(201);
  await h.pump();
  const planned = await h.http('event-plan', operator, { params: { eventId } });
  const commands = planned.body.commands as { command: { assets: { assetId: string; kw: number[] }[] } }[];
  return commands[0]?.command.assets.find((a) => a.assetId === 'bat')?.kw ?? [0, 0, 0, 0];
}

const kwh = (kw: number[]) => kw.reduce((s, v) => s + v, 0) * 0.25;

describe('back-to-back events on one battery', () => {
  // ηd × (E − Emin) = 0.95 × (60 − 10) = 47.5 kWh of discharge for both events together.
  it('plans 18–19 h after 19–20 h took it all: nothing is left for the earlier one', async () => {
    await enroll('b2b-late-first');
    const late = await plan('b2b-late', 'b2b-late-first', '19:00', 50);
    // 50 kW in every quarter would be 50 kWh: 47.5 is all there is
    expect(kwh(late)).toBeCloseTo(47.5, 2);
    const early = await plan('b2b-early', 'b2b-late-first', '18:00', 50);
    expect(kwh(early)).toBeCloseTo(0, 2);
  });

  it('plans 19–20 h after 18–19 h took 20 kWh: 27.5 kWh are left for the later one', async () => {
    await enroll('b2b-early-first');
    const early = await plan('b2b-early-2', 'b2b-early-first', '18:00', 20);
    expect(kwh(early)).toBeCloseTo(20, 2);
    const late = await plan('b2b-late-2', 'b2b-early-first', '19:00', 50);
    expect(kwh(late)).toBeCloseTo(27.5, 2);
  });
});

describe('a valley event over the recovery of a peak event before it', () => {
  it("counts the battery's recovery as response already coming, and asks only the rest", async () => {
    // 300 kW of load leaves the recovery 30 kW of room under its 330 kW ceiling (10 % margin)
    await enroll('b2b-recovery', 300);
    // 18–19 h takes 20 kWh; with neither a program window nor a tariff, it is charged back from 23:00
    await plan('b2b-peak-first', 'b2b-recovery', '18:00', 20);
    const peak = await h.http('event-plan', operator, { params: { eventId: 'b2b-peak-first' } });
    const [peakCommand] = peak.body.commands as { command: Command }[];
    const recovery = peakCommand?.command.recovery;
    expect(recovery?.start).toBe(new Date(Date.parse('2026-12-07T23:00:00+08:00')).toISOString());
    const recoveryKw = [0, 1, 2, 3].map((t) =>
      (recovery?.assets ?? []).reduce((s, a) => s + (a.kw[t] ?? 0), 0),
    );
    expect(recoveryKw[0]).toBeGreaterThan(0);

    const targetKw = 40;
    const created = await h.http('create-event', operator, {
      body: {
        eventId: 'b2b-valley-after',
        programId: 'b2b-program',
        type: 'VALLEY_FILLING',
        start: '2026-12-07T23:00:00+08:00',
        end: '2026-12-08T00:00:00+08:00',
        intervalMinutes: 15,
        targetsKw: [targetKw, targetKw, targetKw, targetKw],
        scope: { parkIds: ['b2b-recovery'] },
        noticeAt: new Date(NOW).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    await h.pump();
    const valley = await h.http('event-plan', operator, { params: { eventId: 'b2b-valley-after' } });
    const [command] = (valley.body.commands as { command: Command }[]).map((c) => c.command);
    // the command states the recovery it counts, and asks the battery only for the rest of the target
    expect(command?.standingKw).toEqual(recoveryKw);
    const asked = [0, 1, 2, 3].map((t) => command?.assets.reduce((s, a) => s + (a.kw[t] ?? 0), 0) ?? 0);
    asked.forEach((kw, t) => {
      expect(kw).toBeCloseTo(Math.max(0, targetKw - (recoveryKw[t] as number)), 2);
      expect(command?.responseKw[t]).toBeCloseTo(kw + (recoveryKw[t] as number), 2);
    });
    const planned = (valley.body.plan as { expectedKw: number[] }).expectedKw;
    planned.forEach((kw, t) => {
      expect(kw).toBeCloseTo(Math.max(targetKw, recoveryKw[t] as number), 2);
    });
  });
});
