/**
 * The whole event lifecycle through the handlers, on DynamoDB Local: enroll a park of buildings,
 * report readings for baseline days, issue a peak-shaving and a valley-filling event, collect the
 * published commands, acknowledge and decline, see the redispatch, report delivery, read the
 * settlement, and check its numbers against an independent calculation here.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../../lib/app/auth.ts';
import {
  acknowledgeCommand,
  ackScheduleName,
  dispatchScheduleName,
  evaluationScheduleName,
  replanDeclined,
  requestReplan,
} from '../../lib/app/lifecycle.ts';
import { ConflictError } from '../../lib/domain/errors.ts';
import { bms, Harness, operator, parkManager } from './harness.ts';

const PARK = 'hohhot-jinqiao';
const OTHER_PARK = 'baotou-east';
const IDS = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'];
const BMS = bms(IDS.join(','));
const MANAGER = parkManager(PARK);
const H = 3_600_000;
const STEP = 15 * 60_000;
const at = (iso: string) => Date.parse(iso);

const building = (id: string, assets: unknown[], importKw = 600) => ({
  buildingId: id,
  parkId: PARK,
  name: `Building ${id}`,
  zone: 'mengxi',
  feederId: 'f1',
  bmsIntegrationId: 'bms-a',
  gridLimits: { importKw, exportKw: 0 },
  assets,
});
const battery = (kwh: number, cost: number) => ({
  kind: 'battery',
  id: 'bat',
  capacityKwh: kwh,
  maxChargeKw: kwh / 2,
  maxDischargeKw: kwh / 2,
  socMin: 0.1,
  socMax: 0.9,
  cycleCostYuanPerKwh: cost,
});
const tank = {
  kind: 'heatStorage',
  id: 'tank',
  heaterKw: 150,
  cop: 3,
  capacityKwhTh: 2400,
  minKwhTh: 200,
  lossPctPerHour: 0.5,
};
const BUILDINGS = [
  building('b1', [
    battery(200, 0.1),
    {
      kind: 'appliance',
      id: 'hvac',
      applianceKind: 'hvac',
      ratedKw: 150,
      curtailableShare: 0.3,
      maxCurtailMinutes: 60,
    },
  ]),
  building('b2', [battery(160, 0.12)]),
  building('b3', [
    battery(120, 0.08),
    { kind: 'dcBus', id: 'bus', nominalVoltage: 750, bandPct: 10, flexKwPerPct: 3 },
  ]),
  building('b4', [tank]),
  building('b5', [{ ...tank, heaterKw: 100 }]),
  building('b6', [
    {
      kind: 'appliance',
      id: 'ev',
      applianceKind: 'evCharger',
      ratedKw: 120,
      curtailableShare: 1,
      maxCurtailMinutes: 90,
    },
  ]),
];

/** The metered load of building `i` on the day `d` days before the peak event, at `t` ms into the local day. */
const load = (i: number, d: number, msOfDay: number) =>
  200 + 20 * i + ((msOfDay / STEP) % 8) * 3 + (d % 3) * 4;
const CHINA = 8 * H;
const msOfDay = (ms: number) => (((ms + CHINA) % (24 * H)) + 24 * H) % (24 * H);

let h: Harness;

beforeAll(async () => {
  h = await Harness.startAt('2026-12-14T09:00:00+08:00');
});
afterAll(() => h?.stop());

