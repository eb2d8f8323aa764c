/**
 * The closed loop through the handlers, on DynamoDB Local: a dispatched peak event schedules one
 * turn per interval; a turn measures each building against the contractual baseline, asks the
 * buildings with headroom for what a lagging one misses, gives back an excess from the buildings
 * asked the most, touches nobody else, and corrects at most once per interval.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { trackingScheduleName } from '../../lib/app/tracking.ts';
import type { CommandRecord } from '../../lib/ports.ts';
import { largeBatteryBuilding } from '../support/fixtures.ts';
import { bms, Harness, operator, parkManager } from './harness.ts';

const PARK = 'ordos-kangbashi';
const IDS = ['t1', 't2', 't3'];
const BMS = bms(IDS.join(','));
const STEP = 15 * 60_000;
const eventId = 'imp-2026-1215-track';
const start = Date.parse('2026-12-15T17:00:00+08:00');
const BASE_KW = 300;

const building = (id: string, cost: number) => largeBatteryBuilding(id, PARK, cost);

let h: Harness;
beforeAll(async () => {
  h = await Harness.startAt('2026-12-15T09:00:00+08:00');
});
afterAll(() => h?.stop());

/** Each building's latest standing dispatch command. */
async function standing(): Promise<Map<string, CommandRecord>> {
  const out = new Map<string, CommandRecord>();
  for (const c of await h.deps.commands.ofEvent(eventId)) {
    if (c.command.kind !== 'DISPATCH' || !['PUBLISHED', 'ACKNOWLEDGED'].includes(c.status)) continue;
    const seen = out.get(c.command.buildingId);
    if (!seen || seen.command.revision < c.command.revision) out.set(c.command.buildingId, c);
  }
  return out;
}

/** Meters interval `t` of every building: its baseline less `share(id)` of what its command asks. */
async function meter(t: number, share: (buildingId: string) => number): Promise<void> {
  for (const [id, c] of await standing()) {
    const kw = BASE_KW - share(id) * (c.command.responseKw[t] ?? 0);
    const reading = { buildingId: id, intervalStart: new Date(start + t * STEP).toISOString(), kw };
    expect(
      (await h.http('report-telemetry', BMS, { params: { buildingId: id }, body: { readings: [reading] } }))
        .status,
    ).toBe(202);
  }
}

