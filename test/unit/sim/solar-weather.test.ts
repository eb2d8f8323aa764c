import { describe, expect, it } from 'vitest';
import { clearSkyFactor, pvOutputKw, sunPosition } from '../../../infra/local/sim/solar.ts';
import { normalTempC, outdoorTempC } from '../../../infra/local/sim/weather.ts';
import { at, MIN } from './helpers.ts';

const DAY = 24 * 60;
/** Every minute of a local (UTC+8) day. */
const minutesOf = (date: string) =>
  Array.from({ length: DAY }, (_, m) => at(`${date}T00:00:00+08:00`) + m * MIN);
const maxElevation = (date: string) => Math.max(...minutesOf(date).map((t) => sunPosition(t).elevationDeg));

describe('sun position in Hohhot', () => {
  it('culminates at 90 − 40.84 + 23.44 ≈ 72.6° at the June solstice', () => {
    expect(maxElevation('2026-06-21')).toBeCloseTo(90 - 40.84 + 23.44, 0);
    expect(Math.abs(maxElevation('2026-06-21') - 72.6)).toBeLessThan(1);
  });

  it('culminates at 90 − 40.84 − 23.44 ≈ 25.7° at the December solstice', () => {
    expect(Math.abs(maxElevation('2026-12-21') - (90 - 40.84 - 23.44))).toBeLessThan(1);
  });

  it('has solar noon about half an hour after 12:00 Beijing time (111.75° E is west of 120° E)', () => {
    const day = minutesOf('2026-03-20');
    const noon = day.reduce((best, t) =>
      sunPosition(t).elevationDeg > sunPosition(best).elevationDeg ? t : best,
    );
    const localMinute = (noon - at('2026-03-20T00:00:00+08:00')) / MIN;
    // 33 min for the longitude, +7 min for the equation of time in late March
    expect(localMinute).toBeGreaterThan(12 * 60 + 30);
    expect(localMinute).toBeLessThan(12 * 60 + 50);
  });

  it('rises around 07:30 local in late November', () => {
    const sunrise = minutesOf('2026-11-25').find((t) => sunPosition(t).elevationDeg > 0) as number;
    const localMinute = (sunrise - at('2026-11-25T00:00:00+08:00')) / MIN;
    expect(Math.abs(localMinute - (7 * 60 + 30))).toBeLessThanOrEqual(30);
  });
});

describe('PV output', () => {
  const pv = { kwp: 100, inverterKw: 90 };

  it('is zero at local midnight all year and during the night', () => {
    for (const month of ['01', '04', '06', '09', '12']) {
      expect(pvOutputKw(pv, at(`2026-${month}-15T00:00:00+08:00`))).toBe(0);
      expect(pvOutputKw(pv, at(`2026-${month}-15T23:00:00+08:00`), 7)).toBe(0);
    }
  });

  it('follows the sun: stronger at noon than in the morning, in summer than in winter', () => {
    const summerNoon = pvOutputKw(pv, at('2026-06-21T12:35:00+08:00'));
    const summerMorning = pvOutputKw(pv, at('2026-06-21T08:00:00+08:00'));
    const winterNoon = pvOutputKw(pv, at('2026-12-21T12:35:00+08:00'));
    expect(summerNoon).toBeGreaterThan(summerMorning);
    expect(summerNoon).toBeGreaterThan(2 * winterNoon);
    expect(winterNoon).toBeGreaterThan(0);
  });

  it('is capped by the inverter', () => {
    const oversized = { kwp: 100, inverterKw: 50 };
    const day = minutesOf('2026-06-21').map((t) => pvOutputKw(oversized, t));
    expect(Math.max(...day)).toBe(50);
    expect(day.every((kw) => kw >= 0 && kw <= 50)).toBe(true);
  });

  it('has a clear-sky factor near 0.9 with the sun overhead and falling with the air mass', () => {
    expect(clearSkyFactor(90)).toBeGreaterThan(0.8);
    expect(clearSkyFactor(90)).toBeLessThan(1);
    expect(clearSkyFactor(20)).toBeLessThan(clearSkyFactor(60));
    expect(clearSkyFactor(-5)).toBe(0);
  });

  it('loses output to seeded clouds, the same for the same seed', () => {
    const day = minutesOf('2026-05-10');
    const clear = day.reduce((s, t) => s + pvOutputKw(pv, t), 0);
    for (const seed of [1, 2, 3]) {
      const cloudy = day.map((t) => pvOutputKw(pv, t, seed));
      expect(cloudy.reduce((s, kw) => s + kw, 0)).toBeLessThanOrEqual(clear + 1e-9);
      expect(day.map((t) => pvOutputKw(pv, t, seed))).toEqual(cloudy);
    }
  });
});

describe('Hohhot temperature', () => {
  const monthMean = (month: string, days: number) => {
    let sum = 0;
    for (let d = 1; d <= days; d++)
      for (let h = 0; h < 24; h++)
        sum += normalTempC(
          at(`2026-${month}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:30:00+08:00`),
        );
    return sum / (days * 24);
  };

  it('averages about −11 °C in January and +23 °C in July', () => {
    expect(Math.abs(monthMean('01', 31) - -11)).toBeLessThan(1.5);
    expect(Math.abs(monthMean('07', 31) - 23)).toBeLessThan(1.5);
  });

  it('is coldest around 06:00 and warmest around 15:00, with a swing of about 10 K', () => {
    const day = minutesOf('2026-10-10').map((t) => ({ t, c: normalTempC(t) }));
    const coldest = day.reduce((a, b) => (b.c < a.c ? b : a));
    const warmest = day.reduce((a, b) => (b.c > a.c ? b : a));
    const hour = (t: number) => (t - at('2026-10-10T00:00:00+08:00')) / 3_600_000;
    expect(Math.abs(hour(coldest.t) - 6)).toBeLessThan(1);
    expect(Math.abs(hour(warmest.t) - 15)).toBeLessThan(1);
    expect(warmest.c - coldest.c).toBeGreaterThan(8);
    expect(warmest.c - coldest.c).toBeLessThan(15);
  });

  it('adds seeded weather of a few kelvin, reproducible', () => {
    const times = Array.from({ length: 500 }, (_, i) => at('2026-01-01T00:00:00+08:00') + i * 3_600_000);
    const anomalies = times.map((t) => outdoorTempC(t, 5) - normalTempC(t));
    expect(Math.max(...anomalies.map(Math.abs))).toBeLessThanOrEqual(4.7);
    expect(Math.max(...anomalies) - Math.min(...anomalies)).toBeGreaterThan(2);
    expect(times.map((t) => outdoorTempC(t, 5) - normalTempC(t))).toEqual(anomalies);
    expect(outdoorTempC(times[0] as number)).toBe(normalTempC(times[0] as number));
  });
});
