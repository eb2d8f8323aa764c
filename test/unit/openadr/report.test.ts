import { describe, expect, it } from 'vitest';
import { Acknowledgement } from '../../../lib/domain/model/command.ts';
import { BuildingState, MeterReading } from '../../../lib/domain/model/telemetry.ts';
import { reportToAcknowledgement, reportToTelemetry } from '../../../lib/openadr/mapping.ts';
import { Report, type ReportRequest } from '../../../lib/openadr/schemas.ts';
import { officialErrors } from './official-schema.ts';
import { metadata, peakCommand, refusal } from './support.ts';

/** VEN ven-b1's report on two 15-minute intervals: meter and battery `bat`. */
function venReport(overrides: Partial<ReportRequest> = {}): ReportRequest {
  return {
    eventID: 'ven-b1-imp-2026-001',
    clientName: 'ven-b1',
    reportName: 'b1 evening',
    payloadDescriptors: [
      {
        objectType: 'REPORT_PAYLOAD_DESCRIPTOR',
        payloadType: 'USAGE',
        readingType: 'DIRECT_READ',
        units: 'KWH',
      },
      { objectType: 'REPORT_PAYLOAD_DESCRIPTOR', payloadType: 'DEMAND', readingType: 'MEAN', units: 'KW' },
      { objectType: 'REPORT_PAYLOAD_DESCRIPTOR', payloadType: 'STORAGE_CHARGE_LEVEL', units: 'PERCENT' },
    ],
    resources: [
      {
        resourceName: 'AGGREGATED_REPORT',
        intervalPeriod: { start: '2026-01-15T17:00:00+08:00', duration: 'PT15M' },
        intervals: [
          {
            id: 0,
            payloads: [
              { type: 'USAGE', values: [75] },
              { type: 'DEMAND', values: [300] },
            ],
          },
          { id: 1, payloads: [{ type: 'DEMAND', values: [260] }] },
        ],
      },
      {
        resourceName: 'bat',
        intervalPeriod: { start: '2026-01-15T17:00:00+08:00', duration: 'PT15M' },
        intervals: [
          { id: 0, payloads: [{ type: 'STORAGE_CHARGE_LEVEL', values: [0.8] }] },
          {
            id: 1,
            payloads: [
              { type: 'STORAGE_CHARGE_LEVEL', values: [0.7] },
              { type: 'OPERATING_STATE', values: ['RUNNING_CURTAILED'] },
            ],
          },
        ],
      },
    ],
    ...overrides,
  };
}

describe('reportToTelemetry', () => {
  it('the test report is a valid OpenADR report by the official schema and by ours', () => {
    const stored = {
      id: 'r1',
      objectType: 'REPORT' as const,
      clientID: 'client-b1',
      ...metadata,
      ...venReport(),
    };
    expect(officialErrors('report', stored)).toEqual([]);
    expect(Report.parse(stored)).toEqual(stored);
  });

  it('reads USAGE as kWh, DEMAND as kW, and the state at the end of the last interval', () => {
    const { readings, state } = reportToTelemetry(venReport(), 'b1');
    expect(readings).toEqual([
      { buildingId: 'b1', intervalStart: '2026-01-15T09:00:00.000Z', intervalMinutes: 15, kwh: 75 },
      { buildingId: 'b1', intervalStart: '2026-01-15T09:15:00.000Z', intervalMinutes: 15, kw: 260 },
    ]);
    expect(state).toEqual({
      buildingId: 'b1',
      at: '2026-01-15T09:30:00.000Z',
      netLoadKw: 260,
      assets: [{ kind: 'battery', assetId: 'bat', soc: 0.7, powerKw: 0 }],
    });
    for (const r of readings) expect(MeterReading.safeParse(r).success).toBe(true);
    expect(BuildingState.safeParse(state).success).toBe(true);
  });

  it('takes a resource named like the building as its meter, and interval starts of their own', () => {
    const report = venReport({
      resources: [
        {
          resourceName: 'b1',
          intervals: [
            {
              id: 0,
              intervalPeriod: { start: '2026-01-15T10:00:00Z', duration: 'PT1H' },
              payloads: [{ type: 'USAGE', values: [120] }],
            },
          ],
        },
      ],
    });
    expect(reportToTelemetry(report, 'b1')).toEqual({
      readings: [
        { buildingId: 'b1', intervalStart: '2026-01-15T10:00:00.000Z', intervalMinutes: 60, kwh: 120 },
      ],
    });
  });

  it.each<[string, Partial<ReportRequest>, string]>([
    [
      'USAGE in Wh',
      {
        payloadDescriptors: [{ objectType: 'REPORT_PAYLOAD_DESCRIPTOR', payloadType: 'USAGE', units: 'WH' }],
      },
      'payloadDescriptors: USAGE must be in KWH, not WH',
    ],
    [
      'an interval without a start',
      {
        resources: [
          { resourceName: 'b1', intervals: [{ id: 0, intervalPeriod: { duration: 'PT15M' }, payloads: [] }] },
        ],
      },
      'resources.0.intervals.0.intervalPeriod.start: the interval needs a start',
    ],
    [
      'two values in one DEMAND',
      {
        resources: [
          {
            resourceName: 'b1',
            intervalPeriod: { start: '2026-01-15T10:00:00Z', duration: 'PT15M' },
            intervals: [{ id: 0, payloads: [{ type: 'DEMAND', values: [1, 2] }] }],
          },
        ],
      },
      'resources.0.intervals.0.payloads.DEMAND: values must be one number',
    ],
  ])('refuses %s', (_, overrides, message) => {
    expect(refusal(() => reportToTelemetry(venReport(overrides), 'b1'))).toContain(message);
  });
});

describe('reportToAcknowledgement', () => {
  const at = '2026-01-15T09:20:00.000Z';

  it('declines the command when a resource reports an opted-out operating state', () => {
    const report = venReport();
    const last = report.resources[1]?.intervals[1];
    if (last) last.payloads = [{ type: 'OPERATING_STATE', values: ['RUNNING_OPTED_OUT'] }];
    const ack = reportToAcknowledgement(report, peakCommand(), at);
    expect(ack).toEqual({
      commandId: 'imp-2026-001.b1.r1',
      eventId: 'imp-2026-001',
      buildingId: 'b1',
      revision: 1,
      status: 'DECLINED',
      reason: "opted out by OpenADR report 'b1 evening' from ven-b1",
      at,
    });
    expect(Acknowledgement.safeParse(ack).success).toBe(true);
  });

  it('says nothing for a report without opt-out', () => {
    expect(reportToAcknowledgement(venReport(), peakCommand(), at)).toBeUndefined();
  });
});