describe('closed loop', () => {
  let laggingCommand: CommandRecord['command'] | undefined;
  it('dispatches a peak event over three buildings and schedules a turn per interval after the first', async () => {
    const program = {
      programId: 'ordos-peak',
      name: 'Ordos peak shaving',
      baseline: { method: 'PRE_EVENT', minutesBefore: 15 },
      settlement: { unit: 'YUAN_PER_KWH', price: 1.5, minRatio: 0.8, maxRatio: 1.2 },
    };
    expect(
      (await h.http('put-program', operator, { params: { programId: program.programId }, body: program }))
        .status,
    ).toBe(200);
    const manager = parkManager(PARK);
    const park = { parkId: PARK, name: '康巴什园区', zone: 'mengxi', city: 'Ordos' };
    expect((await h.http('put-park', manager, { params: { parkId: PARK }, body: park })).status).toBe(200);
    for (const [i, id] of IDS.entries()) {
      const b = building(id, 0.1 + 0.02 * i);
      expect((await h.http('put-building', manager, { params: { buildingId: id }, body: b })).status).toBe(
        200,
      );
      const state = {
        buildingId: id,
        at: new Date().toISOString(),
        netLoadKw: BASE_KW,
        assets: [{ kind: 'battery', assetId: 'bat', soc: 0.8, powerKw: 0 }],
      };
      expect(
        (await h.http('report-telemetry', BMS, { params: { buildingId: id }, body: { state } })).status,
      ).toBe(202);
    }
    const event = {
      eventId,
      programId: program.programId,
      type: 'PEAK_SHAVING',
      start: '2026-12-15T17:00:00+08:00',
      end: '2026-12-15T18:00:00+08:00',
      intervalMinutes: 15,
      targetsKw: [240, 240, 240, 240],
      scope: { parkIds: [PARK] },
      noticeAt: '2026-12-15T09:00:00+08:00',
    };
    expect((await h.http('create-event', operator, { body: event })).status).toBe(201);
    await h.pump();
    for (const c of (await standing()).values())
      await h.http('acknowledge-command', BMS, {
        params: { commandId: c.command.commandId },
        body: { status: 'ACCEPTED' },
      });
    const grace = h.deps.config.trackingGraceMinutes * 60_000;
    const turns = [...h.schedules.keys()].filter((n) => n.startsWith(`track-${eventId}-`)).sort();
    expect(turns).toEqual([1, 2, 3].map((k) => trackingScheduleName(eventId, start + k * STEP + grace)));
    expect((await h.deps.events.get(eventId))?.revision).toBe(1);
  });

  it('asks the buildings with headroom for what a lagging building misses, from the interval under way on', async () => {
    const before = await standing();
    const [lagging] = [...before.values()].sort(
      (a, b) => (b.command.responseKw[0] ?? 0) - (a.command.responseKw[0] ?? 0),
    );
    if (!lagging) throw new Error('no command was published');
    laggingCommand = lagging.command;
    const missing = lagging.command.responseKw;
    const turn = start + STEP + h.deps.config.trackingGraceMinutes * 60_000;
    vi.setSystemTime(new Date(turn));
    // the PRE_EVENT baseline's reading, the quarter before the event
    for (const id of IDS) {
      const reading = { buildingId: id, intervalStart: new Date(start - STEP).toISOString(), kw: BASE_KW };
      expect(
        (await h.http('report-telemetry', BMS, { params: { buildingId: id }, body: { readings: [reading] } }))
          .status,
      ).toBe(202);
    }
    // the building asked the most delivers nothing in the first interval; the others deliver as asked
    await meter(0, (id) => (id === lagging.command.buildingId ? 0 : 1));
    await h.fire(trackingScheduleName(eventId, turn));

    const record = await h.deps.events.get(eventId);
    expect(record?.revision).toBe(2);
    expect(record?.tracking).toMatchObject({ interval: 1, revision: 2, corrections: 1 });
    const correction = record?.tracking?.correctionKw ?? [];
    expect(correction[0]).toBe(0);
    for (const t of [1, 2, 3]) expect(correction[t]).toBeCloseTo(missing[t] as number, 1);
    const after = await standing();
    // the lagging building was asked nothing more: its command stands as it was
    expect(after.get(lagging.command.buildingId)?.command.commandId).toBe(lagging.command.commandId);
    // the others cover its share of the remaining intervals between them, and the first interval is left as it was
    for (const t of [1, 2, 3]) {
      const asked = [...after.values()].reduce((s, c) => s + (c.command.responseKw[t] ?? 0), 0);
      const before1 = [...before.values()].reduce((s, c) => s + (c.command.responseKw[t] ?? 0), 0);
      expect(asked - before1).toBeCloseTo(missing[t] as number, 1);
    }
    for (const c of after.values())
      expect(c.command.responseKw[0]).toBe(before.get(c.command.buildingId)?.command.responseKw[0] ?? 0);

    // the same turn again, or a second one in the same interval, changes nothing
    await h.fire(trackingScheduleName(eventId, turn)).catch(() => undefined);
    await h.deliver('replan-event', 'ReplanDue', 'flexdr.scheduler', {
      version: 1,
      eventId,
      at: new Date(turn + 60_000).toISOString(),
      reason: 'TRACKING',
    });
    expect((await h.deps.events.get(eventId))?.revision).toBe(2);
  });

  it('gives back an excess from the buildings asked the most and touches nobody else', async () => {
    for (const c of (await standing()).values())
      if (c.status === 'PUBLISHED')
        await h.http('acknowledge-command', BMS, {
          params: { commandId: c.command.commandId },
          body: { status: 'ACCEPTED' },
        });
    const before = await standing();
    const turn = start + 2 * STEP + h.deps.config.trackingGraceMinutes * 60_000;
    vi.setSystemTime(new Date(turn));
    // every building delivers half as much again as asked in the second interval
    await meter(1, () => 1.5);
    await h.fire(trackingScheduleName(eventId, turn));

    const record = await h.deps.events.get(eventId);
    expect(record?.revision).toBe(3);
    const correction = record?.tracking?.correctionKw ?? [];
    expect(correction.slice(0, 2)).toEqual([0, 0]);
    expect(correction[2]).toBeLessThan(0);
    const after = await standing();
    const changed = [...after.values()].filter((c) => c.command.revision === 3);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(after.size);
    for (const c of after.values()) {
      const prev = before.get(c.command.buildingId)?.command;
      if (c.command.revision !== 3) {
        expect(c.command.commandId).toBe(prev?.commandId);
        continue;
      }
      expect(c.command.supersedes).toBe(prev?.commandId);
      // lowered only from the interval under way, never raised; the limit follows the ask
      expect(c.command.responseKw.slice(0, 2)).toEqual(prev?.responseKw.slice(0, 2));
      for (const [t, kw] of c.command.responseKw.entries()) {
        expect(kw).toBeLessThanOrEqual((prev?.responseKw[t] ?? 0) + 1e-9);
        expect(c.command.gridLimitKw[t]).toBeCloseTo((c.command.baselineKw[t] ?? 0) - kw, 3);
      }
    }
    // What was given back is what the turn found in excess, in each remaining interval. The lagging
    // building still delivers less than asked over the last two intervals (nothing, then 1.5×):
    // lowering its ask by that deficit changes nothing it delivers, so its cut counts beyond it only.
    const lag = laggingCommand as CommandRecord['command'];
    const deficit = Math.max(0, ((lag.responseKw[0] ?? 0) - 0.5 * (lag.responseKw[1] ?? 0)) / 2);
    for (const t of [2, 3]) {
      const lowered = [...before.values()].reduce(
        (s, c) =>
          s + (c.command.responseKw[t] ?? 0) - (after.get(c.command.buildingId)?.command.responseKw[t] ?? 0),
        0,
      );
      const lagCut =
        (lag.responseKw[t] ?? 0) - (after.get(lag.buildingId)?.command.responseKw[t] ?? 0) > 0 ? deficit : 0;
      expect(lowered).toBeCloseTo(-(correction[t] as number) + lagCut, 1);
    }
    // the new commands went out
    expect(h.published.filter((p) => (p.detail.command as { revision: number }).revision === 3)).toHaveLength(
      changed.length,
    );
  });
});
