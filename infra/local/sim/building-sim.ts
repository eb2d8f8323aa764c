/**
 * Physics of one simulated building, minute by minute: what its BMS would meter and report.
 *
 * Without commands a building does what the coordinator's flexibility model (lib/domain/
 * flexibility.ts) assumes of it: the battery idles (topping up to its mid SoC in the night valley),
 * the heater covers the heat demand and holds the tank near mid level, appliances follow occupancy
 * and temperature, the DC bus sits at nominal voltage, PV follows the sun. Commands move each asset
 * relative to that behaviour, by the instructed kW, as far as its physics allows, with a small seeded
 * execution error. Everything is deterministic for a seed: noise depends on the instant, not on how
 * the clock got there, so history and a live run of the same period agree.
 */
import type * as z from 'zod';
import type {
  ApplianceAsset,
  Asset,
  BatteryAsset,
  DcBusAsset,
  HeatStorageAsset,
  PvAsset,
} from '../../../lib/domain/model/asset.ts';
import type { Building } from '../../../lib/domain/model/building.ts';
import type { AssetAction, Command } from '../../../lib/domain/model/command.ts';
import type { AssetState, BuildingState, MeterReading } from '../../../lib/domain/model/telemetry.ts';
import { CHINA_OFFSET_MS, DAY_MS, MINUTE_MS, toIso, toMs } from '../../../lib/domain/time.ts';
import { heatingSeason, hotWaterShape, hvacShare, isWorkday, type LoadKind, occupancy } from './loads.ts';
import { stepBattery, stepTank } from './physics.ts';
import { hash01, hashString, smoothNoise } from './random.ts';
import { pvOutputKw } from './solar.ts';
import { outdoorTempC } from './weather.ts';

const STEP_H = 1 / 60;
const QUARTER_MS = 15 * MINUTE_MS;
/** The other loads peak at this share of the connection left after the assets at full power. */
export const BASE_SHARE_OF_HEADROOM = 0.8;
/** Share of a 光储直柔 building's other loads that sit on the DC bus (lighting, IT, fans). */
const DC_SHARE = 0.6;
/** How fast the heater's controller pulls the tank back to its target level, per hour. */
const TANK_GAIN_PER_H = 0.25;
/** Indoor set point and the outdoor design temperature a heating system is sized for, °C. */
const INDOOR_C = 18;
const DESIGN_OUTDOOR_C = -25;
/** Domestic hot water as a share of the heater's thermal rating, on average. */
const HOT_WATER_SHARE = 0.05;
/** Night valley (local minutes) in which an idle battery tops up to its home SoC, and how hard. */
const VALLEY_RECHARGE = { from: 0, to: 6 * 60, shareOfMaxKw: 0.3 };
/** Execution error: delivered = instructed × a factor in [0.96, 1.01], drawn per asset and interval. */
const EXECUTION = { low: 0.96, span: 0.05 };

/** Following limits: the controller's integral gain per minute, and how far beyond its instruction it drives an asset. */
const LIMIT_GAIN = 0.5;
const MAX_DRIVE = 4;

const STREAM_BASE = 1;
const STREAM_JITTER = 2;
const STREAM_EV_DAY = 3;
const STREAM_EXECUTION = 4;
const STREAM_ANSWER = 5;
const STREAM_REASON = 6;

/** Actions that raise import; the others lower it (busVoltage follows the event's direction). */
const RAISING: ReadonlySet<AssetAction> = new Set(['charge', 'chargeEarly', 'heatCharge']);
const LOWERING: ReadonlySet<AssetAction> = new Set(['discharge', 'curtail', 'heaterOff']);

