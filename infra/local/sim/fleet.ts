/**
 * The demo fleet: two 蒙西 parks, Hohhot Jinqiao (20 buildings on three feeders) and a small Baotou
 * park a park manager's view leaves out, with the 光储直柔 assets and heat storage of DESIGN §3 at
 * plausible sizes, plus the demo's demand-response program. Pure data.
 */
import type * as z from 'zod';
import type { Asset } from '../../../lib/domain/model/asset.ts';
import { Building, type BuildingInput, type Park } from '../../../lib/domain/model/building.ts';
import type { Program } from '../../../lib/domain/model/program.ts';
import { assetsFullPowerKw, BASE_SHARE_OF_HEADROOM } from './building-sim.ts';
import type { LoadKind } from './loads.ts';

export type { LoadKind } from './loads.ts';

type AssetInput = z.input<typeof Asset>;

/**
 * The demo's program: a Jiangsu-style 5-working-day average over the last 30 days with a CAISO
 * day-of adjustment. Inner Mongolia publishes no demand-response price; 1.2 元/kWh is configuration
 * chosen for the demo (between Hainan's 2025 draft peak-shaving prices of 1.0 and 2.0 元/kWh).
 */
export const DEMO_PROGRAM: z.input<typeof Program> = {
  programId: 'mengxi-dr-2026',
  name: '蒙西 demand response 2026 (demo)',
  baseline: {
    method: 'N_DAY_AVERAGE',
    days: 5,
    dayFilter: 'WORKDAY',
    lookbackDays: 30,
    adjustment: { kind: 'MULTIPLICATIVE' },
  },
  settlement: { unit: 'YUAN_PER_KWH', price: 1.2, minRatio: 0.8, maxRatio: 1.2 },
};

/**
 * Valley filling (填谷) at night on curtailed wind: the same 5-day average, but without a day-of
 * adjustment. The adjustment window of a late-evening valley event sits right after the evening
 * peak, where tanks and batteries recover from a peak-shaving event; scaling the baseline by that
 * rebound would take the valley delivery away. 0.35 元/kWh is configuration (Hainan's 2025 draft
 * prices valley filling at 0.3–0.4 元/kWh).
 */
export const DEMO_VALLEY_PROGRAM: z.input<typeof Program> = {
  programId: 'mengxi-valley-2026',
  name: '蒙西 valley filling on curtailed wind 2026 (demo)',
  baseline: { method: 'N_DAY_AVERAGE', days: 5, dayFilter: 'WORKDAY', lookbackDays: 30 },
  settlement: { unit: 'YUAN_PER_KWH', price: 0.35, minRatio: 0.8, maxRatio: 1.2 },
};

/** Every program the demo seeds. */
export const DEMO_PROGRAMS = [DEMO_PROGRAM, DEMO_VALLEY_PROGRAM];

export const JINQIAO: Park = {
  parkId: 'hohhot-jinqiao',
  name: 'Hohhot Jinqiao Development Zone',
  zone: 'mengxi',
  city: 'Hohhot',
};
export const BAOTOU: Park = {
  parkId: 'baotou-rare-earth',
  name: 'Baotou Rare-Earth Hi-Tech Zone',
  zone: 'mengxi',
  city: 'Baotou',
};

// Asset builders, with the usual ratios of each kind of equipment.
const battery = (kwh: number, kw: number, cost = 0.1): AssetInput => ({
  kind: 'battery',
  id: 'bat',
  capacityKwh: kwh,
  maxChargeKw: kw,
  maxDischargeKw: kw,
  socMin: 0.1,
  socMax: 0.95,
  cycleCostYuanPerKwh: cost,
});
const pv = (kwp: number, id = 'pv'): AssetInput => ({
  kind: 'pv',
  id,
  kwp,
  inverterKw: Math.round(kwp * 0.9),
});
const hvac = (kw: number, comfortCost = 0.4): AssetInput => ({
  kind: 'appliance',
  id: 'hvac',
  applianceKind: 'hvac',
  ratedKw: kw,
  curtailableShare: 0.3,
  maxCurtailMinutes: 90,
  reboundShare: 0.3,
  comfortCostYuanPerKwh: comfortCost,
});
const lighting = (kw: number): AssetInput => ({
  kind: 'appliance',
  id: 'lights',
  applianceKind: 'lighting',
  ratedKw: kw,
  curtailableShare: 0.25,
  maxCurtailMinutes: 120,
  reboundShare: 0,
  comfortCostYuanPerKwh: 0.6,
});
const waterHeater = (kw: number): AssetInput => ({
  kind: 'appliance',
  id: 'dhw',
  applianceKind: 'waterHeater',
  ratedKw: kw,
  curtailableShare: 1,
  maxCurtailMinutes: 120,
  reboundShare: 0.8,
  comfortCostYuanPerKwh: 0.15,
});
const evCharger = (id: string, kw: number): AssetInput => ({
  kind: 'appliance',
  id,
  applianceKind: 'evCharger',
  ratedKw: kw,
  curtailableShare: 1,
  maxCurtailMinutes: 120,
  // the energy a car still needs is its rebound; the simulator models it from the sessions
  reboundShare: 0,
  comfortCostYuanPerKwh: 0.2,
});
/**
 * Heat storage 蓄热 sized for a night of valley charging: the tank holds 8 hours of the heater's
 * full thermal output (the 蒙西 heating valley runs 18:00–08:00). An electric boiler has COP 1; an
 * air-source heat pump about 2.5 (its COP falls in deep cold; the simulator keeps it constant).
 */
