/** Display helpers. Times are shown in China Standard Time, where the fleet is, whatever the browser's zone. */

export const ZONE = 'Asia/Shanghai';
export const QUARTER_MS = 15 * 60_000;
export const HOUR_MS = 3_600_000;

const dateTime = new Intl.DateTimeFormat('en-CA', {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const timeOnly = new Intl.DateTimeFormat('en-CA', {
  timeZone: ZONE,
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** `2026-12-14 17:00` in China time. */
export function formatDateTime(at: string | number): string {
  return dateTime.format(new Date(at)).replace(',', '');
}

/** `17:00` in China time. */
export function formatTime(at: string | number): string {
  return timeOnly.format(new Date(at));
}

/** `17:00–18:00` or with dates when the window crosses midnight. */
export function formatWindow(start: string, end: string): string {
  const a = formatDateTime(start);
  const b = formatDateTime(end);
  return a.slice(0, 10) === b.slice(0, 10) ? `${a}–${b.slice(11)}` : `${a} – ${b}`;
}

export function formatKw(kw: number | null | undefined, digits = 0): string {
  if (kw === null || kw === undefined) return '–';
  return `${kw.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} kW`;
}

export function formatNumber(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined) return '–';
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatYuan(yuan: number): string {
  return `¥${yuan.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;
}

export function formatPercent(share: number | null | undefined): string {
  return share === null || share === undefined ? '–' : `${Math.round(share * 100)} %`;
}

/** The first quarter hour at or after `ms`. */
export function ceilQuarter(ms: number): number {
  return Math.ceil(ms / QUARTER_MS) * QUARTER_MS;
}

export const DIRECTION_LABEL = { PEAK_SHAVING: 'Peak shaving', VALLEY_FILLING: 'Valley filling' } as const;
/** The names grid operators in China use: 削峰 (shaving the peak), 填谷 (filling the valley). */
export const DIRECTION_HANZI = { PEAK_SHAVING: '削峰', VALLEY_FILLING: '填谷' } as const;