export interface SimulatorOptions {
  /** Seeds the weather (shared by every building with the same seed) and the building's own noise. */
  seed: number;
  /** Simulation start, epoch ms; the state before it is warmed up from local midnight. */
  startMs: number;
  /** Starting levels by asset id (defaults: mid SoC, tank at its target). */
  initial?: { soc?: Record<string, number>; storedKwhTh?: Record<string, number> };
  /** Peak of the loads other than the assets, kW (default: from the grid connection, see {@link basePeakKw}). */
  basePeakKw?: number;
  /**
   * How the BMS executes a command. `assets` (default): each asset moves by its instructed kW from
   * what it would have done. `limit`: a 光储直柔 controller holds the grid import at the command's
   * limit, driving the instructed assets harder or softer in proportion (an integral loop, minute by
   * minute) as far as their physics allows; it then delivers against the baseline the limit was
   * built from, whatever the natural load does.
   */
  follow?: 'assets' | 'limit';
}

interface BatteryUnit {
  asset: BatteryAsset;
  energyKwh: number;
  powerKw: number;
  homeKwh: number;
}
interface TankUnit {
  asset: HeatStorageAsset;
  storedKwhTh: number;
  heaterKw: number;
  demandKwTh: number;
  targetKwhTh: number;
  /** Heat loss coefficient of the building it heats, kW_th per K. */
  uaKwPerK: number;
  unservedKwhTh: number;
}
interface EvSession {
  day: number;
  arrivalMin: number;
  sdMin: number;
  departMin: number;
  energyKwh: number;
}
interface ApplianceUnit {
  asset: ApplianceAsset;
  index: number;
  kw: number;
  /** Curtailed minutes per event, against `maxCurtailMinutes`. */
  curtailedMinutes: Map<string, number>;
  runKwh: number;
  runMinutes: number;
  reboundKwh: number;
  reboundKw: number;
  ev?: { backlogKwh: number; minutesToDeparture: number; session?: EvSession };
}
interface BusUnit {
  asset: DcBusAsset;
  voltage: number;
  loadKw: number;
}
interface PvUnit {
  asset: PvAsset;
  outputKw: number;
}
interface Request {
  /** Change of the asset's import the commands ask for, kW (negative: less import). */
  deltaKw: number;
  /** DC bus: voltage deviation asked for, percent. */
  busPct: number;
  eventIds: string[];
}
interface DayContext {
  day: number;
  date: string;
  workday: boolean;
  heating: boolean;
  /** Local minute of the day. */
  minute: number;
}

/**
 * Peak of a building's loads other than its assets: {@link BASE_SHARE_OF_HEADROOM} of what its
 * import limit leaves after every appliance, heater and battery charger at full power and the DC
 * bus at the top of its band. Connections are sized with that margin, so the fleet's data sets it.
 */
export function basePeakKw(building: Building): number {
  return Math.max(
    0,
    BASE_SHARE_OF_HEADROOM * (building.gridLimits.importKw - assetsFullPowerKw(building.assets)),
  );
}

