/**
 * Issue 7's "same plan" test, end to end through the local runtime: a BL's OpenADR program and
 * events (a DISPATCH_SETPOINT_RELATIVE peak and a FLEXDR_LOAD_INCREASE valley), and the equivalent
 * native program and events written by hand, posted on the same fleet, telemetry and stopped
 * clock, produce the same grid events and the same plans: per-interval targets, procured and
 * expected kW, and every building's command with its grid limits and asset instructions.
 */
import { describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { type Json, jsonCall, openadrClient, startOpenadrLocal } from '../support/openadr-local.ts';

/** 09:00 Beijing time on a Monday, the clock stopped. */
const NOW = Date.parse('2026-12-14T01:00:00Z');
const PARK = 'same-plan-park';
const SETTLEMENT = { unit: 'YUAN_PER_KWH', price: 1.5, minRatio: 0.8, maxRatio: 1.2 };
/** Buildings of different sizes, loads and states, so the allocation has choices to make. */
const FLEET = [
  { id: 'sp-office', importKw: 800, netLoadKw: 420, capacityKwh: 300, maxKw: 120, soc: 0.7 },
  { id: 'sp-school', importKw: 500, netLoadKw: 260, capacityKwh: 150, maxKw: 60, soc: 0.5 },
  { id: 'sp-mall', importKw: 1200, netLoadKw: 700, capacityKwh: 500, maxKw: 200, soc: 0.85 },
  { id: 'sp-flats', importKw: 400, netLoadKw: 180, capacityKwh: 80, maxKw: 40, soc: 0.3 },
];
const PEAK = {
  start: '2026-12-14T17:00:00+08:00',
  end: '2026-12-14T18:00:00+08:00',
  kw: [180, 260, 300, 220],
};
const VALLEY = {
  start: '2026-12-14T13:00:00+08:00',
  end: '2026-12-14T14:00:00+08:00',
  kw: [120, 150, 150, 90],
};

async function withRuntime<T>(run: (rt: LocalRuntime, call: Caller) => Promise<T>): Promise<T> {
  const rt = await startOpenadrLocal(NOW);
  try {
    const call: Caller = async (method, path, token, body) => {
      const res = await jsonCall(rt.url, method, path, { token, body });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
      return res.body;
    };
    const operator = await rt.token({ role: 'operator', subject: 'same-plan' });
    await call('PUT', `/parks/${PARK}`, operator, {
      parkId: PARK,
      name: PARK,
      zone: 'mengxi',
      city: 'Hohhot',
    });
    const bms = await rt.token({
      role: 'bms',
      buildingIds: FLEET.map((b) => b.id),
      subject: 'same-plan-bms',
    });
    for (const b of FLEET) {
      await call('PUT', `/buildings/${b.id}`, operator, {
        buildingId: b.id,
        parkId: PARK,
        name: b.id,
        zone: 'mengxi',
        feederId: 'f-same-plan',
        bmsIntegrationId: 'same-plan-bms',
        gridLimits: { importKw: b.importKw, exportKw: 0 },
        assets: [
          {
            kind: 'battery',
            id: 'bat',
            capacityKwh: b.capacityKwh,
            maxChargeKw: b.maxKw,
            maxDischargeKw: b.maxKw,
            socMin: 0.1,
            socMax: 0.9,
          },
        ],
      });
      await call('POST', `/buildings/${b.id}/telemetry`, bms, {
        state: {
          buildingId: b.id,
          at: new Date(NOW).toISOString(),
          netLoadKw: b.netLoadKw,
          assets: [{ kind: 'battery', assetId: 'bat', soc: b.soc, powerKw: 0 }],
        },
        readings: [{ buildingId: b.id, intervalStart: '2026-12-14T00:45:00Z', kw: b.netLoadKw }],
      });
    }
    return await run(rt, call);
  } finally {
    await rt.stop();
  }
}

type Caller = (method: string, path: string, token?: string, body?: unknown) => Promise<Json>;

/**
 * What was planned for each event, read through the native routes with an operator token, without
 * what names the event (ids, which embed it in command ids) or the time it was planned.
 */
async function outcome(rt: LocalRuntime, call: Caller, eventIds: string[]) {
  await rt.idle();
  const operator = await rt.token({ role: 'operator', subject: 'same-plan-reader' });
  const events = [];
  for (const eventId of eventIds) {
    const status = await call('GET', `/events/${eventId}`, operator);
    const { plan, commands } = await call('GET', `/events/${eventId}/plan`, operator);
    const { plannedAt: _at, ...figures } = plan;
    events.push({
      event: status.event,
      status: status.status as string,
      plan: figures,
      commands: (commands as { command: Json; status: string }[])
        .map(({ command: { commandId: _c, eventId: _e, ...command }, status: s }) => ({ command, status: s }))
        .sort((a, b) => (a.command.buildingId < b.command.buildingId ? -1 : 1)),
    });
  }
  return events;
}

const payload = (type: string, kw: number[], start: string) => ({
  payloadDescriptors: [{ objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: type, units: 'KW' }],
  intervalPeriod: { start, duration: 'PT15M' },
  intervals: kw.map((v, id) => ({ id, payloads: [{ type, values: [v] }] })),
});

describe('a BL-created OpenADR event and the equivalent native event', () => {
  // One runtime: a second one in the same process would reuse the first one's idempotency store
  // (module-level, bound to the stopped DynamoDB Local). The OpenADR events are deleted (so
  // cancelled, their reservations released) before the native ones are posted on the same fleet,
  // telemetry and stopped clock.
  it('produce the same plan', async () => {
    await withRuntime(async (rt, call) => {
      const operator = await rt.token({ role: 'operator', subject: 'same-plan' });
      const { accessToken: bl } = await openadrClient(rt.url, operator, 'same-plan-bl', { role: 'BL' });
      const program = await call('POST', '/openadr3/programs', bl, {
        programName: 'same plan',
        attributes: [{ type: 'FLEXDR_SETTLEMENT', values: [JSON.stringify(SETTLEMENT)] }],
      });
      const peak = await call('POST', '/openadr3/events', bl, {
        programID: program.id,
        targets: [`park:${PARK}`],
        ...payload('DISPATCH_SETPOINT_RELATIVE', PEAK.kw, PEAK.start),
      });
      await rt.idle();
      const valley = await call('POST', '/openadr3/events', bl, {
        programID: program.id,
        targets: [`park:${PARK}`],
        ...payload('FLEXDR_LOAD_INCREASE', VALLEY.kw, VALLEY.start),
      });
      const viaOpenadr = await outcome(rt, call, [peak.id, valley.id]);
      for (const id of [valley.id, peak.id]) await call('DELETE', `/openadr3/events/${id}`, bl);
      await rt.idle();

      // The same program and events, written by hand as an operator posts them natively.
      const programId = 'same-plan-native';
      await call('PUT', `/programs/${programId}`, operator, {
        programId,
        name: 'same plan',
        baseline: { method: 'N_DAY_AVERAGE', days: 5, dayFilter: 'WORKDAY', lookbackDays: 45 },
        settlement: SETTLEMENT,
      });
      const post = (eventId: string, type: string, w: typeof PEAK) =>
        call('POST', '/events', operator, {
          eventId,
          programId,
          type,
          start: w.start,
          end: w.end,
          intervalMinutes: 15,
          targetsKw: w.kw,
          scope: { parkIds: [PARK] },
          noticeAt: new Date(NOW).toISOString(),
        });
      await post('native-peak', 'PEAK_SHAVING', PEAK);
      await rt.idle();
      await post('native-valley', 'VALLEY_FILLING', VALLEY);
      const native = await outcome(rt, call, ['native-peak', 'native-valley']);

      for (const e of viaOpenadr) {
        expect(e.status).toBe('dispatched');
        expect(e.commands.length).toBeGreaterThanOrEqual(2);
      }
      expect(viaOpenadr.map((e) => e.event)).toEqual(
        native.map((e) => ({ ...e.event, eventId: expect.any(String), programId: program.id })),
      );
      expect(viaOpenadr).toEqual(native.map((e) => ({ ...e, event: expect.anything() })));
      expect(rt.bus.deadLetters).toEqual([]);
    });
  });
});
