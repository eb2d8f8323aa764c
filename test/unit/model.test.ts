import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/domain/errors.ts';
import { Building } from '../../lib/domain/model/building.ts';
import { GridEvent } from '../../lib/domain/model/grid-event.ts';
import { MeterReading, readingKw } from '../../lib/domain/model/telemetry.ts';
import { parseOrThrow } from '../../lib/domain/validate.ts';
import { batteryInput, buildingInput, peakEventInput } from '../support/fixtures.ts';

const event = peakEventInput;

const messageOf = (schema: Parameters<typeof parseOrThrow>[0], input: unknown) => {
  try {
    parseOrThrow(schema, input, 'input');
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).message;
  }
  throw new Error('expected a ValidationError');
};

describe('grid event', () => {
  it('accepts a well-formed event and applies defaults', () => {
    const e = parseOrThrow(GridEvent, event, 'grid event');
    expect(e.shortfallPenaltyYuanPerKwh).toBe(100);
    expect(e.procurement.expectedDeliveryRatio).toBe(1);
  });

  it.each([
    [{ end: '2026-01-15T16:00:00+08:00' }, 'end: end must be after start'],
    [
      { end: '2026-01-15T18:10:00+08:00' },
      'end: the window (70 min) is not a whole number of 15-minute intervals',
    ],
    [{ targetsKw: [1, 2, 3] }, 'targetsKw: targetsKw has 3 values but the window has 4 intervals'],
    [
      { start: '2026-01-15T17:05:00+08:00', end: '2026-01-15T18:05:00+08:00' },
      'start: start must fall on a 15-minute boundary',
    ],
    [{ noticeAt: '2026-01-15T17:30:00+08:00' }, 'noticeAt: noticeAt must not be after start'],
    [{ scope: {} }, 'scope: scope needs at least one zone, feeder, park or building id'],
    [{ targetsKw: [1, Number.NaN, 3, 4] }, 'targetsKw.1'],
    [{ targetsKw: [1, 2, 3, 1e12] }, 'targetsKw.3'],
    [{ targetsKw: [1, 2, 3, -5] }, 'targetsKw.3'],
    [{ intervalMinutes: 7 }, 'intervalMinutes'],
  ])('rejects %j with a precise message', (change, expected) => {
    expect(messageOf(GridEvent, { ...event, ...change })).toContain(expected);
  });
});

describe('building', () => {
  const base = buildingInput();
  const battery = batteryInput;

  it('rejects a battery whose SoC minimum is above its maximum', () => {
    expect(messageOf(Building, { ...base, assets: [{ ...battery, socMin: 0.95 }] })).toContain(
      'assets.0.socMin: socMin must not exceed socMax',
    );
  });

  it('rejects a negative capacity and an unknown asset kind', () => {
    expect(messageOf(Building, { ...base, assets: [{ ...battery, capacityKwh: -5 }] })).toContain(
      'assets.0.capacityKwh',
    );
    expect(messageOf(Building, { ...base, assets: [{ kind: 'windmill', id: 'w' }] })).toContain(
      'assets.0.kind',
    );
  });

  it('rejects duplicate asset ids and unknown fields', () => {
    expect(messageOf(Building, { ...base, assets: [battery, battery] })).toContain(
      "duplicate asset id 'bat'",
    );
    expect(messageOf(Building, { ...base, assets: [], colour: 'red' })).toContain('colour');
  });

  it('rejects absurd sizes', () => {
    expect(
      messageOf(Building, { ...base, gridLimits: { importKw: 5e9, exportKw: 0 }, assets: [] }),
    ).toContain('gridLimits.importKw');
  });
});

describe('meter reading', () => {
  it('takes energy or power, exactly one', () => {
    const kwh = MeterReading.parse({ buildingId: 'b1', intervalStart: '2026-01-15T17:00:00+08:00', kwh: 25 });
    // 25 kWh in 15 minutes is 100 kW on average
    expect(readingKw(kwh)).toBe(100);
    expect(
      messageOf(MeterReading, { buildingId: 'b1', intervalStart: '2026-01-15T17:00:00+08:00' }),
    ).toContain('give exactly one of kwh or kw');
  });
});
