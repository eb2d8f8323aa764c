/**
 * VEN reports as FlexDR telemetry (meter readings, building state) and opt-outs as declined commands.
 */
import type { Acknowledgement, Command } from '../domain/model/command.ts';
import type { AssetState, MeterReading } from '../domain/model/telemetry.ts';
import { MINUTE_MS, toIso, toMs } from '../domain/time.ts';
import { intervalMinutesOf, refuse } from './intervals.ts';
import type { Report, ReportRequest, ValuesMap } from './schemas.ts';

/** Resource names whose report data is the building's meter rather than one asset. */
const METER_RESOURCES = new Set(['AGGREGATED_REPORT']);
const OPTED_OUT_STATES = new Set(['IDLE_OPTED_OUT', 'RUNNING_OPTED_OUT']);

/** What a report says about a building: meter readings, and its state at the last interval's end. */
export interface Telemetry {
  readings: MeterReading[];
  /** Only when the report carries a meter `DEMAND`; assets are batteries with `STORAGE_CHARGE_LEVEL`. */
  state?: { buildingId: string; at: string; netLoadKw: number; assets: AssetState[] };
}

function reportUnits(report: ReportRequest, type: string, allowed: string): void {
  const d = report.payloadDescriptors?.find((p) => p.payloadType === type);
  if (d?.units != null && d.units !== allowed)
    refuse('payloadDescriptors', `${type} must be in ${allowed}, not ${d.units}`);
}

function singleNumber(payload: ValuesMap, path: string): number {
  const [v, ...rest] = payload.values;
  if (typeof v !== 'number' || rest.length > 0)
    refuse(`${path}.${payload.type}`, 'values must be one number');
  return v;
}

/**
 * Telemetry of a VEN report for `buildingId`. Resources named `AGGREGATED_REPORT` or the building
 * id are the meter: `USAGE` (kWh over the interval) and `DEMAND` (mean kW) become meter readings
 * (USAGE wins when both are given). Other resources are assets named by their FlexDR asset id;
 * `STORAGE_CHARGE_LEVEL` (0..1) gives a battery's state of charge.
 */
export function reportToTelemetry(report: ReportRequest, buildingId: string): Telemetry {
  reportUnits(report, 'USAGE', 'KWH');
  reportUnits(report, 'DEMAND', 'KW');
  reportUnits(report, 'STORAGE_CHARGE_LEVEL', 'PERCENT');
  const readings: MeterReading[] = [];
  const assets: AssetState[] = [];
  let last: { at: number; netLoadKw?: number } = { at: Number.NEGATIVE_INFINITY };

  report.resources.forEach((resource, r) => {
    const meter = METER_RESOURCES.has(resource.resourceName) || resource.resourceName === buildingId;
    let socAt = Number.NEGATIVE_INFINITY;
    let soc: number | undefined;
    resource.intervals.forEach((interval, i) => {
      const path = `resources.${r}.intervals.${i}`;
      const intervalMinutes = intervalMinutesOf(
        interval.intervalPeriod?.duration ?? resource.intervalPeriod?.duration,
        `${path}.intervalPeriod.duration`,
      );
      const ownStart = interval.intervalPeriod?.start;
      const defaultStart = resource.intervalPeriod?.start;
      if (ownStart === undefined && defaultStart === undefined)
        refuse(
          `${path}.intervalPeriod.start`,
          'the interval needs a start (its own or the resource intervalPeriod)',
        );
      const intervalStart =
        ownStart !== undefined
          ? toMs(ownStart)
          : toMs(defaultStart as string) + i * intervalMinutes * MINUTE_MS;
      const end = intervalStart + intervalMinutes * MINUTE_MS;
      const byType = new Map(interval.payloads.map((p) => [p.type, p]));
      if (meter) {
        const usage = byType.get('USAGE');
        const demand = byType.get('DEMAND');
        const base = { buildingId, intervalStart: toIso(intervalStart), intervalMinutes };
        if (usage) readings.push({ ...base, kwh: singleNumber(usage, `${path}.payloads`) });
        else if (demand) readings.push({ ...base, kw: singleNumber(demand, `${path}.payloads`) });
        if (demand && end >= last.at) last = { at: end, netLoadKw: singleNumber(demand, `${path}.payloads`) };
      } else {
        const level = byType.get('STORAGE_CHARGE_LEVEL');
        if (level && end >= socAt) {
          soc = singleNumber(level, `${path}.payloads`);
          socAt = end;
        }
      }
    });
    if (soc !== undefined) assets.push({ kind: 'battery', assetId: resource.resourceName, soc, powerKw: 0 });
  });

  if (last.netLoadKw === undefined) return { readings };
  return { readings, state: { buildingId, at: toIso(last.at), netLoadKw: last.netLoadKw, assets } };
}

/**
 * A declined acknowledgement of `command` when the report opts out (any resource reports
 * `OPERATING_STATE` `IDLE_OPTED_OUT` or `RUNNING_OPTED_OUT`); `undefined` otherwise. The caller
 * resolves the command from the report's `eventID` and passes the time it received the report.
 */
export function reportToAcknowledgement(
  report: ReportRequest | Report,
  command: Pick<Command, 'commandId' | 'eventId' | 'buildingId' | 'revision'>,
  at: string,
): Acknowledgement | undefined {
  const optedOut = report.resources.some((resource) =>
    resource.intervals.some((interval) =>
      interval.payloads.some(
        (p) =>
          p.type === 'OPERATING_STATE' &&
          p.values.some((v) => typeof v === 'string' && OPTED_OUT_STATES.has(v)),
      ),
    ),
  );
  if (!optedOut) return undefined;
  return {
    commandId: command.commandId,
    eventId: command.eventId,
    buildingId: command.buildingId,
    revision: command.revision,
    status: 'DECLINED',
    reason: `opted out by OpenADR report${report.reportName ? ` '${report.reportName}'` : ''} from ${report.clientName}`,
    at,
  };
}