const heatStorage = (heaterKw: number, cop: number, lossPctPerHour = 0.6): AssetInput => ({
  kind: 'heatStorage',
  id: 'tank',
  heaterKw,
  cop,
  capacityKwhTh: Math.round(8 * heaterKw * cop),
  minKwhTh: Math.round(0.1 * 8 * heaterKw * cop),
  lossPctPerHour,
  costYuanPerKwh: cop > 1 ? 0.03 : 0.02,
});
const dcBus = (nominalVoltage: number, bandPct: number, flexKwPerPct: number): AssetInput => ({
  kind: 'dcBus',
  id: 'bus',
  nominalVoltage,
  bandPct,
  flexKwPerPct,
  costYuanPerKwh: 0.03,
});

interface Spec {
  id: string;
  name: string;
  park: Park;
  feeder: string;
  kind: LoadKind;
  /** Peak of the loads other than the assets, kW. */
  otherPeakKw: number;
  assets: AssetInput[];
  exportKw?: number;
}

// biome-ignore format: a table of the fleet reads better one building per line
const SPECS: Spec[] = [
  { id: 'jq-office-1', name: 'Jinqiao Tower A', park: JINQIAO, feeder: 'jq-f1', kind: 'office', otherPeakKw: 350, assets: [pv(150), battery(400, 150, 0.1), hvac(200), lighting(60)] },
  { id: 'jq-office-2', name: 'Jinqiao Tower B', park: JINQIAO, feeder: 'jq-f1', kind: 'office', otherPeakKw: 280, assets: [pv(120), battery(300, 120, 0.12), hvac(160)] },
  { id: 'jq-office-3', name: 'Grid Dispatch Annex', park: JINQIAO, feeder: 'jq-f1', kind: 'office', otherPeakKw: 180, assets: [pv(80), battery(200, 100, 0.08), hvac(100, 0.5), lighting(30)] },
  { id: 'jq-office-4', name: 'Software Park Building 2', park: JINQIAO, feeder: 'jq-f2', kind: 'office', otherPeakKw: 240, assets: [pv(100), battery(250, 100, 0.15), hvac(140)] },
  { id: 'jq-office-5', name: 'Dairy Research Centre', park: JINQIAO, feeder: 'jq-f2', kind: 'office', otherPeakKw: 300, assets: [pv(200), battery(500, 200, 0.09), hvac(180, 0.35)] },
  { id: 'jq-office-6', name: 'Government Service Centre', park: JINQIAO, feeder: 'jq-f3', kind: 'office', otherPeakKw: 220, assets: [battery(200, 100, 0.12), hvac(150, 0.6), lighting(40)] },
  { id: 'jq-office-7', name: 'Data and Archives Centre', park: JINQIAO, feeder: 'jq-f3', kind: 'office', otherPeakKw: 200, assets: [pv(60), battery(300, 150, 0.1), hvac(180, 0.3)] },
  { id: 'jq-res-1', name: 'Jinqiao Garden Block 1', park: JINQIAO, feeder: 'jq-f2', kind: 'residential', otherPeakKw: 180, assets: [heatStorage(400, 1)] },
  { id: 'jq-res-2', name: 'Jinqiao Garden Block 2', park: JINQIAO, feeder: 'jq-f2', kind: 'residential', otherPeakKw: 150, assets: [heatStorage(160, 2.5)] },
  { id: 'jq-res-3', name: 'Jinqiao Garden Block 3', park: JINQIAO, feeder: 'jq-f2', kind: 'residential', otherPeakKw: 140, assets: [heatStorage(300, 1, 0.8)] },
  { id: 'jq-res-4', name: 'Riverside Apartments', park: JINQIAO, feeder: 'jq-f3', kind: 'residential', otherPeakKw: 200, assets: [heatStorage(200, 2.6), pv(60)] },
  { id: 'jq-res-5', name: 'Teachers’ Housing', park: JINQIAO, feeder: 'jq-f3', kind: 'residential', otherPeakKw: 120, assets: [heatStorage(120, 2.4, 0.5)] },
  { id: 'jq-res-6', name: 'Jinqiao New Village', park: JINQIAO, feeder: 'jq-f3', kind: 'residential', otherPeakKw: 220, assets: [heatStorage(500, 1)] },
  { id: 'jq-res-7', name: 'Talent Apartments', park: JINQIAO, feeder: 'jq-f3', kind: 'residential', otherPeakKw: 160, assets: [heatStorage(180, 2.5), waterHeater(40)] },
  { id: 'jq-dc-1', name: 'PEDF Demonstration Office', park: JINQIAO, feeder: 'jq-f1', kind: 'dcOffice', otherPeakKw: 120, assets: [pv(250), battery(300, 150, 0.08), dcBus(750, 5, 4), hvac(80), lighting(30)], exportKw: 100 },
  { id: 'jq-dc-2', name: 'Zero-Carbon Incubator', park: JINQIAO, feeder: 'jq-f2', kind: 'dcOffice', otherPeakKw: 90, assets: [pv(150), battery(200, 100, 0.1), dcBus(375, 5, 2.5), hvac(60)], exportKw: 60 },
  { id: 'jq-ev-1', name: 'Transit Hub Car Park', park: JINQIAO, feeder: 'jq-f1', kind: 'evPark', otherPeakKw: 30, assets: [evCharger('ev-dc', 360), evCharger('ev-ac', 168), pv(200)], exportKw: 100 },
  { id: 'jq-ev-2', name: 'Jinqiao Plaza Car Park', park: JINQIAO, feeder: 'jq-f3', kind: 'evPark', otherPeakKw: 25, assets: [evCharger('ev', 240)] },
  { id: 'jq-school-1', name: 'Jinqiao No. 2 Middle School', park: JINQIAO, feeder: 'jq-f2', kind: 'school', otherPeakKw: 150, assets: [pv(100), hvac(120, 0.5), lighting(50), heatStorage(120, 2.8)] },
  { id: 'jq-school-2', name: 'Vocational College East Campus', park: JINQIAO, feeder: 'jq-f3', kind: 'school', otherPeakKw: 260, assets: [pv(180), battery(250, 120, 0.11), hvac(200), lighting(80)] },
  { id: 'bt-plant-1', name: 'Rare-Earth Materials Lab Building', park: BAOTOU, feeder: 'bt-f1', kind: 'office', otherPeakKw: 400, assets: [pv(300), battery(600, 250, 0.09), hvac(250)], exportKw: 100 },
  { id: 'bt-res-1', name: 'Baotou Staff Housing', park: BAOTOU, feeder: 'bt-f1', kind: 'residential', otherPeakKw: 160, assets: [heatStorage(350, 1)] },
  { id: 'bt-office-1', name: 'Hi-Tech Zone Administration', park: BAOTOU, feeder: 'bt-f1', kind: 'office', otherPeakKw: 150, assets: [battery(150, 75, 0.12), hvac(100)] },
];