describe('event lifecycle', () => {
  const peakStart = at('2026-12-14T17:00:00+08:00');
  let firstCommands: Record<string, unknown>[] = [];

  it('enrolls programs, a park and its buildings, and takes telemetry for baseline days', async () => {
    const peakProgram = {
      programId: 'mengxi-peak',
      name: '蒙西 peak shaving',
      baseline: { method: 'N_DAY_AVERAGE', days: 5, dayFilter: 'WORKDAY' },
      settlement: { unit: 'YUAN_PER_KWH', price: 1.5, minRatio: 0.8, maxRatio: 1.2 },
    };
    const valleyProgram = {
      ...peakProgram,
      programId: 'mengxi-valley',
      name: '蒙西 valley filling',
      settlement: { ...peakProgram.settlement, price: 0.35 },
    };
    expect(
      (await h.http('put-program', operator, { params: { programId: 'mengxi-peak' }, body: peakProgram }))
        .status,
    ).toBe(200);
    expect(
      (await h.http('put-program', operator, { params: { programId: 'mengxi-valley' }, body: valleyProgram }))
        .status,
    ).toBe(200);
    const park = { parkId: PARK, name: '金桥园区', zone: 'mengxi', city: 'Hohhot' };
    expect((await h.http('put-park', MANAGER, { params: { parkId: PARK }, body: park })).status).toBe(200);
    // A manager of another park may not write here.
    expect(
      (await h.http('put-park', parkManager(OTHER_PARK), { params: { parkId: PARK }, body: park })).status,
    ).toBe(403);
    for (const b of BUILDINGS)
      expect(
        (await h.http('put-building', MANAGER, { params: { buildingId: b.buildingId }, body: b })).status,
      ).toBe(200);
    const listed = await h.http('list-buildings', MANAGER, {
      params: { parkId: PARK },
      query: { limit: '4' },
    });
    expect(listed.body.items).toHaveLength(4);
    const rest = await h.http('list-buildings', MANAGER, {
      params: { parkId: PARK },
      query: { cursor: listed.body.cursor },
    });
    expect(
      [...listed.body.items, ...rest.body.items].map((b: { buildingId: string }) => b.buildingId).sort(),
    ).toEqual(IDS);

    // 14 days of readings around the evening and the night, and a state per building.
    for (const [i, id] of IDS.entries()) {
      const readings = [];
      for (let d = 1; d <= 14; d++) {
        for (const [from, to] of [
          [16, 19],
          [-1, 3],
        ] as const) {
          for (
            let ms = peakStart - d * 24 * H + (from - 17) * H;
            ms < peakStart - d * 24 * H + (to - 17) * H;
            ms += STEP
          )
            readings.push({
              buildingId: id,
              intervalStart: new Date(ms).toISOString(),
              kw: load(i, d, msOfDay(ms)),
            });
        }
      }
      const assets =
        id === 'b4' || id === 'b5'
          ? [{ kind: 'heatStorage', assetId: 'tank', storedKwhTh: 1200, heatDemandKwTh: 150, heaterKw: 50 }]
          : id === 'b6'
            ? [
                {
                  kind: 'appliance',
                  assetId: 'ev',
                  on: true,
                  kw: 100,
                  energyNeededKwh: 60,
                  minutesToDeparture: 600,
                },
              ]
            : [{ kind: 'battery', assetId: 'bat', soc: 0.8, powerKw: 0 }];
      const state = { buildingId: id, at: new Date().toISOString(), netLoadKw: 220, assets };
      const res = await h.http('report-telemetry', BMS, {
        params: { buildingId: id },
        body: { state, readings },
      });
      expect(res.status).toBe(202);
      expect(res.body.readings).toBe(readings.length);
    }
    // A BMS cannot report for a building it is not bound to.
    const stranger = await h.http('report-telemetry', bms('zz'), {
      params: { buildingId: 'b1' },
      body: { readings: [] },
    });
    expect(stranger.status).toBe(403);
  });

  it('accepts a peak-shaving event once, plans it and publishes one command per building asked', async () => {
    const event = {
      eventId: 'imp-2026-1214-peak',
      programId: 'mengxi-peak',
      type: 'PEAK_SHAVING',
      start: '2026-12-14T17:00:00+08:00',
      end: '2026-12-14T18:00:00+08:00',
      intervalMinutes: 15,
      targetsKw: [180, 200, 200, 180],
      scope: { parkIds: [PARK] },
      noticeAt: '2026-12-14T09:00:00+08:00',
    };
    const created = await h.http('create-event', operator, { body: event });
    expect(created.status).toBe(201);
    const again = await h.http('create-event', operator, { body: event });
    expect(again.status).toBe(200);
    // The announcement was stored with the event (the outbox), so it cannot have been lost and a
    // re-send announces nothing again: one command per building below, one plan revision.
    await h.relay();
    expect(h.entries.filter((e) => e.DetailType === 'GridEventAccepted')).toHaveLength(1);

    await h.pump();
    firstCommands = h.published
      .filter((p) => p.detailType === 'DispatchCommand')
      .map((p) => p.detail.command as Record<string, unknown>);
    expect(firstCommands.length).toBeGreaterThan(1);
    const perBuilding = new Set(firstCommands.map((c) => c.buildingId));
    expect(perBuilding.size).toBe(firstCommands.length);
    // Every command is routable by integration, and the plan covers the target.
    for (const p of h.published) expect(p.detail.bmsIntegrationId).toBe('bms-a');
    const status = await h.http('get-event', operator, { params: { eventId: event.eventId } });
    expect(status.body.status).toBe('dispatched');
    expect(status.body.plan.shortfallKw).toEqual([0, 0, 0, 0]);
    expect(status.body.commands.published).toBe(firstCommands.length);
    const responses = firstCommands.map((c) => c.responseKw as number[]);
    for (const [t, target] of event.targetsKw.entries())
      expect(responses.reduce((s, r) => s + (r[t] ?? 0), 0)).toBeGreaterThanOrEqual(target - 0.01);
    expect(h.schedules.has(evaluationScheduleName(event))).toBe(true);
  });

  it('redispatches around a decline and leaves duplicate answers without effect', async () => {
    const [declined, ...accepted] = firstCommands;
    const declineRes = await h.http('acknowledge-command', BMS, {
      params: { commandId: declined?.commandId as string },
      body: { status: 'DECLINED', reason: 'chiller maintenance' },
    });
    expect(declineRes.status).toBe(200);
    for (const c of accepted) {
      const ok = await h.http('acknowledge-command', BMS, {
        params: { commandId: c.commandId as string },
        body: { status: 'ACCEPTED' },
      });
      expect(ok.status).toBe(200);
    }
    // The same answer twice changes nothing; a different one is refused.
    const twice = await h.http('acknowledge-command', BMS, {
      params: { commandId: accepted[0]?.commandId as string },
      body: { status: 'ACCEPTED' },
    });
    expect(twice.status).toBe(200);
    const flip = await h.http('acknowledge-command', BMS, {
      params: { commandId: accepted[0]?.commandId as string },
      body: { status: 'DECLINED' },
    });
    expect(flip.status).toBe(409);
    // Another building's BMS cannot even see the command.
    const foreign = await h.http('acknowledge-command', bms('b9'), {
      params: { commandId: accepted[0]?.commandId as string },
      body: { status: 'ACCEPTED' },
    });
    expect(foreign.status).toBe(404);

    const before = h.published.length;
    await h.pump();
    // The decline asks for a re-plan at the end of its debounce period; nothing is planned before.
    expect(h.published.length).toBe(before);
    const replans = await h.fireAll('replan-imp-2026-1214-peak-');
    expect(replans).toHaveLength(1);
    const redispatched = h.published.slice(before).map((p) => p.detail.command as Record<string, unknown>);
    expect(redispatched.length).toBeGreaterThan(0);
    expect(redispatched.every((c) => c.revision === 2 && c.buildingId !== declined?.buildingId)).toBe(true);
    const status = await h.http('get-event', operator, { params: { eventId: 'imp-2026-1214-peak' } });
    expect(status.body.revision).toBe(2);
    expect(status.body.plan.shortfallKw).toEqual([0, 0, 0, 0]);
    expect(status.body.commands.declined).toBe(1);
    // Every command of revision 2 is accepted too.
    for (const c of redispatched)
      expect(
        (
          await h.http('acknowledge-command', BMS, {
            params: { commandId: c.commandId as string },
            body: { status: 'ACCEPTED' },
          })
        ).status,
      ).toBe(200);
  });

  it('plans a valley-filling event that charges heat storage on valley power', async () => {
    const event = {
      eventId: 'imp-2026-1215-valley',
      programId: 'mengxi-valley',
      type: 'VALLEY_FILLING',
      start: '2026-12-15T00:00:00+08:00',
      end: '2026-12-15T02:00:00+08:00',
      intervalMinutes: 15,
      targetsKw: new Array(8).fill(150),
      scope: { zones: ['mengxi'] },
      noticeAt: '2026-12-14T09:00:00+08:00',
    };
    expect((await h.http('create-event', operator, { body: event })).status).toBe(201);
    const before = h.published.length;
    await h.pump();
    const commands = h.published.slice(before).map(
      (p) =>
        p.detail.command as {
          assets: { action: string; kw: number[] }[];
          limitType: string;
          standingKw?: number[];
        },
    );
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.every((c) => c.limitType === 'MIN_IMPORT')).toBe(true);
    const heat = commands.flatMap((c) => c.assets).filter((a) => a.action === 'heatCharge');
    expect(heat.length).toBeGreaterThan(0);
    // kWh of valley power the plan absorbs: 150 kW for 2 h, asked of the assets or already coming
    // from the recovery the peak event above planned in this night (counted, not asked again)
    const kwh = (kw: number[]) => kw.reduce((x, y) => x + y, 0) * 0.25;
    const asked = commands.flatMap((c) => c.assets).reduce((s, a) => s + kwh(a.kw), 0);
    const standing = commands.reduce((s, c) => s + kwh(c.standingKw ?? []), 0);
    expect(standing).toBeGreaterThan(0);
    expect(asked + standing).toBeCloseTo(300, 1);
  });

  it('counts silence past the acknowledgement deadline as a decline, then cancels on request', async () => {
    const eventId = 'imp-2026-1215-valley';
    const before = h.published.length;
    // Nobody answered the valley commands: the deadline fires.
    await h.fire(`ack-${eventId}-r1`);
    // The deadline only marks the silent as declined and asks for one re-plan.
    expect(h.published.slice(before).some((p) => p.detailType === 'DispatchCommand')).toBe(false);
    expect(await h.fireAll(`replan-${eventId}-`)).toHaveLength(1);
    const afterDeadline = await h.http('get-event', operator, { params: { eventId } });
    expect(afterDeadline.body.commands.declined).toBeGreaterThan(0);
    expect(afterDeadline.body.revision).toBe(2);
    const plan = await h.http('event-plan', operator, { params: { eventId } });
    const timedOut = (plan.body.commands as { status: string; reason?: string }[]).filter(
      (c) => c.status === 'DECLINED',
    );
    expect(timedOut.every((c) => c.reason === 'no answer by the deadline')).toBe(true);
    // The silent buildings' share went to buildings with flexibility left, never back to the silent ones.
    const silent = new Set(
      (plan.body.commands as { status: string; command: { buildingId: string } }[])
        .filter((c) => c.status === 'DECLINED')
        .map((c) => c.command.buildingId),
    );
    const redispatched = h.published.slice(before).filter((p) => p.detailType === 'DispatchCommand');
    expect(redispatched.length).toBeGreaterThan(0);
    expect(redispatched.every((p) => !silent.has(p.detail.buildingId as string))).toBe(true);

    const cancelled = await h.http('cancel-event', operator, { params: { eventId } });
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.status).toBe('cancelled');
    // Accepted, not done: the cancellation's work waits on the bus (EventCancelled).
    const accepted = await h.http('get-event', operator, { params: { eventId } });
    expect(accepted.body.status).toBe('cancelled');
    expect(accepted.body.revision).toBe(cancelled.body.revision);
    await h.pump();
    // Cancelling twice changes nothing.
    expect((await h.http('cancel-event', operator, { params: { eventId } })).body.status).toBe('cancelled');
    const status = await h.http('get-event', operator, { params: { eventId } });
    expect(status.body.status).toBe('cancelled');
    // Cancellations go out only for commands still active (none here: all were declined by silence).
    const cancellations = h.published.slice(before).filter((p) => p.detailType === 'CommandCancelled');
    expect(cancellations).toHaveLength(status.body.commands.cancelled);
    expect([...h.schedules.keys()].some((n) => n.startsWith(`eval-${eventId}`))).toBe(false);
  });

  it('revises an event: a new revision supersedes every command and moves the evaluation', async () => {
    const event = {
      eventId: 'imp-2026-1216-peak',
      programId: 'mengxi-peak',
      type: 'PEAK_SHAVING',
      start: '2026-12-16T17:00:00+08:00',
      end: '2026-12-16T18:00:00+08:00',
      intervalMinutes: 15,
      targetsKw: [100, 100, 100, 100],
      scope: { parkIds: [PARK] },
      noticeAt: '2026-12-14T09:00:00+08:00',
    };
    expect((await h.http('create-event', operator, { body: event })).status).toBe(201);
    await h.pump();
    const revised = { ...event, end: '2026-12-16T18:30:00+08:00', targetsKw: [60, 60, 60, 60, 60, 60] };
    const res = await h.http('revise-event', operator, { params: { eventId: event.eventId }, body: revised });
    expect(res.status).toBe(202);
    expect(res.body.revision).toBe(2);
    await h.pump();
    const plan = await h.http('event-plan', operator, { params: { eventId: event.eventId } });
    const commands = plan.body.commands as {
      status: string;
      command: { commandId: string; revision: number; kind: string; responseKw: number[] };
    }[];
    expect(commands.filter((c) => c.command.revision === 1).every((c) => c.status === 'SUPERSEDED')).toBe(
      true,
    );
    const current = commands.filter((c) => c.command.revision === 2 && c.command.kind === 'DISPATCH');
    expect(current.length).toBeGreaterThan(0);
    expect(current.every((c) => c.status === 'PUBLISHED' && c.command.responseKw.length === 6)).toBe(true);
    expect(h.schedules.has(evaluationScheduleName(revised))).toBe(true);
    // A revision cannot change the event's type.
    const flipped = await h.http('revise-event', operator, {
      params: { eventId: event.eventId },
      body: { ...revised, type: 'VALLEY_FILLING' },
    });
    expect(flipped.status).toBe(400);

    // OpenADR is opt-out: a VEN may decline a command it already accepted; a BMS's answer stands.
    const commandId = current[0]?.command.commandId as string;
    const accept = await h.http('acknowledge-command', BMS, {
      params: { commandId },
      body: { status: 'ACCEPTED' },
    });
    expect(accept.status).toBe(200);
    const ven: Principal = { subject: 'openadr:ven-1', role: 'bms', parkIds: [], buildingIds: IDS };
    const decline = { status: 'DECLINED' as const, reason: 'opted out by OpenADR report' };
    await expect(acknowledgeCommand(h.deps, ven, commandId, decline)).rejects.toThrow(ConflictError);
    const optedOut = await acknowledgeCommand(h.deps, ven, commandId, decline, { optOut: true });
    expect(optedOut.status).toBe('DECLINED');
    await h.relay();
    expect(h.entries.filter((e) => e.DetailType === 'CommandDeclined').at(-1)?.Detail).toContain(commandId);
    await h.pump();
    expect(await h.fireAll(`replan-${event.eventId}-`)).toHaveLength(1);
    const after = await h.http('get-event', operator, { params: { eventId: event.eventId } });
    expect(after.body.revision).toBe(3);
  });

  it('fails an event whose scope holds no building that can respond, and says why', async () => {
    const event = {
      eventId: 'imp-2026-1216-empty',
      programId: 'mengxi-peak',
      type: 'PEAK_SHAVING',
      start: '2026-12-16T19:00:00+08:00',
      end: '2026-12-16T20:00:00+08:00',
      intervalMinutes: 15,
      targetsKw: [50, 50, 50, 50],
      scope: { parkIds: ['no-such-park'] },
      noticeAt: '2026-12-14T09:00:00+08:00',
    };
    expect((await h.http('create-event', operator, { body: event })).status).toBe(201);
    await h.pump();
    const status = await h.http('get-event', operator, { params: { eventId: event.eventId } });
    expect(status.body.status).toBe('failed');
    expect(status.body.failure).toBe('no building in the scope could respond (0 in scope)');
    // An event whose window is over is refused outright.
    const late = await h.http('create-event', operator, {
      body: {
        ...event,
        eventId: 'imp-late',
        start: '2026-12-13T17:00:00+08:00',
        end: '2026-12-13T18:00:00+08:00',
        noticeAt: '2026-12-13T09:00:00+08:00',
      },
    });
    expect(late.status).toBe(400);
    expect(late.body.message).toContain('ended');
  });

  it('settles delivery against the program baseline, matching an independent calculation', async () => {
    const eventId = 'imp-2026-1214-peak';
    const plan = await h.http('event-plan', operator, { params: { eventId } });
    const final = (
      plan.body.commands as {
        status: string;
        command: { buildingId: string; kind: string; responseKw: number[] };
      }[]
    ).filter((c) => c.status === 'ACKNOWLEDGED' && c.command.kind === 'DISPATCH');
    expect(final.length).toBeGreaterThan(0);

    // Independent baseline: the 5 most recent working days before Monday 14 December are 7–11 December,
    // 3 to 7 days back; same time of day, averaged.
    const baseline = (i: number, t: number) => {
      const ms = msOfDay(peakStart + t * STEP);
      return [3, 4, 5, 6, 7].reduce((s, d) => s + load(i, d, ms), 0) / 5;
    };
    // Delivery: the first accepted building delivers exactly, the others 90 %.
    vi.setSystemTime(new Date('2026-12-14T18:20:00+08:00'));
    const expected = new Map<string, { declared: number; delivered: number; payment: number }>();
    for (const [k, c] of final.entries()) {
      const i = IDS.indexOf(c.command.buildingId);
      const share = k === 0 ? 1 : 0.9;
      const readings = c.command.responseKw.map((r, t) => ({
        buildingId: c.command.buildingId,
        intervalStart: new Date(peakStart + t * STEP).toISOString(),
        kw: baseline(i, t) - share * r,
      }));
      expect(
        (
          await h.http('report-telemetry', BMS, {
            params: { buildingId: c.command.buildingId },
            body: { readings },
          })
        ).status,
      ).toBe(202);
      const declared = c.command.responseKw.reduce((s, v) => s + v, 0) / 4;
      const delivered = share * declared;
      // ratio ≥ 0.8 is paid on min(ΔP, 1.2·P_d) at 1.5 ¥/kWh over 1 h
      expected.set(c.command.buildingId, {
        declared,
        delivered,
        payment: Math.round(delivered * 1.5 * 100) / 100,
      });
    }
    vi.setSystemTime(new Date('2026-12-14T18:31:00+08:00'));
    await h.fire(evaluationScheduleName({ eventId, end: '2026-12-14T18:00:00+08:00' }));

    const perf = await h.http('event-performance', operator, { params: { eventId } });
    expect(perf.body.status).toBe('settled');
    expect(perf.body.unsettled).toEqual([]);
    expect(perf.body.buildings).toHaveLength(final.length);
    for (const s of perf.body.buildings as {
      buildingId: string;
      declaredKw: number;
      deliveredKw: number;
      paymentYuan: number;
      intervals: { baselineKw: number }[];
    }[]) {
      const e = expected.get(s.buildingId);
      const i = IDS.indexOf(s.buildingId);
      expect(s.intervals.map((r) => r.baselineKw)).toEqual(
        [0, 1, 2, 3].map((t) => expect.closeTo(baseline(i, t), 6)),
      );
      expect(s.declaredKw).toBeCloseTo(e?.declared ?? Number.NaN, 6);
      expect(s.deliveredKw).toBeCloseTo(e?.delivered ?? Number.NaN, 6);
      expect(s.paymentYuan).toBeCloseTo(e?.payment ?? Number.NaN, 2);
    }
    // The plan records its forecast's error against the contractual baseline, computed here apart.
    const planned = (
      plan.body.commands as {
        status: string;
        command: {
          buildingId: string;
          baselineKw: number[];
          planningBaselineKw: number[];
          baselineKind: string;
          gridLimitKw: number[];
          responseKw: number[];
        };
      }[]
    ).filter((c) => c.status === 'ACKNOWLEDGED');
    // Each command stated the contractual baseline itself, and its import limit from it.
    for (const { command } of planned) {
      const i = IDS.indexOf(command.buildingId);
      expect(command.baselineKind).toBe('CONTRACTUAL');
      expect(command.baselineKw).toEqual([0, 1, 2, 3].map((t) => expect.closeTo(baseline(i, t), 2)));
      expect(command.gridLimitKw).toEqual(
        command.responseKw.map((r, t) => expect.closeTo((command.baselineKw[t] ?? 0) - r, 2)),
      );
    }
    let abs = 0;
    let signed = 0;
    let contractual = 0;
    for (const c of planned)
      for (const [t, p] of c.command.planningBaselineKw.entries()) {
        const b = baseline(IDS.indexOf(c.command.buildingId), t);
        abs += Math.abs(p - b);
        signed += p - b;
        contractual += b;
      }
    const status = await h.http('get-event', operator, { params: { eventId } });
    expect(status.body.plan.forecastError).toEqual({
      buildings: final.length,
      intervals: final.length * 4,
      meanAbsKw: expect.closeTo(abs / (final.length * 4), 3),
      absPct: expect.closeTo((abs / contractual) * 100, 2),
      biasPct: expect.closeTo((signed / contractual) * 100, 2),
    });
    const total = [...expected.values()].reduce((s, e) => s + e.payment, 0);
    const parks = await h.http('park-settlements', MANAGER, { params: { parkId: PARK } });
    expect(parks.body.items[0].eventId).toBe(eventId);
    expect(parks.body.items[0].netYuan).toBeCloseTo(total, 2);
    // A manager of another park sees none of it.
    expect(
      (await h.http('park-settlements', parkManager(OTHER_PARK), { params: { parkId: PARK } })).status,
    ).toBe(403);
  });
  it("holds the commands until the event's notice time, then dispatches them", async () => {
    const now = Date.now();
    const start = Math.ceil((now + 6 * H) / STEP) * STEP;
    const noticeAt = new Date(now + 2 * H).toISOString();
    const eventId = 'imp-notice-later';
    const event = {
      eventId,
      programId: 'mengxi-peak',
      type: 'PEAK_SHAVING',
      start: new Date(start).toISOString(),
      end: new Date(start + H).toISOString(),
      intervalMinutes: 15,
      targetsKw: [60, 60, 60, 60],
      scope: { parkIds: [PARK] },
      noticeAt,
    };
    expect((await h.http('create-event', operator, { body: event })).status).toBe(201);
    await h.pump();
    const ours = () =>
      h.published.filter(
        (p) =>
          p.detailType === 'DispatchCommand' &&
          (p.detail.command as { eventId?: string }).eventId === eventId,
      );
    // Planned, nothing sent: the dispatch waits on a schedule at the notice time.
    const waiting = await h.http('get-event', operator, { params: { eventId } });
    expect(waiting.body.status).toBe('planned');
    expect(waiting.body.commands.published).toBe(0);
    expect(ours()).toEqual([]);
    const schedule = h.schedules.get(dispatchScheduleName(eventId, 1));
    expect(JSON.parse(schedule?.Target?.Input ?? '{}')).toMatchObject({ eventId, revision: 1, at: noticeAt });

    // At the notice time the schedule fires and every command goes out.
    vi.setSystemTime(Date.parse(noticeAt));
    await h.fire(dispatchScheduleName(eventId, 1));
    const sent = await h.http('get-event', operator, { params: { eventId } });
    expect(sent.body.status).toBe('dispatched');
    expect(ours().length).toBeGreaterThan(0);
    expect(sent.body.commands.published).toBe(ours().length);
    expect((await h.http('cancel-event', operator, { params: { eventId } })).status).toBe(202);
    await h.pump();
  });

  it("pages an event's commands with a cursor, each command once, to its park's manager too", async () => {
    const eventId = 'imp-notice-later';
    const whole = await h.http('event-plan', operator, { params: { eventId } });
    const all = (whole.body.commands as { command: { commandId: string } }[]).map((c) => c.command.commandId);
    expect(whole.body.cursor).toBeUndefined();
    expect(all.length).toBeGreaterThan(2);
    const pagesOf = async (who: typeof operator) => {
      const seen: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await h.http('event-plan', who, {
          params: { eventId },
          query: { limit: '1', ...(cursor ? { cursor } : {}) },
        });
        expect(page.status).toBe(200);
        expect(page.body.plan).toBeDefined();
        seen.push(
          (page.body.commands as { command: { commandId: string } }[]).map((c) => c.command.commandId),
        );
        cursor = page.body.cursor;
      } while (cursor && seen.length <= all.length + 1);
      return seen;
    };
    const pages = await pagesOf(operator);
    expect(pages.every((p) => p.length <= 1)).toBe(true);
    expect(pages.flat().sort()).toEqual([...all].sort());
    expect((await pagesOf(parkManager(PARK))).flat().sort()).toEqual([...all].sort());
    expect((await h.http('event-plan', parkManager(OTHER_PARK), { params: { eventId } })).status).toBe(404);
    // A page larger than the store's is refused, not served.
    expect(
      (await h.http('event-plan', operator, { params: { eventId }, query: { limit: '501' } })).status,
    ).toBe(400);
  });

  it('answers the declines of one debounce period with one re-plan, and the deadline never plans', async () => {
    const eventId = 'imp-2026-1228-peak';
    const event = {
      eventId,
      programId: 'mengxi-peak',
      type: 'PEAK_SHAVING',
      start: '2026-12-28T17:00:00+08:00',
      end: '2026-12-28T18:00:00+08:00',
      intervalMinutes: 15,
      targetsKw: [120, 120, 120, 120],
      scope: { parkIds: [PARK] },
      noticeAt: '2026-12-01T09:00:00+08:00',
    };
    expect((await h.http('create-event', operator, { body: event })).status).toBe(201);
    await h.pump();
    const plan = await h.http('event-plan', operator, { params: { eventId } });
    const sent = (
      plan.body.commands as { status: string; command: { commandId: string; buildingId: string } }[]
    )
      .filter((c) => c.status === 'PUBLISHED')
      .map((c) => c.command);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    const [first, second] = sent;
    const before = h.published.length;
    for (const c of [first, second])
      expect(
        (
          await h.http('acknowledge-command', BMS, {
            params: { commandId: c?.commandId as string },
            body: { status: 'DECLINED', reason: 'maintenance' },
          })
        ).status,
      ).toBe(200);
    await h.pump();
    // Two declines, one schedule: the period's end answers both.
    const names = [...h.schedules.keys()].filter((n) => n.startsWith(`replan-${eventId}-`));
    expect(names).toHaveLength(1);
    const due = JSON.parse(h.schedules.get(names[0] as string)?.Target?.Input ?? '{}');
    expect(Date.parse(due.at) % (h.deps.config.replanDebounceSeconds * 1000)).toBe(0);
    expect(h.published.length).toBe(before);
    await h.fireAll(`replan-${eventId}-`);
    const record = await h.deps.events.get(eventId);
    expect(record?.revision).toBe(2);
    expect(record?.declinesPlannedAround).toBe(2);
    const revision2 = (await h.deps.commands.ofEvent(eventId)).filter((c) => c.command.revision === 2);
    expect(
      revision2.some((c) => [first?.buildingId, second?.buildingId].includes(c.command.buildingId)),
    ).toBe(false);
    // A late or repeated ReplanDue finds nobody new: no third revision.
    await replanDeclined(h.deps, eventId);
    expect((await h.deps.events.get(eventId))?.revision).toBe(2);
    // The deadline of a revision answered in full asks too, and that re-plan changes nothing.
    const standing = (await h.deps.commands.ofEvent(eventId)).filter((c) => c.status === 'PUBLISHED');
    for (const c of standing)
      expect(
        (
          await h.http('acknowledge-command', BMS, {
            params: { commandId: c.command.commandId },
            body: { status: 'ACCEPTED' },
          })
        ).status,
      ).toBe(200);
    await h.pump();
    await h.fire(ackScheduleName(eventId, 1));
    expect(await h.fireAll(`replan-${eventId}-`)).toHaveLength(1);
    expect((await h.deps.events.get(eventId))?.revision).toBe(2);
    // With no debounce the request goes out at once, through the outbox.
    const entries = h.entries.length;
    await requestReplan({ ...h.deps, config: { ...h.deps.config, replanDebounceSeconds: 0 } }, eventId);
    await h.relay();
    expect(h.entries.slice(entries).map((e) => e.DetailType)).toEqual(['ReplanDue']);
    await h.pump();
    expect((await h.deps.events.get(eventId))?.revision).toBe(2);
    expect((await h.http('cancel-event', operator, { params: { eventId } })).status).toBe(202);
  });
});
