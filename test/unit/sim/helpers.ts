/** Builders shared by the simulator tests: small buildings and commands. */
import { Building } from '../../../lib/domain/model/building.ts';
import type { AssetInstruction, Command } from '../../../lib/domain/model/command.ts';
import type { Direction } from '../../../lib/domain/model/common.ts';

export const MIN = 60_000;
export const QUARTER = 15 * MIN;
export const at = (iso: string) => Date.parse(iso);

export function building(id: string, assets: unknown[], importKw = 1_000, exportKw = 0): Building {
  return Building.parse({
    buildingId: id,
    parkId: 'p1',
    name: `Building ${id}`,
    zone: 'mengxi',
    feederId: 'f1',
    bmsIntegrationId: 'sim',
    gridLimits: { importKw, exportKw },
    assets,
  });
}

export const batteryAsset = {
  kind: 'battery',
  id: 'bat',
  capacityKwh: 200,
  maxChargeKw: 100,
  maxDischargeKw: 100,
  socMin: 0.1,
  socMax: 0.9,
  chargeEfficiency: 0.95,
  dischargeEfficiency: 0.92,
};
export const tankAsset = {
  kind: 'heatStorage',
  id: 'tank',
  heaterKw: 150,
  cop: 2.5,
  capacityKwhTh: 3_000,
  minKwhTh: 300,
  lossPctPerHour: 0.6,
};
export const hvacAsset = {
  kind: 'appliance',
  id: 'hvac',
  applianceKind: 'hvac',
  ratedKw: 300,
  curtailableShare: 0.4,
  maxCurtailMinutes: 60,
  reboundShare: 0.5,
};

export interface CommandSpec {
  eventId?: string;
  revision?: number;
  kind?: 'DISPATCH' | 'CANCEL';
  direction?: Direction;
  start: string;
  assets: AssetInstruction[];
  supersedes?: string;
}

/** A command for `b`; the series length comes from the first instruction. */
export function command(b: Building, spec: CommandSpec): Command {
  const eventId = spec.eventId ?? 'ev-1';
  const revision = spec.revision ?? 1;
  const direction = spec.direction ?? 'PEAK_SHAVING';
  const n = spec.assets[0]?.kw.length ?? 0;
  const response = Array.from({ length: n }, (_, t) => spec.assets.reduce((s, a) => s + (a.kw[t] ?? 0), 0));
  return {
    commandId: `cmd-${eventId}-${b.buildingId}-r${revision}`,
    eventId,
    revision,
    kind: spec.kind ?? 'DISPATCH',
    buildingId: b.buildingId,
    parkId: b.parkId,
    bmsIntegrationId: b.bmsIntegrationId,
    direction,
    start: spec.start,
    intervalMinutes: 15,
    limitType: direction === 'PEAK_SHAVING' ? 'MAX_IMPORT' : 'MIN_IMPORT',
    gridLimitKw: response.map(() => 0),
    baselineKw: response.map(() => 0),
    responseKw: response,
    assets: spec.kind === 'CANCEL' ? [] : spec.assets,
    ...(spec.supersedes ? { supersedes: spec.supersedes } : {}),
  };
}

export const constant = (n: number, kw: number) => new Array<number>(n).fill(kw);
