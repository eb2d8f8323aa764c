import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/domain/errors.ts';
import { ZoneTariff } from '../../lib/domain/model/tariff.ts';
import { INNER_MONGOLIA_TARIFFS, MENGXI_TARIFF } from '../../lib/domain/model/tariff-presets.ts';
import {
  type EventImpact,
  eventImpact,
  meanPriceYuanPerKwh,
  priceAt,
  priceSegments,
  sumImpacts,
  windowPriceByZone,
} from '../../lib/domain/tariff.ts';

const at = (iso: string) => Date.parse(iso);
/** Start instants of the `count` intervals of `minutes` beginning at `startMs`. */
const intervalStarts = (startMs: number, minutes: number, count: number) =>
  Array.from({ length: count }, (_, i) => startMs + i * minutes * 60_000);
/** The national grid average of the issue: 0.5703 tCO₂/MWh. */
const FACTOR = 0.5703;

/**
 * A test zone whose two seasons differ in price, to see which one applies: winter 15 Nov–15 Mar
 * (wrapping the year end) with a peak 08:00–18:00 at 0.6 and a valley 18:00–08:00 at 0.2; the rest
 * of the year flat all day at 0.4.
 */
const TWO_SEASONS: ZoneTariff = ZoneTariff.parse({
  zone: 'two-seasons',
  name: 'Two seasons',
  seasons: [
    {
      name: 'winter',
      from: '11-15',
      to: '03-15',
      periods: [
        { kind: 'PEAK', from: '08:00', to: '18:00', yuanPerKwh: 0.6 },
        { kind: 'VALLEY', from: '18:00', to: '08:00', yuanPerKwh: 0.2 },
      ],
      source: 'test',
    },
    {
      name: 'summer',
      from: '03-16',
      to: '11-14',
      periods: [{ kind: 'FLAT', from: '00:00', to: '24:00', yuanPerKwh: 0.4 }],
      source: 'test',
    },
  ],
});

describe('price at an instant', () => {
  it.each([
    // 蒙西 heating tariff: peak [08:00, 18:00), valley [18:00, 08:00) across midnight.
    ['2026-01-15T07:59:00+08:00', 'VALLEY', 0.165],
    ['2026-01-15T08:00:00+08:00', 'PEAK', 0.465],
    ['2026-01-15T17:59:00+08:00', 'PEAK', 0.465],
    ['2026-01-15T18:00:00+08:00', 'VALLEY', 0.165],
    ['2026-01-15T23:59:00+08:00', 'VALLEY', 0.165],
    ['2026-01-16T00:00:00+08:00', 'VALLEY', 0.165],
    // The same instants written in UTC: China time comes from arithmetic, not the host's zone.
    ['2026-01-15T10:00:00Z', 'VALLEY', 0.165], // 18:00 in China
    ['2026-01-15T09:59:00Z', 'PEAK', 0.465], // 17:59 in China
    ['2026-01-15T16:30:00Z', 'VALLEY', 0.165], // 00:30 on the 16th in China
  ])('蒙西 at %s is %s at %f ¥/kWh', (iso, kind, price) => {
    // Act
    const p = priceAt(MENGXI_TARIFF, at(iso));

    // Assess
    expect(p).toEqual({ kind, yuanPerKwh: price, season: 'heating', placeholder: false });
  });

  it.each([
    // Winter wraps the year end: 31 Dec and 1 Jan are both winter; 15 Mar is its last day.
    ['2026-12-31T12:00:00+08:00', 'winter', 0.6],
    ['2027-01-01T12:00:00+08:00', 'winter', 0.6],
    ['2026-03-15T23:59:00+08:00', 'winter', 0.2],
    ['2026-03-16T00:00:00+08:00', 'summer', 0.4],
    ['2026-11-14T23:59:00+08:00', 'summer', 0.4],
    // 2026-11-14T16:00Z is 15 November 00:00 in China (still the 14th in UTC): winter, valley.
    ['2026-11-14T16:00:00Z', 'winter', 0.2],
    ['2026-11-14T15:59:00Z', 'summer', 0.4],
  ])('the two-season zone at %s is in %s at %f ¥/kWh', (iso, season, price) => {
    // Act
    const p = priceAt(TWO_SEASONS, at(iso));

    // Assess
    expect(p.season).toBe(season);
    expect(p.yuanPerKwh).toBe(price);
  });

  it('flags placeholder seasons: 蒙西 in July', () => {
    // Act
    const p = priceAt(MENGXI_TARIFF, at('2026-07-01T12:00:00+08:00'));

    // Assess
    expect(p).toMatchObject({ season: 'non-heating', placeholder: true });
  });
});