/** Draw of the assets at full power: appliances at rating, heaters, battery chargers, the DC bus at the top of its band. */
export function assetsFullPowerKw(assets: readonly z.input<typeof Asset>[]): number {
  let kw = 0;
  for (const a of assets) {
    if (a.kind === 'appliance') kw += a.ratedKw;
    else if (a.kind === 'heatStorage') kw += a.heaterKw;
    else if (a.kind === 'battery') kw += a.maxChargeKw;
    else if (a.kind === 'dcBus') kw += a.flexKwPerPct * a.bandPct;
  }
  return kw;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** One building's assets and loads, stepped in one-minute steps, metered in 15-minute readings. */
export class BuildingSimulator {
  readonly building: Building;
  readonly kind: LoadKind;
  private readonly weatherSeed: number;
  private readonly seed: number;
  private readonly basePeak: number;
  private nowMs: number;
  private netKw = 0;
  private readonly batteries: BatteryUnit[] = [];
  private readonly tanks: TankUnit[] = [];
  private readonly appliances: ApplianceUnit[] = [];
  private readonly buses: BusUnit[] = [];
  private readonly pvs: PvUnit[] = [];
  /**
   * Latest known revision per event, with its command unless cancelled or declined, and (following
   * limits) how hard the controller drives the command's assets relative to the instructed kW.
   */
  private readonly events = new Map<
    string,
    { revision: number; command?: Command; startMs: number; scale: number }
  >();
  private readonly follow: 'assets' | 'limit';
  private quarter = { startMs: 0, sumKw: 0, pvSumKw: 0, minutes: 0 };
  private readonly dayContext: DayContext = {
    day: Number.NaN,
    date: '',
    workday: false,
    heating: false,
    minute: 0,
  };

  constructor(building: Building, kind: LoadKind, options: SimulatorOptions) {
    this.building = building;
    this.kind = kind;
    this.weatherSeed = options.seed;
    this.seed = hashString(building.buildingId, options.seed);
    this.basePeak = options.basePeakKw ?? basePeakKw(building);
    this.follow = options.follow ?? 'assets';
    building.assets.forEach((a, index) => {
      switch (a.kind) {
        case 'battery': {
          const home = ((a.socMin + a.socMax) / 2) * a.capacityKwh;
          this.batteries.push({ asset: a, energyKwh: home, powerKw: 0, homeKwh: home });
          break;
        }
        case 'heatStorage': {
          const target = (a.minKwhTh + a.capacityKwhTh) / 2;
          this.tanks.push({
            asset: a,
            storedKwhTh: target,
            heaterKw: 0,
            demandKwTh: 0,
            targetKwhTh: target,
            // the heater alone covers the design-day demand with 20 % to spare
            uaKwPerK: (a.heaterKw * a.cop) / (1.2 * (INDOOR_C - DESIGN_OUTDOOR_C)),
            unservedKwhTh: 0,
          });
          break;
        }
        case 'appliance':
          this.appliances.push({
            asset: a,
            index,
            kw: 0,
            curtailedMinutes: new Map(),
            runKwh: 0,
            runMinutes: 0,
            reboundKwh: 0,
            reboundKw: 0,
            ...(a.applianceKind === 'evCharger' ? { ev: { backlogKwh: 0, minutesToDeparture: 0 } } : {}),
          });
          break;
        case 'dcBus':
          this.buses.push({ asset: a, voltage: a.nominalVoltage, loadKw: 0 });
          break;
        case 'pv':
          this.pvs.push({ asset: a, outputKw: 0 });
          break;
      }
    });
    // Warm up from local midnight (at least an hour) so EV sessions and the state are under way.
    const startMs = Math.floor(options.startMs / MINUTE_MS) * MINUTE_MS;
    const sinceMidnight = (((startMs + CHINA_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
    this.nowMs = startMs - Math.max(sinceMidnight, 60 * MINUTE_MS);
    while (this.nowMs < startMs) this.stepMinute();
    this.quarter = { startMs: 0, sumKw: 0, pvSumKw: 0, minutes: 0 };
    for (const b of this.batteries) {
      const soc = options.initial?.soc?.[b.asset.id];
      if (soc !== undefined) b.energyKwh = clamp(soc, b.asset.socMin, b.asset.socMax) * b.asset.capacityKwh;
    }
    for (const t of this.tanks) {
      const stored = options.initial?.storedKwhTh?.[t.asset.id];
      if (stored !== undefined) t.storedKwhTh = clamp(stored, 0, t.asset.capacityKwhTh);
    }
  }

  /** Simulation time, epoch ms. */
  get now(): number {
    return this.nowMs;
  }

  /**
   * Takes a command for this building. A DISPATCH replaces the event's earlier revision; a CANCEL
   * removes it; an older revision than one already seen is ignored (deliveries may arrive out of order).
   */
  receive(command: Command): void {
    if (command.buildingId !== this.building.buildingId)
      throw new RangeError(
        `command ${command.commandId} is for ${command.buildingId}, not ${this.building.buildingId}`,
      );
    const known = this.events.get(command.eventId);
    if (known && known.revision > command.revision) return;
    this.events.set(command.eventId, {
      revision: command.revision,
      startMs: toMs(command.start),
      scale: known?.scale ?? 1,
      ...(command.kind === 'DISPATCH' ? { command } : {}),
    });
  }

  /** Forgets an event's command (a declined command, or one the BMS decides not to execute). */
  drop(eventId: string, revision: number): void {
    const known = this.events.get(eventId);
    if (!known || known.revision <= revision) this.events.set(eventId, { revision, startMs: 0, scale: 1 });
  }

  /**
   * Advances to `toMs` in one-minute steps and returns the 15-minute readings completed on the way
   * (aligned to quarter hours; a quarter the simulation started inside is not metered).
   */
  stepTo(toMs: number): MeterReading[] {
    const readings: MeterReading[] = [];
    while (this.nowMs + MINUTE_MS <= toMs) {
      const t = this.nowMs;
      if (t % QUARTER_MS === 0) this.quarter = { startMs: t, sumKw: 0, pvSumKw: 0, minutes: 0 };
      this.stepMinute();
      this.quarter.sumKw += this.netKw;
      for (const u of this.pvs) this.quarter.pvSumKw += u.outputKw;
      this.quarter.minutes += 1;
      if (this.nowMs % QUARTER_MS === 0 && this.quarter.minutes === 15) {
        readings.push({
          buildingId: this.building.buildingId,
          intervalStart: toIso(this.quarter.startMs),
          intervalMinutes: 15,
          kw: round(this.quarter.sumKw / 15, 2),
          // a PEDF building meters its PV apart (its generation meter), as the BMS reports it
          ...(this.pvs.length > 0 ? { pvKw: round(this.quarter.pvSumKw / 15, 2) } : {}),
        });
      }
    }
    return readings;
  }

  /** The building's state as its BMS would report it now. */
  state(): BuildingState {
    const assets: AssetState[] = [];
    for (const a of this.building.assets) {
      switch (a.kind) {
        case 'battery': {
          const u = this.batteries.find((b) => b.asset === a) as BatteryUnit;
          assets.push({
            kind: 'battery',
            assetId: a.id,
            soc: round(clamp(u.energyKwh / a.capacityKwh, 0, 1), 4),
            powerKw: round(u.powerKw, 3),
          });
          break;
        }
        case 'heatStorage': {
          const u = this.tanks.find((t) => t.asset === a) as TankUnit;
          assets.push({
            kind: 'heatStorage',
            assetId: a.id,
            storedKwhTh: round(u.storedKwhTh, 3),
            heatDemandKwTh: round(u.demandKwTh, 3),
            heaterKw: round(u.heaterKw, 3),
          });
          break;
        }
        case 'appliance': {
          const u = this.appliances.find((p) => p.asset === a) as ApplianceUnit;
          const kw = round(u.kw, 3);
          assets.push({
            kind: 'appliance',
            assetId: a.id,
            on: kw > 0,
            kw,
            ...(u.ev
              ? { energyNeededKwh: round(u.ev.backlogKwh, 3), minutesToDeparture: u.ev.minutesToDeparture }
              : {}),
          });
          break;
        }
        case 'dcBus': {
          const u = this.buses.find((b) => b.asset === a) as BusUnit;
          assets.push({
            kind: 'dcBus',
            assetId: a.id,
            busVoltage: round(u.voltage, 1),
            loadKw: round(u.loadKw, 3),
          });
          break;
        }
        case 'pv': {
          const u = this.pvs.find((p) => p.asset === a) as PvUnit;
          assets.push({ kind: 'pv', assetId: a.id, outputKw: round(u.outputKw, 3) });
          break;
        }
      }
    }
    return {
      buildingId: this.building.buildingId,
      at: toIso(this.nowMs),
      netLoadKw: round(this.netKw, 2),
      assets,
    };
  }

  /** Heat the tanks could not cover so far, kWh_th (a comfort shortfall; 0 in a sound plan). */
  unservedHeatKwhTh(): number {
    return this.tanks.reduce((s, t) => s + t.unservedKwhTh, 0);
  }

  /** The local day and minute of `t`, updated in place (it is read every simulated minute). */
  private context(t: number): DayContext {
    const c = this.dayContext;
    const local = t + CHINA_OFFSET_MS;
    const day = Math.floor(local / DAY_MS);
    if (day !== c.day) {
      c.day = day;
      c.date = new Date(day * DAY_MS).toISOString().slice(0, 10);
      c.workday = isWorkday(c.date);
      c.heating = heatingSeason(c.date);
    }
    c.minute = Math.floor((local - day * DAY_MS) / MINUTE_MS);
    return c;
  }

  /**
   * What the active commands ask of each asset in the minute starting at `t`: their instructions in
   * the window and, after it, their recovery (a battery or tank recharged as the plan reserved).
   */
  private requests(t: number): Map<string, Request> {
    const out = new Map<string, Request>();
    for (const { command, startMs, scale } of this.events.values()) {
      if (!command) continue;
      const step = command.intervalMinutes * MINUTE_MS;
      const index = Math.floor((t - startMs) / step);
      if (index < 0) continue;
      const drive = this.follow === 'limit' ? scale : 1;
      for (const instruction of command.assets) this.request(out, command, instruction, index, drive);
      const recovery = command.recovery;
      if (!recovery) continue;
      const after = Math.floor((t - toMs(recovery.start)) / step);
      if (after >= 0)
        for (const instruction of recovery.assets) this.request(out, command, instruction, after, 1);
    }
    return out;
  }

  /** Adds what `instruction` asks in its interval `index` (with the BMS's execution error) to `out`. */
  private request(
    out: Map<string, Request>,
    command: Command,
    instruction: Command['assets'][number],
    index: number,
    drive: number,
  ): void {
    const kw = instruction.kw[index];
    if (kw === undefined || !(kw > 0)) return;
    const sign = RAISING.has(instruction.action)
      ? 1
      : LOWERING.has(instruction.action)
        ? -1
        : command.direction === 'PEAK_SHAVING'
          ? -1
          : 1;
    const factor =
      drive *
      (EXECUTION.low +
        EXECUTION.span *
          hash01(
            this.seed,
            STREAM_EXECUTION ^ hashString(`${command.commandId}/${instruction.assetId}`),
            index,
          ));
    const r = out.get(instruction.assetId) ?? { deltaKw: 0, busPct: 0, eventIds: [] };
    r.deltaKw += sign * kw * factor;
    const bus = this.buses.find((b) => b.asset.id === instruction.assetId);
    if (bus) {
      const voltage = instruction.voltage?.[index];
      r.busPct +=
        voltage !== undefined
          ? (voltage / bus.asset.nominalVoltage - 1) * 100 * factor
          : bus.asset.flexKwPerPct > 0
            ? (sign * kw * factor) / bus.asset.flexKwPerPct
            : 0;
    }
    r.eventIds.push(command.eventId);
    out.set(instruction.assetId, r);
  }

  /**
   * One minute `[now, now + 1 min)`: loads, then heaters and batteries within the connection's
   * limits, then the net import. PV the building could neither use nor export is curtailed.
   */
  private stepMinute(): void {
    const t = this.nowMs;
    const mid = t + MINUTE_MS / 2;
    const ctx = this.context(t);
    const tout = outdoorTempC(mid, this.weatherSeed);
    const occ = occupancy(this.kind, ctx.date, ctx.minute, ctx.workday);
    const requests = this.requests(t);
    const { importKw, exportKw } = this.building.gridLimits;

    // Other loads: the kind's occupancy shape, ±4 % noise over quarter hours and ±1 % per minute.
    const noise =
      1 +
      0.04 * smoothNoise(this.seed, STREAM_BASE, t / QUARTER_MS) +
      0.01 * (2 * hash01(this.seed, STREAM_JITTER, t / MINUTE_MS) - 1);
    let loadsKw = this.basePeak * occ * noise;

    // DC bus: voltage-following loads change by flexKwPerPct per percent of deviation, within the band.
    for (const u of this.buses) {
      const busBase = (loadsKw * DC_SHARE) / this.buses.length;
      const a = u.asset;
      const pct = clamp(requests.get(a.id)?.busPct ?? 0, -a.bandPct, a.bandPct);
      u.voltage = a.nominalVoltage * (1 + pct / 100);
      u.loadKw = Math.max(0, busBase + a.flexKwPerPct * pct);
      loadsKw += u.loadKw - busBase;
    }

    for (const u of this.appliances)
      loadsKw += this.stepAppliance(u, ctx, occ, tout, requests.get(u.asset.id));

    let pvKw = 0;
    for (const u of this.pvs) {
      u.outputKw = pvOutputKw(u.asset, mid, this.weatherSeed);
      pvKw += u.outputKw;
    }
    let net = loadsKw - pvKw;

    for (const u of this.tanks) {
      const wanted = this.heaterRequest(u, ctx, tout, requests.get(u.asset.id));
      const allowed = clamp(Math.min(wanted, importKw - net), 0, u.asset.heaterKw);
      const step = stepTank(u.asset, u.storedKwhTh, allowed, u.demandKwTh, STEP_H);
      u.heaterKw = step.heaterKw;
      u.storedKwhTh = step.storedKwhTh;
      u.unservedKwhTh += step.unservedKwhTh;
      net += u.heaterKw;
    }

    for (const u of this.batteries) {
      let wanted = this.batteryBaseline(u, ctx.minute) + (requests.get(u.asset.id)?.deltaKw ?? 0);
      // charge within the import limit; discharge only down to the export limit
      if (wanted > 0) wanted = Math.min(wanted, Math.max(0, importKw - net));
      else wanted = Math.max(wanted, -Math.max(0, net + exportKw));
      const step = stepBattery(u.asset, u.energyKwh, wanted, STEP_H);
      u.powerKw = step.powerKw;
      u.energyKwh = step.energyKwh;
      net += u.powerKw;
    }

    if (net < -exportKw && pvKw > 0) {
      // the inverters curtail what can be neither used nor exported
      const kept = Math.max(0, pvKw - (-exportKw - net)) / pvKw;
      for (const u of this.pvs) u.outputKw *= kept;
      net = -exportKw;
    }
    // Beyond the import limit the breaker would trip; the fleet is sized so that it never does.
    this.netKw = clamp(net, -exportKw, importKw);
    this.nowMs = t + MINUTE_MS;
    if (this.follow === 'limit') this.chaseLimits(t);
  }

  /**
   * Following limits: after each minute, each command's drive moves by the share of its instructed kW
   * the import missed the limit by (integral action), between 0 and {@link MAX_DRIVE}.
   */
  private chaseLimits(t: number): void {
    for (const e of this.events.values()) {
      const command = e.command;
      if (!command) continue;
      const index = Math.floor((t - e.startMs) / (command.intervalMinutes * MINUTE_MS));
      const limit = command.gridLimitKw[index];
      if (index < 0 || limit === undefined) continue;
      const asked = command.assets.reduce((s, a) => s + Math.max(0, a.kw[index] ?? 0), 0);
      if (asked <= 0) continue;
      const missedKw = command.limitType === 'MAX_IMPORT' ? this.netKw - limit : limit - this.netKw;
      e.scale = clamp(e.scale + (LIMIT_GAIN * missedKw) / asked, 0, MAX_DRIVE);
    }
  }

  /**
   * Heater draw, kW electric. Without a command a controller covers demand and losses and pulls the
   * tank towards its target: `COP·P = Q + λS + k(S* − S)`. With one, the draw moves from the steady
   * draw `(Q + λS*)/COP` by the instructed kW: `heaterOff` lowers it while the tank stays above its
   * minimum, `heatCharge` raises it until the tank is full (the tank step throttles it there).
   */
  private heaterRequest(u: TankUnit, ctx: DayContext, tout: number, r?: Request): number {
    const a = u.asset;
    const space = ctx.heating ? u.uaKwPerK * Math.max(0, INDOOR_C - tout) : 0;
    const hotWater = HOT_WATER_SHARE * a.heaterKw * a.cop * hotWaterShape(ctx.minute);
    u.demandKwTh = space + hotWater;
    const loss = a.lossPctPerHour / 100;
    if (!r || r.deltaKw === 0) {
      const heat = u.demandKwTh + loss * u.storedKwhTh + TANK_GAIN_PER_H * (u.targetKwhTh - u.storedKwhTh);
      return clamp(heat / a.cop, 0, a.heaterKw);
    }
    let kw = (u.demandKwTh + loss * u.targetKwhTh) / a.cop + r.deltaKw;
    if (r.deltaKw < 0) {
      // never below the tank's minimum: the heater comes back on just enough to hold it there
      const hold = (u.demandKwTh + loss * u.storedKwhTh - (u.storedKwhTh - a.minKwhTh) / STEP_H) / a.cop;
      kw = Math.max(kw, hold);
    }
    return clamp(kw, 0, a.heaterKw);
  }

  /** An idle battery, topping up to its home SoC in the night valley. */
  private batteryBaseline(u: BatteryUnit, minute: number): number {
    if (minute < VALLEY_RECHARGE.from || minute >= VALLEY_RECHARGE.to || u.energyKwh >= u.homeKwh - 1e-6)
      return 0;
    return Math.min(
      VALLEY_RECHARGE.shareOfMaxKw * u.asset.maxChargeKw,
      (u.homeKwh - u.energyKwh) / (u.asset.chargeEfficiency * STEP_H),
    );
  }

  /**
   * Appliance draw: HVAC from occupancy and temperature, lighting less in daylight hours, water
   * heaters with the hot-water shape, EV chargers from their sessions. `curtail` cuts up to
   * `curtailableShare` of the draw for at most `maxCurtailMinutes` per event; afterwards
   * `reboundShare` of the curtailed energy comes back at the average curtailed rate (an EV's
   * rebound is its own: the energy still needed before departure). `chargeEarly` raises an EV
   * charger's draw towards its rating while cars still need energy.
   */
  private stepAppliance(u: ApplianceUnit, ctx: DayContext, occ: number, tout: number, r?: Request): number {
    const a = u.asset;
    let baseline: number;
    switch (a.applianceKind) {
      case 'hvac':
        baseline = a.ratedKw * hvacShare(occ, tout);
        break;
      case 'lighting': {
        const daylight = ctx.minute >= 8 * 60 && ctx.minute < 17 * 60 ? 0.6 : 1;
        baseline = a.ratedKw * occ * daylight;
        break;
      }
      case 'waterHeater':
        baseline = Math.min(a.ratedKw, 0.4 * a.ratedKw * hotWaterShape(ctx.minute));
        break;
      case 'evCharger':
        baseline = this.evBaseline(u, ctx);
        break;
      default:
        baseline = a.ratedKw * occ;
    }
    let draw = baseline;
    const delta = r?.deltaKw ?? 0;
    let curtailing = false;
    if (r && delta < 0) {
      const allowed = r.eventIds.every((e) => (u.curtailedMinutes.get(e) ?? 0) < a.maxCurtailMinutes);
      let floor = baseline * (1 - a.curtailableShare);
      if (u.ev) {
        // cars must still get their energy before they leave
        const later = (a.ratedKw * u.ev.minutesToDeparture) / 60;
        floor = Math.max(floor, Math.min(baseline, Math.max(0, u.ev.backlogKwh - later) / STEP_H));
      }
      const cut = allowed ? Math.min(-delta, Math.max(0, baseline - floor)) : 0;
      if (cut > 0) {
        curtailing = true;
        draw = baseline - cut;
        for (const e of new Set(r.eventIds)) u.curtailedMinutes.set(e, (u.curtailedMinutes.get(e) ?? 0) + 1);
        u.runKwh += cut * STEP_H;
        u.runMinutes += 1;
      }
    } else if (delta > 0 && u.ev) {
      draw = Math.max(baseline, Math.min(a.ratedKw, baseline + delta, u.ev.backlogKwh / STEP_H));
    }
    if (!curtailing) {
      if (u.runMinutes > 0) {
        if (!u.ev) u.reboundKwh += u.runKwh * a.reboundShare;
        u.reboundKw = u.runKwh / (u.runMinutes * STEP_H);
        u.runKwh = 0;
        u.runMinutes = 0;
      }
      if (u.reboundKwh > 0) {
        const extra = Math.min(Math.max(0, a.ratedKw - draw), u.reboundKw, u.reboundKwh / STEP_H);
        draw += extra;
        u.reboundKwh -= extra * STEP_H;
      }
    }
    if (u.ev) u.ev.backlogKwh = Math.max(0, u.ev.backlogKwh - draw * STEP_H);
    u.kw = draw;
    return draw;
  }

  /**
   * An EV car park's chargers as one pool: each day cars bring an energy need that arrives with
   * normally distributed arrival times (commuters around 08:45 leaving at 18:00 on working days,
   * shoppers around 11:00 leaving at 20:00 on rest days, half the energy); smart charging spreads
   * what is still needed until an hour before departure. Whatever is left at departure leaves too.
   */
  private evBaseline(u: ApplianceUnit, ctx: DayContext): number {
    const ev = u.ev as NonNullable<ApplianceUnit['ev']>;
    const a = u.asset;
    if (ev.session?.day !== ctx.day) {
      const size = 0.85 + 0.3 * hash01(this.seed, STREAM_EV_DAY + 16 * u.index, ctx.day);
      ev.session = ctx.workday
        ? {
            day: ctx.day,
            arrivalMin: 8 * 60 + 45,
            sdMin: 50,
            departMin: 18 * 60,
            energyKwh: a.ratedKw * 4 * size,
          }
        : {
            day: ctx.day,
            arrivalMin: 11 * 60,
            sdMin: 90,
            departMin: 20 * 60,
            energyKwh: a.ratedKw * 2 * size,
          };
    }
    const s = ev.session;
    if (ctx.minute >= s.departMin || ctx.minute < s.arrivalMin - 3 * s.sdMin) {
      ev.backlogKwh = 0;
      ev.minutesToDeparture = 0;
      return 0;
    }
    const z = (ctx.minute + 0.5 - s.arrivalMin) / s.sdMin;
    ev.backlogKwh += (s.energyKwh * Math.exp(-0.5 * z * z)) / (s.sdMin * Math.sqrt(2 * Math.PI));
    // as of the end of this minute, which is when the state is read
    ev.minutesToDeparture = s.departMin - ctx.minute - 1;
    const hoursLeft = Math.max(0.25, (ev.minutesToDeparture + 1 - 60) / 60);
    return Math.min(a.ratedKw, ev.backlogKwh / hoursLeft);
  }
}

/** Readings of a building over `[fromMs, toMs)` without commands (for baselines), from the same model. */
export function history(
  building: Building,
  kind: LoadKind,
  fromMs: number,
  toMs: number,
  seed: number,
): MeterReading[] {
  return new BuildingSimulator(building, kind, { seed, startMs: fromMs }).stepTo(toMs);
}

/** Reasons a facility manager gives for declining a command. */
export const DECLINE_REASONS = [
  'chiller maintenance',
  'tenant event in the atrium',
  'tank sensor fault',
  'battery management system in maintenance mode',
  'facility manager could not confirm in time',
  'EV fleet must leave fully charged',
  'comfort complaints this week',
] as const;

export type Answer = { status: 'ACCEPTED' } | { status: 'DECLINED'; reason: string };

/** A BMS's answer to a command: deterministic per command id and seed, declining with the given probability. */
export function answer(commandId: string, seed: number, declineProbability: number): Answer {
  const h = hashString(commandId, seed);
  if (hash01(h, STREAM_ANSWER, 0) >= declineProbability) return { status: 'ACCEPTED' };
  const i = Math.floor(hash01(h, STREAM_REASON, 0) * DECLINE_REASONS.length);
  return { status: 'DECLINED', reason: DECLINE_REASONS[i] ?? 'declined' };
}