/** Load kind of each demo building (Building is a strict schema, so it lives beside it). */
export const DEMO_PROFILES: Record<string, LoadKind> = Object.fromEntries(SPECS.map((s) => [s.id, s.kind]));

/**
 * The demo parks and buildings, as API inputs. Each import limit is the assets at full power plus
 * the other loads' peak with a 25 % margin, so the simulator reads that peak back from it.
 */
export function demoFleet(): { parks: Park[]; buildings: BuildingInput[] } {
  const buildings = SPECS.map(
    (s): BuildingInput => ({
      buildingId: s.id,
      parkId: s.park.parkId,
      name: s.name,
      zone: s.park.zone,
      feederId: s.feeder,
      bmsIntegrationId: 'sim',
      gridLimits: {
        importKw: Math.ceil((assetsFullPowerKw(s.assets) + s.otherPeakKw / BASE_SHARE_OF_HEADROOM) / 10) * 10,
        exportKw: s.exportKw ?? 0,
      },
      assets: s.assets.map((a) => ({ ...a })),
    }),
  );
  return { parks: [{ ...JINQIAO }, { ...BAOTOU }], buildings };
}

/** The demo buildings parsed (defaults filled in), as the simulator takes them. */
export function demoBuildings(): Building[] {
  return demoFleet().buildings.map((b) => Building.parse(b));
}

/**
 * The request that issues an event over the demo park (Jinqiao) under the demo program of its type,
 * in 15-minute intervals, noticed at `nowMs`: what the demo and the tour send.
 */
export function demoEventRequest(
  eventId: string,
  type: 'PEAK_SHAVING' | 'VALLEY_FILLING',
  window: { start: number; end: number },
  targetsKw: number[],
  nowMs: number,
) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    eventId,
    programId: type === 'PEAK_SHAVING' ? DEMO_PROGRAM.programId : DEMO_VALLEY_PROGRAM.programId,
    type,
    start: iso(window.start),
    end: iso(window.end),
    intervalMinutes: 15,
    targetsKw,
    scope: { parkIds: [JINQIAO.parkId] },
    noticeAt: iso(nowMs),
  };
}
