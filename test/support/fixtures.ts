/** Small, valid inputs shared by the tests; each test states what it changes. */
import type { BuildingInput } from '../../lib/domain/model/building.ts';

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