describe('price over a window', () => {
  it('cuts a window at the period boundary and at midnight', () => {
    // Act: 17:30 to 00:30 the next day, 蒙西 heating season
    const segments = priceSegments(
      MENGXI_TARIFF,
      at('2026-01-15T17:30:00+08:00'),
      at('2026-01-16T00:30:00+08:00'),
    );

    // Assess: peak to 18:00, valley to midnight, valley again from midnight (the day is looked up anew)
    expect(
      segments.map((s) => [new Date(s.fromMs).toISOString(), new Date(s.toMs).toISOString(), s.kind]),
    ).toEqual([
      ['2026-01-15T09:30:00.000Z', '2026-01-15T10:00:00.000Z', 'PEAK'],
      ['2026-01-15T10:00:00.000Z', '2026-01-15T16:00:00.000Z', 'VALLEY'],
      ['2026-01-15T16:00:00.000Z', '2026-01-15T16:30:00.000Z', 'VALLEY'],
    ]);
  });

  it('weights prices by time: 17:00–19:00 in 蒙西’s heating season is half peak, half valley', () => {
    // Act
    const mean = meanPriceYuanPerKwh(
      MENGXI_TARIFF,
      at('2026-01-15T17:00:00+08:00'),
      at('2026-01-15T19:00:00+08:00'),
    );

    // Assess: (1 h × 0.465 + 1 h × 0.165) / 2 h = 0.315 ¥/kWh
    expect(mean).toBeCloseTo(0.315, 12);
  });

  it('gives each zone its own price, once per zone, and nothing for a zone without a tariff', () => {
    // Prepare: 23:00–03:00 is all valley in 蒙西 (0.165); the two-season zone's valley is 0.2
    const price = windowPriceByZone(
      [...INNER_MONGOLIA_TARIFFS, TWO_SEASONS],
      at('2026-01-15T23:00:00+08:00'),
      at('2026-01-16T03:00:00+08:00'),
    );

    // Act / Assess
    expect(price('mengxi')).toBeCloseTo(0.165, 12);
    expect(price('two-seasons')).toBeCloseTo(0.2, 12);
    expect(price('elsewhere')).toBeUndefined();
    expect(windowPriceByZone(undefined, 0, 1)('mengxi')).toBeUndefined();
  });
});

