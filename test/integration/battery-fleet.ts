/**
 * The integration tests' small fleet: program `p` (pre-event baseline, ¥1 a kWh), one park, and
 * buildings each with the fixtures' 100 kWh battery at SoC 0.9 and a 300 kW load, on the feeder
 * given, reported now.
 */
import { batteryInput, buildingInput } from '../support/fixtures.ts';
import { bms, type Harness, operator } from './harness.ts';

export async function enrollBatteryFleet(
  h: Harness,
  parkId: string,
  buildings: readonly { buildingId: string; feederId: string }[],
  bmsIntegrationId = 'bms-test',
): Promise<void> {
  await h.http('put-program', operator, {
    params: { programId: 'p' },
    body: {
      programId: 'p',
      name: 'peak',
      baseline: { method: 'PRE_EVENT', minutesBefore: 15 },
      settlement: { unit: 'YUAN_PER_KWH', price: 1 },
    },
  });
  await h.http('put-park', operator, {
    params: { parkId },
    body: { parkId, name: parkId.toUpperCase(), zone: 'mengxi', city: 'Baotou' },
  });
  for (const { buildingId, feederId } of buildings) {
    await h.http('put-building', operator, {
      params: { buildingId },
      body: buildingInput({
        buildingId,
        parkId,
        name: buildingId,
        feederId,
        bmsIntegrationId,
        assets: [batteryInput],
      }),
    });
    await h.http('report-telemetry', bms(buildingId), {
      params: { buildingId },
      body: {
        state: {
          buildingId,
          at: new Date().toISOString(),
          netLoadKw: 300,
          assets: [{ kind: 'battery', assetId: 'bat', soc: 0.9, powerKw: 0 }],
        },
      },
    });
  }
}
