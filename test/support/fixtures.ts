/** Small, valid inputs shared by the tests; each test states what it changes. */
import type { BuildingInput } from '../../lib/domain/model/building.ts';
import type { GridEventInput } from '../../lib/domain/model/grid-event.ts';

/** An office building in park p1 with no assets, 500 kW import, no export. */
export function buildingInput(overrides: Partial<BuildingInput> = {}): BuildingInput {
  return {
    buildingId: 'b1',
    parkId: 'p1',
    name: 'Office',
    zone: 'mengxi',
    feederId: 'f1',
    bmsIntegrationId: 'bms1',
    gridLimits: { importKw: 500, exportKw: 0 },
    assets: [],
    ...overrides,
  };
}

/** A 100 kWh battery, 50 kW either way, SoC between 0.1 and 0.9. */
export const batteryInput = {
  kind: 'battery' as const,
  id: 'bat',
  capacityKwh: 100,
  maxChargeKw: 50,
  maxDischargeKw: 50,
  socMin: 0.1,
  socMax: 0.9,
};

/** A peak-shaving event on park hohhot-jinqiao, 17:00–18:00 Beijing time, four 15-minute targets. */
export const peakEventInput: GridEventInput = {
  eventId: 'imp-2026-001',
  programId: 'mengxi-peak',
  type: 'PEAK_SHAVING',
  start: '2026-01-15T17:00:00+08:00',
  end: '2026-01-15T18:00:00+08:00',
  intervalMinutes: 15,
  targetsKw: [500, 600, 600, 500],
  scope: { parkIds: ['hohhot-jinqiao'] },
  noticeAt: '2026-01-15T09:00:00+08:00',
};

/** An 800 kWh battery, 200 kW either way, SoC between 0.1 and 0.9: a large building's. */
export const largeBatteryInput = {
  kind: 'battery' as const,
  id: 'bat',
  capacityKwh: 800,
  maxChargeKw: 200,
  maxDischargeKw: 200,
  socMin: 0.1,
  socMax: 0.9,
};

/**
 * Building `buildingId` of park `parkId` (BMS integration `bms-a`, 800 kW import, no export) with
 * `largeBatteryInput` at `cycleCostYuanPerKwh`, and any `more` assets beside it.
 */
export function largeBatteryBuilding(
  buildingId: string,
  parkId: string,
  cycleCostYuanPerKwh: number,
  more: BuildingInput['assets'] = [],
): BuildingInput {
  return buildingInput({
    buildingId,
    parkId,
    name: `Building ${buildingId}`,
    bmsIntegrationId: 'bms-a',
    gridLimits: { importKw: 800, exportKw: 0 },
    assets: [...more, { ...largeBatteryInput, cycleCostYuanPerKwh }],
  });
}