describe('event impact', () => {
  it('peak shaving 17:00–19:00 across the 18:00 boundary: saves at the peak and then the valley price', () => {
    // Prepare: eight 15-minute intervals on 15 January (heating season); 100 kW less import before
    // 18:00, 80 kW less after
    const starts = intervalStarts(at('2026-01-15T17:00:00+08:00'), 15, 8);
    const deliveredKw = [100, 100, 100, 100, 80, 80, 80, 80];

    // Act
    const impact = eventImpact({
      direction: 'PEAK_SHAVING',
      intervalStartsMs: starts,
      intervalMinutes: 15,
      deliveredKw,
      tariff: MENGXI_TARIFF,
      emissionFactorTco2PerMwh: FACTOR,
    });

    // Assess:
    // peak 17:00–18:00: 4 × 100 kW × 0.25 h = 100 kWh, × 0.465 = ¥46.50 saved;
    // valley 18:00–19:00: 4 × 80 kW × 0.25 h = 80 kWh, × 0.165 = ¥13.20 saved; total ¥59.70.
    // No valley energy absorbed (peak shaving). CO₂ counts the peak reduction only:
    // 100 kWh = 0.1 MWh × 0.5703 = 0.05703 tCO₂.
    expect(impact).toEqual({
      energyCostSavedYuan: 59.7,
      valleyEnergyAbsorbedKwh: 0,
      co2CountedKwh: 100,
      tco2Avoided: 0.05703,
      byPeriod: {
        PEAK: { deliveredKwh: 100, savedYuan: 46.5 },
        FLAT: { deliveredKwh: 0, savedYuan: 0 },
        VALLEY: { deliveredKwh: 80, savedYuan: 13.2 },
      },
      placeholderPrices: false,
    } satisfies EventImpact);
  });

  it('valley filling at night: incurs the valley price and absorbs every kWh', () => {
    // Prepare: 22:00–02:00 across midnight, eight 30-minute intervals, 200 kW more import for 2 h
    // then 150 kW
    const starts = intervalStarts(at('2026-01-15T22:00:00+08:00'), 30, 8);
    const deliveredKw = [200, 200, 200, 200, 150, 150, 150, 150];

    // Act
    const impact = eventImpact({
      direction: 'VALLEY_FILLING',
      intervalStartsMs: starts,
      intervalMinutes: 30,
      deliveredKw,
      tariff: MENGXI_TARIFF,
      emissionFactorTco2PerMwh: FACTOR,
    });

    // Assess: 4 × 200 × 0.5 + 4 × 150 × 0.5 = 400 + 300 = 700 kWh, all in the valley;
    // bought at 0.165: 700 × 0.165 = ¥115.50 incurred (−115.5 saved); 700 kWh absorbed;
    // 0.7 MWh × 0.5703 = 0.39921 tCO₂.
    expect(impact).toEqual({
      energyCostSavedYuan: -115.5,
      valleyEnergyAbsorbedKwh: 700,
      co2CountedKwh: 700,
      tco2Avoided: 0.39921,
      byPeriod: {
        PEAK: { deliveredKwh: 0, savedYuan: 0 },
        FLAT: { deliveredKwh: 0, savedYuan: 0 },
        VALLEY: { deliveredKwh: 700, savedYuan: -115.5 },
      },
      placeholderPrices: false,
    } satisfies EventImpact);
  });

  it('valley filling past 08:00 counts only the valley hour as absorbed, but pays for both', () => {
    // Prepare: 07:00–09:00, two 60-minute intervals of 100 kW more import
    const starts = intervalStarts(at('2026-01-16T07:00:00+08:00'), 60, 2);

    // Act
    const impact = eventImpact({
      direction: 'VALLEY_FILLING',
      intervalStartsMs: starts,
      intervalMinutes: 60,
      deliveredKw: [100, 100],
      tariff: MENGXI_TARIFF,
      emissionFactorTco2PerMwh: FACTOR,
    });

    // Assess: 100 kWh × 0.165 = 16.50 and 100 kWh × 0.465 = 46.50, ¥63.00 incurred; only the
    // 07:00–08:00 valley hour is absorbed wind: 100 kWh, 0.1 MWh × 0.5703 = 0.05703 tCO₂.
    expect(impact.energyCostSavedYuan).toBe(-63);
    expect(impact.valleyEnergyAbsorbedKwh).toBe(100);
    expect(impact.tco2Avoided).toBe(0.05703);
    expect(impact.byPeriod.PEAK).toEqual({ deliveredKwh: 100, savedYuan: -46.5 });
  });

  it('prices an interval that straddles a boundary minute by minute', () => {
    // Prepare: one 60-minute interval from 17:30, 40 kW less import
    // Act
    const impact = eventImpact({
      direction: 'PEAK_SHAVING',
      intervalStartsMs: [at('2026-01-15T17:30:00+08:00')],
      intervalMinutes: 60,
      deliveredKw: [40],
      tariff: MENGXI_TARIFF,
      emissionFactorTco2PerMwh: FACTOR,
    });

    // Assess: 20 kWh at 0.465 (¥9.30) and 20 kWh at 0.165 (¥3.30): ¥12.60; 20 peak kWh counted
    expect(impact.energyCostSavedYuan).toBe(12.6);
    expect(impact.co2CountedKwh).toBe(20);
  });

  it('is conservative with wrong-way delivery and says when prices are placeholders', () => {
    // Prepare: a July valley event (蒙西's placeholder season) where the building imported less
    // than its baseline: −50 kW for one hour at 23:00
    // Act
    const impact = eventImpact({
      direction: 'VALLEY_FILLING',
      intervalStartsMs: [at('2026-07-01T23:00:00+08:00')],
      intervalMinutes: 60,
      deliveredKw: [-50],
      tariff: MENGXI_TARIFF,
      emissionFactorTco2PerMwh: FACTOR,
    });

    // Assess: it bought 50 kWh less at the placeholder valley price 0.165: ¥8.25 saved; nothing is
    // absorbed (never below 0) and no CO₂ is counted
    expect(impact.energyCostSavedYuan).toBe(8.25);
    expect(impact.valleyEnergyAbsorbedKwh).toBe(0);
    expect(impact.tco2Avoided).toBe(0);
    expect(impact.placeholderPrices).toBe(true);
  });

  it('refuses inputs whose lengths differ or whose numbers are not finite', () => {
    // Act
    const call = () =>
      eventImpact({
        direction: 'PEAK_SHAVING',
        intervalStartsMs: [0, 900_000],
        intervalMinutes: 15,
        deliveredKw: [Number.NaN],
        tariff: MENGXI_TARIFF,
        emissionFactorTco2PerMwh: -1,
      });

    // Assess
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(
      'deliveredKw: deliveredKw has 1 values for 2 intervals; emissionFactorTco2PerMwh: must be a finite number ≥ 0; deliveredKw.0: must be finite',
    );
  });
});

