/**
 * Outdoor temperature in Hohhot (呼和浩特, 40.84° N, 111.75° E, UTC+8) from monthly climate normals
 * and a daily cycle, plus optional seeded weather: a synoptic anomaly of a few kelvin that drifts
 * over days and a small hourly wobble. Pure; no clock reads.
 */
import { CHINA_OFFSET_MS, DAY_MS, HOUR_MS } from '../../../lib/domain/time.ts';
import { smoothNoise } from './random.ts';

/** Where the demo fleet stands. */
export const HOHHOT = { latitudeDeg: 40.84, longitudeDeg: 111.75, utcOffsetHours: 8 } as const;
export type Site = { latitudeDeg: number; longitudeDeg: number; utcOffsetHours: number };

/** Monthly mean temperature, °C, January to December (Hohhot climate normals, rounded). */
export const HOHHOT_MONTHLY_MEAN_C = [-11.0, -6.6, 1.0, 9.4, 16.4, 21.3, 23.0, 21.0, 15.1, 7.6, -1.2, -8.7];
/** Monthly mean daily range (max − min), K: dry continental air, widest in spring. */
export const HOHHOT_DIURNAL_RANGE_K = [
  11.5, 12.0, 12.5, 13.0, 12.5, 11.5, 10.0, 10.0, 11.5, 12.5, 12.0, 11.5,
];

const CUMULATIVE_DAYS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
const STREAM_SYNOPTIC = 101;
const STREAM_HOURLY = 102;

/** Local day of the year (0 = 1 January, fractional) of an instant, in a 365-day year. */
export function localDayOfYear(ms: number, utcOffsetHours = HOHHOT.utcOffsetHours): number {
  const localMs = ms + utcOffsetHours * HOUR_MS;
  const dayIndex = Math.floor(localMs / DAY_MS);
  if (dayIndex !== lastDay.index) {
    const local = new Date(dayIndex * DAY_MS);
    const month = local.getUTCMonth();
    // 29 February counts as 28 February
    lastDay.start =
      (CUMULATIVE_DAYS[month] as number) + Math.min(local.getUTCDate(), month === 1 ? 28 : 31) - 1;
    lastDay.index = dayIndex;
  }
  return lastDay.start + (localMs - dayIndex * DAY_MS) / DAY_MS;
}
// the day-of-year of the last local day asked for: the simulator asks minute after minute
const lastDay = { index: Number.NaN, start: 0 };

/** Middle of month `m` (0–11) as a day of the year. */
function midMonth(m: number): number {
  return ((CUMULATIVE_DAYS[m] as number) + (CUMULATIVE_DAYS[m + 1] as number)) / 2;
}

/** Linear interpolation of a monthly table, each value at the middle of its month, wrapping at the year's end. */
function monthly(table: readonly number[], dayOfYear: number): number {
  // the last month whose middle is not after the day (December of the year before if none)
  let m = 11;
  for (let k = 0; k < 12; k++) if (dayOfYear >= midMonth(k)) m = k;
  const wrapped = dayOfYear < midMonth(0);
  const from = wrapped ? midMonth(11) - 365 : midMonth(m);
  const to = m === 11 ? midMonth(0) + (wrapped ? 0 : 365) : midMonth(m + 1);
  const f = (dayOfYear - from) / (to - from);
  return (table[m] as number) * (1 - f) + (table[(m + 1) % 12] as number) * f;
}

/**
 * Daily cycle around the mean, in units of the range: −½ at 06:00 (coldest, just before sunrise),
 * +½ at 15:00 (warmest), a half cosine up over 9 h and down over 15 h.
 */
export function diurnalShape(localHour: number): number {
  const h = localHour < 6 ? localHour + 24 : localHour;
  if (h < 15) return -0.5 * Math.cos((Math.PI * (h - 6)) / 9);
  return 0.5 * Math.cos((Math.PI * (h - 15)) / 15);
}

/** Climatological temperature in Hohhot at an instant, °C (no weather noise). */
export function normalTempC(ms: number): number {
  const doy = localDayOfYear(ms);
  const localHour = ((((ms + CHINA_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
  return monthly(HOHHOT_MONTHLY_MEAN_C, doy) + monthly(HOHHOT_DIURNAL_RANGE_K, doy) * diurnalShape(localHour);
}

/**
 * Outdoor temperature in Hohhot, °C. With a seed, adds weather: an anomaly of up to ±4 K with a
 * correlation of about three days (cold waves, warm spells) and ±0.7 K within hours.
 */
export function outdoorTempC(ms: number, seed?: number): number {
  const normal = normalTempC(ms);
  if (seed === undefined) return normal;
  const days = ms / DAY_MS;
  return (
    normal +
    4 * smoothNoise(seed, STREAM_SYNOPTIC, days / 3) +
    0.7 * smoothNoise(seed, STREAM_HOURLY, ms / (3 * HOUR_MS))
  );
}
