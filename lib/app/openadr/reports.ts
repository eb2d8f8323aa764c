/**
 * Reports from VENs: each is stored as the OpenADR `report` object the VEN sent, and applied to
 * FlexDR as the building's telemetry (meter readings and state) and, for an opted-out
 * `OPERATING_STATE`, as a declined command (which redispatches the building's share).
 * A BL reads every report; a VEN reads and writes only its own (others are 404 to it, so report
 * ids cannot be probed). Only VENs write reports: a BL lacks `write_reports`.
 */
import * as z from 'zod';
import { ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import { BuildingState, MeterReading } from '../../domain/model/telemetry.ts';
import { toIso, toMs } from '../../domain/time.ts';
import { parseOrThrow } from '../../domain/validate.ts';
import type { OpenadrCaller } from '../../openadr/access.ts';
import { reportToAcknowledgement, reportToTelemetry } from '../../openadr/reports.ts';
import type { ReportRequest } from '../../openadr/schemas.ts';
import type { OpenadrObject } from '../../openadr/store.ts';
import type { Deps } from '../config.ts';
import { acknowledgeCommand } from '../lifecycle.ts';
import { reportTelemetry } from '../telemetry.ts';
import { announce, changedMetadata, mustGet, newMetadata, ownedBy, principalOf } from './objects.ts';
import { definedFields } from './programs.ts';
import { commandOfVenEvent } from './ven-events.ts';

/** Applying a report goes through the native telemetry and acknowledgement use-cases: their ports. */
type ReportDeps = Parameters<typeof acknowledgeCommand>[0] & Parameters<typeof reportTelemetry>[0];
/** Reading reports needs the store only. */
type ReportReadDeps = Pick<Deps, 'openadr'>;

/**
 * What a stored report remembers of the command it answers (never served): with `eventId`, the
 * grid event, which is the BL's event when a BL created it (absent from reports stored before).
 */
const ReportLink = z.object({
  programID: z.string(),
  buildingId: z.string(),
  commandId: z.string(),
  eventId: z.string().optional(),
});
type ReportLink = z.infer<typeof ReportLink>;

export interface ReportFilter {
  programID?: string | undefined;
  eventID?: string | undefined;
  clientName?: string | undefined;
}

function requireVen(caller: OpenadrCaller): void {
  if (caller.role !== 'VEN') throw new ForbiddenError('only a VEN client may write reports');
}

function linkOf(report: OpenadrObject<'REPORT'>): ReportLink {
  return ReportLink.parse(report.internal);
}

/**
 * The command a report's `eventID` names, which must be one of the caller's current events.
 * `createReport` lists no 404 in the document, so an unknown event is a 400 naming `eventID`.
 */
async function linkTo(deps: ReportDeps, caller: OpenadrCaller, eventID: string): Promise<ReportLink> {
  try {
    const command = await commandOfVenEvent(deps, caller, eventID);
    return {
      programID: command.programId,
      buildingId: command.command.buildingId,
      commandId: command.command.commandId,
      eventId: command.command.eventId,
    };
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    const message = `event '${eventID}' is not one of your events`;
    throw new ValidationError(`eventID: ${message}`, [{ path: 'eventID', message }]);
  }
}

/**
 * The telemetry of a report, checked as the native telemetry route checks it. A battery's state
 * of charge must name an enrolled battery; it is merged into the building's last state (keeping
 * the assets the report does not mention), and a state older than the stored one is not applied,
 * so a late or re-sent report never rolls the building back.
 */
async function telemetryOf(deps: ReportDeps, report: ReportRequest, buildingId: string) {
  const mapped = reportToTelemetry(report, buildingId);
  const readings = mapped.readings.map((r, i) => parseOrThrow(MeterReading, r, `report reading ${i}`));
  if (!mapped.state) return { readings };
  const [building, telemetry] = await Promise.all([
    deps.buildings.get(buildingId),
    deps.telemetry.getTelemetry([buildingId]),
  ]);
  const last = telemetry.get(buildingId)?.state;
  for (const asset of mapped.state.assets) {
    const enrolled = building?.assets.find((a) => a.id === asset.assetId);
    if (enrolled?.kind !== 'battery') {
      const message = `'${asset.assetId}' is not a battery of building '${buildingId}'`;
      throw new ValidationError(`resources: ${message}`, [{ path: 'resources', message }]);
    }
  }
  // An older report arriving late keeps the newer stored state, unless the stored one lies in the
  // future of the clock (a BMS clock that was wrong): that one must not hold real states back.
  const lastIsReal = last !== undefined && toMs(last.at) <= deps.clock.now();
  if (last && lastIsReal && toMs(last.at) > toMs(mapped.state.at)) return { readings };
  const reported = new Map(mapped.state.assets.map((a) => [a.assetId, a]));
  const kept = (last?.assets ?? []).map((a) => {
    const update = reported.get(a.assetId);
    if (!update || a.kind !== 'battery' || update.kind !== 'battery') return a;
    reported.delete(a.assetId);
    return { ...a, soc: update.soc };
  });
  const state = parseOrThrow(
    BuildingState,
    { ...mapped.state, assets: [...kept, ...reported.values()] },
    'report (as building state)',
  );
  return { readings, state };
}

/**
 * Applies a report to FlexDR: telemetry first (re-sends overwrite the same readings), then an
 * opt-out as a declined command. OpenADR is opt-out, so the command was most likely accepted on
 * receipt already: the decline may follow the acceptance. An answer already given stands.
 */
async function apply(deps: ReportDeps, caller: OpenadrCaller, report: ReportRequest, link: ReportLink) {
  const telemetry = await telemetryOf(deps, report, link.buildingId);
  const record = await deps.commands.get(link.commandId);
  if (!record) throw new NotFoundError(`the command of event '${report.eventID}' is gone`);
  const optOut = reportToAcknowledgement(report, record.command, toIso(deps.clock.now()));
  if (telemetry.readings.length > 0 || telemetry.state)
    await reportTelemetry(deps, principalOf(caller), link.buildingId, telemetry);
  if (optOut)
    await acknowledgeCommand(
      deps,
      principalOf(caller),
      link.commandId,
      { status: 'DECLINED', reason: optOut.reason },
      { optOut: true },
    );
}

/** The reports a caller may see: a BL all of them, a VEN its own. */
async function visibleReports(
  deps: Pick<Deps, 'openadr'>,
  caller: OpenadrCaller,
): Promise<OpenadrObject<'REPORT'>[]> {
  const all = await deps.openadr.list('REPORT');
  return caller.role === 'BL' ? all : all.filter((r) => r.body.clientID === caller.clientId);
}

async function visibleReport(
  deps: Pick<Deps, 'openadr'>,
  caller: OpenadrCaller,
  reportId: string,
): Promise<OpenadrObject<'REPORT'>> {
  const found = await mustGet(deps, 'REPORT', reportId);
  if (caller.role !== 'BL' && found.body.clientID !== caller.clientId)
    throw new NotFoundError(`report '${reportId}' not found`);
  return found;
}

/**
 * Lists reports, oldest first, before pagination, with the spec's filters. `eventID` finds the
 * reports on a VEN's event and, given a BL's event, every report on the VEN events made from it.
 */
export async function listReports(
  deps: ReportReadDeps,
  caller: OpenadrCaller,
  filter: ReportFilter,
): Promise<Record<string, unknown>[]> {
  return (await visibleReports(deps, caller))
    .filter(
      (r) =>
        (filter.programID === undefined ||
          ReportLink.safeParse(r.internal).data?.programID === filter.programID) &&
        // The event a report answers, or the BL's event that VEN event was made from.
        (filter.eventID === undefined ||
          r.body.eventID === filter.eventID ||
          ReportLink.safeParse(r.internal).data?.eventId === filter.eventID) &&
        (filter.clientName === undefined || r.body.clientName === filter.clientName),
    )
    .map((r) => r.body);
}

export async function getReport(deps: ReportReadDeps, caller: OpenadrCaller, reportId: string) {
  return (await visibleReport(deps, caller, reportId)).body;
}

/**
 * Creates a report.
 * 1. Only a VEN; `eventID` must be one of its current events (400 otherwise).
 * 2. Apply it: telemetry, then an opt-out as a declined command (400 for bad data, 409 when the
 *    command can no longer be declined).
 * 3. Store the report with the caller as its `clientID`; announce CREATE.
 */
export async function createReport(deps: ReportDeps, caller: OpenadrCaller, request: ReportRequest) {
  requireVen(caller);
  const link = await linkTo(deps, caller, request.eventID);
  await apply(deps, caller, request, link);
  const body = { ...newMetadata(deps, 'REPORT'), ...definedFields(request), clientID: caller.clientId };
  await deps.openadr.create({
    objectType: 'REPORT',
    ...ownedBy(body, caller.clientId),
    internal: { ...link },
  });
  await announce(deps, 'REPORT', 'CREATE', body);
  return body;
}

/**
 * Replaces one of the caller's reports.
 * 1. Own reports only (404 otherwise). The same `eventID` keeps the command it answered, even
 *    once that event has ended or been revised; a new one must be a current event (400).
 * 2. Apply it again (readings are idempotent); replace the object; announce UPDATE.
 */
export async function updateReport(
  deps: ReportDeps,
  caller: OpenadrCaller,
  reportId: string,
  request: ReportRequest,
) {
  requireVen(caller);
  const previous = await visibleReport(deps, caller, reportId);
  const link =
    request.eventID === previous.body.eventID
      ? linkOf(previous)
      : await linkTo(deps, caller, request.eventID);
  await apply(deps, caller, request, link);
  const body = { ...changedMetadata(deps, previous), ...definedFields(request), clientID: caller.clientId };
  await deps.openadr.replace({ ...previous, body, internal: { ...link } }, previous);
  await announce(deps, 'REPORT', 'UPDATE', body);
  return body;
}

/**
 * Deletes one of the caller's reports and answers it. What it reported stays: readings are
 * measurements and an opt-out has been acted on (the redispatch is done).
 */
export async function deleteReport(deps: ReportDeps, caller: OpenadrCaller, reportId: string) {
  requireVen(caller);
  const found = await visibleReport(deps, caller, reportId);
  await deps.openadr.delete(found);
  await announce(deps, 'REPORT', 'DELETE', found.body);
  return found.body;
}