describe('sum of impacts', () => {
  it('adds every field, so a park total equals the sum of its buildings', () => {
    // Prepare: two buildings of one peak event 17:00–19:00; the second delivers half of the first
    const common = {
      direction: 'PEAK_SHAVING' as const,
      intervalStartsMs: intervalStarts(at('2026-01-15T17:00:00+08:00'), 60, 2),
      intervalMinutes: 60,
      tariff: MENGXI_TARIFF,
      emissionFactorTco2PerMwh: FACTOR,
    };
    const a = eventImpact({ ...common, deliveredKw: [100, 80] });
    const b = eventImpact({ ...common, deliveredKw: [50, 40] });

    // Act
    const park = sumImpacts([a, b]);

    // Assess: a saves 100 × 0.465 + 80 × 0.165 = 46.50 + 13.20 = ¥59.70; b half of it, ¥29.85;
    // together ¥89.55 on 150 peak kWh, 0.15 MWh × 0.5703 = 0.085545 tCO₂
    expect(park.energyCostSavedYuan).toBe(89.55);
    expect(park.co2CountedKwh).toBe(150);
    expect(park.tco2Avoided).toBe(0.085545);
    expect(park.byPeriod.VALLEY).toEqual({ deliveredKwh: 120, savedYuan: 19.8 });
    expect(park.placeholderPrices).toBe(false);
  });

  it('of nothing is zero everywhere', () => {
    // Act
    const none = sumImpacts([]);

    // Assess
    expect(none.energyCostSavedYuan).toBe(0);
    expect(none.tco2Avoided).toBe(0);
    expect(Object.values(none.byPeriod)).toEqual([
      { deliveredKwh: 0, savedYuan: 0 },
      { deliveredKwh: 0, savedYuan: 0 },
      { deliveredKwh: 0, savedYuan: 0 },
    ]);
  });
});
