/**
 * Load shapes of the demo's building kinds: occupancy by local hour on working and rest days,
 * heating and cooling driven by the outdoor temperature, and hot-water draws. Shapes are shares of
 * a peak (0–1), linearly interpolated between the hours.
 */
import { seededCalendar } from '../../../lib/adapters/calendar/chinese-days.ts';
import { weekdayOf } from '../../../lib/domain/model/calendar.ts';

/** How a building is used, which sets its daily shapes. */
export type LoadKind = 'office' | 'residential' | 'dcOffice' | 'evPark' | 'school';
export const LOAD_KINDS: readonly LoadKind[] = ['office', 'residential', 'dcOffice', 'evPark', 'school'];

// biome-ignore format: one value per local hour, 00:00 to 23:00
const OFFICE_WORK = [0.25, 0.24, 0.23, 0.23, 0.23, 0.25, 0.32, 0.5, 0.82, 0.97, 1, 1, 0.9, 0.92, 0.98, 0.97, 0.94, 0.85, 0.62, 0.48, 0.4, 0.33, 0.28, 0.26];
// biome-ignore format: one value per local hour
const OFFICE_REST = [0.24, 0.23, 0.23, 0.22, 0.22, 0.23, 0.25, 0.28, 0.32, 0.36, 0.38, 0.38, 0.37, 0.37, 0.37, 0.36, 0.35, 0.33, 0.31, 0.3, 0.28, 0.27, 0.25, 0.24];
// biome-ignore format: one value per local hour; morning and evening peaks
const HOME_WORK = [0.35, 0.3, 0.28, 0.27, 0.27, 0.3, 0.45, 0.7, 0.65, 0.5, 0.45, 0.48, 0.55, 0.5, 0.45, 0.45, 0.5, 0.65, 0.85, 0.98, 1, 0.92, 0.7, 0.48];
// biome-ignore format: one value per local hour
const HOME_REST = [0.38, 0.32, 0.29, 0.28, 0.28, 0.3, 0.38, 0.55, 0.68, 0.7, 0.68, 0.7, 0.72, 0.66, 0.6, 0.58, 0.62, 0.72, 0.88, 0.98, 1, 0.92, 0.72, 0.5];
// biome-ignore format: one value per local hour; lessons 08:00–17:00, evening study until 21:00
const SCHOOL_WORK = [0.15, 0.15, 0.15, 0.15, 0.15, 0.16, 0.22, 0.55, 0.9, 1, 1, 0.95, 0.75, 0.85, 0.95, 0.95, 0.8, 0.5, 0.4, 0.35, 0.3, 0.22, 0.17, 0.15];
// biome-ignore format: one value per local hour
const SCHOOL_REST = [0.15, 0.15, 0.15, 0.15, 0.15, 0.15, 0.16, 0.18, 0.2, 0.22, 0.22, 0.22, 0.21, 0.21, 0.21, 0.2, 0.2, 0.19, 0.18, 0.18, 0.17, 0.16, 0.15, 0.15];
// biome-ignore format: one value per local hour; a car park's own load is lighting and ventilation, more at night
const CARPARK = [0.8, 0.8, 0.8, 0.8, 0.8, 0.75, 0.6, 0.55, 0.7, 0.65, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.6, 0.75, 0.95, 1, 0.95, 0.9, 0.85, 0.8];
// biome-ignore format: one value per local hour; domestic hot water, morning and evening showers
const HOT_WATER = [0.2, 0.15, 0.12, 0.12, 0.15, 0.35, 1, 1.2, 0.8, 0.5, 0.45, 0.5, 0.6, 0.5, 0.4, 0.4, 0.5, 0.8, 1.2, 1.5, 1.6, 1.3, 0.8, 0.4];

const HOT_WATER_MEAN = HOT_WATER.reduce((a, b) => a + b, 0) / HOT_WATER.length;

const SHAPES: Record<LoadKind, { work: readonly number[]; rest: readonly number[] }> = {
  office: { work: OFFICE_WORK, rest: OFFICE_REST },
  dcOffice: { work: OFFICE_WORK, rest: OFFICE_REST },
  residential: { work: HOME_WORK, rest: HOME_REST },
  school: { work: SCHOOL_WORK, rest: SCHOOL_REST },
  evPark: { work: CARPARK, rest: CARPARK },
};

/** Linear interpolation of an hourly table at a minute of the day, wrapping at midnight. */
function hourly(table: readonly number[], minuteOfDay: number): number {
  const h = Math.floor(minuteOfDay / 60) % 24;
  const f = (minuteOfDay % 60) / 60;
  return (table[h] as number) * (1 - f) + (table[(h + 1) % 24] as number) * f;
}

const calendar = seededCalendar();

/**
 * Whether a local date is a working day, for the simulated loads: the Chinese calendar (with its
 * 调休 swaps) where the seeded `chinese-days` years cover it, Monday to Friday elsewhere. The
 * coordinator never guesses like this; a simulated building may.
 */
export function isWorkday(date: string): boolean {
  const known = calendar.workdayOrUnknown(date);
  if (known !== undefined) return known;
  const weekday = weekdayOf(date);
  return weekday >= 1 && weekday <= 5;
}

/** School holidays: winter 15 January – 25 February, summer 10 July – 25 August (month-day). */
function schoolHoliday(date: string): boolean {
  const md = date.slice(5);
  return (md >= '01-15' && md <= '02-25') || (md >= '07-10' && md <= '08-25');
}

/** Share (0–1) of the building's peak occupancy-driven load at a local minute of a local date. */
export function occupancy(kind: LoadKind, date: string, minuteOfDay: number, workday: boolean): number {
  const shapes = SHAPES[kind];
  const working = workday && !(kind === 'school' && schoolHoliday(date));
  return hourly(working ? shapes.work : shapes.rest, minuteOfDay);
}

/** Relative hot-water draw at a local minute (1 on average over the day). */
export function hotWaterShape(minuteOfDay: number): number {
  return hourly(HOT_WATER, minuteOfDay) / HOT_WATER_MEAN;
}

/**
 * HVAC draw as a share of rated: ventilation and fans follow occupancy (a quarter of rated), the
 * compressors add cooling above 22 °C (full at 34 °C) and heat-pump heating below 14 °C (full at −20 °C).
 */
export function hvacShare(occupancyShare: number, outdoorC: number): number {
  const cooling = Math.min(1, Math.max(0, (outdoorC - 22) / 12));
  const heating = Math.min(1, Math.max(0, (14 - outdoorC) / 34));
  return occupancyShare * (0.25 + 0.75 * Math.max(cooling, heating));
}

/** The heating season in Hohhot: 15 October to 15 April (local date). */
export function heatingSeason(date: string): boolean {
  const md = date.slice(5);
  return md >= '10-15' || md <= '04-15';
}
