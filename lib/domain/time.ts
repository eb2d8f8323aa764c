/**
 * Time helpers for interval arithmetic. Pure: no clock reads. Instants are epoch milliseconds
 * or ISO-8601 strings with an offset; China has one zone, UTC+8, with no daylight saving.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** China Standard Time offset. */
export const CHINA_OFFSET_MS = 8 * HOUR_MS;

/** Epoch milliseconds of an ISO-8601 instant. */
export function toMs(iso: string): number {
  return Date.parse(iso);
}

/** ISO-8601 in UTC (`...Z`) of an epoch-milliseconds instant. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The local date (YYYY-MM-DD) in China of an instant. */
export function chinaDate(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** Minutes since local (China) midnight of an instant. */
export function chinaMinuteOfDay(ms: number): number {
  const local = ms + CHINA_OFFSET_MS;
  return Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS);
}

/** Epoch ms of local (China) midnight of a YYYY-MM-DD date. */
export function chinaMidnight(date: string): number {
  return Date.parse(`${date}T00:00:00+08:00`);
}
