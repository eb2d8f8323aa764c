/**
 * The sun's position and rooftop PV output. Position from the NOAA low-precision formulas
 * (Spencer's series for declination and the equation of time, accurate to a few arc-minutes);
 * output from a clear-sky model (Meinel's air-mass attenuation) on a horizontal array, capped by
 * the inverter, with seeded cloudiness. Pure; no clock reads.
 */
import type { PvAsset } from '../../../lib/domain/model/asset.ts';
import { CHINA_OFFSET_MS, DAY_MS, MINUTE_MS } from '../../../lib/domain/time.ts';
import { hash01, smoothNoise } from './random.ts';
import { HOHHOT, type Site } from './weather.ts';

const DEG = Math.PI / 180;
/** Share of the clear-sky DC power that reaches the AC side (wiring, soiling, heat, inverter). */
export const PERFORMANCE_RATIO = 0.85;
const STREAM_DAY_CLOUD = 201;
const STREAM_CLOUD_DRIFT = 202;

export interface SunPosition {
  /** Degrees above the horizon (negative at night). */
  elevationDeg: number;
  declinationDeg: number;
  /** Apparent minus mean solar time, minutes. */
  equationOfTimeMin: number;
  /** Degrees from local solar noon, negative in the morning. */
  hourAngleDeg: number;
}

/** Position of the sun seen from `site` at an instant. */
export function sunPosition(ms: number, site: Site = HOHHOT): SunPosition {
  const date = new Date(ms);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const daysInYear = (Date.UTC(date.getUTCFullYear() + 1, 0, 1) - yearStart) / DAY_MS;
  // fractional year, radians, at the instant (UTC)
  const g = ((2 * Math.PI) / daysInYear) * ((ms - yearStart) / DAY_MS - 0.5);
  const eot =
    229.18 *
    (0.000075 +
      0.001868 * Math.cos(g) -
      0.032077 * Math.sin(g) -
      0.014615 * Math.cos(2 * g) -
      0.040849 * Math.sin(2 * g));
  const decl =
    0.006918 -
    0.399912 * Math.cos(g) +
    0.070257 * Math.sin(g) -
    0.006758 * Math.cos(2 * g) +
    0.000907 * Math.sin(2 * g) -
    0.002697 * Math.cos(3 * g) +
    0.00148 * Math.sin(3 * g);
  const utcMinutes = (((ms % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS;
  // true solar time: UTC shifted by the longitude (4 min per degree) and the equation of time
  const solarMinutes = utcMinutes + eot + 4 * site.longitudeDeg;
  let hourAngle = solarMinutes / 4 - 180;
  hourAngle = ((((hourAngle + 180) % 360) + 360) % 360) - 180;
  const lat = site.latitudeDeg * DEG;
  const sinElevation =
    Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle * DEG);
  return {
    elevationDeg: Math.asin(Math.max(-1, Math.min(1, sinElevation))) / DEG,
    declinationDeg: decl / DEG,
    equationOfTimeMin: eot,
    hourAngleDeg: hourAngle,
  };
}

/**
 * AC output per kWp under a clear sky, per unit of sin(elevation): global horizontal irradiance is
 * about 1.1 × DNI (the diffuse part), DNI = 1.353 kW/m² × 0.7^(AM^0.678) (Meinel), with the air mass
 * of Kasten and Young; times the performance ratio. About 0.9 with the sun overhead.
 */
export function clearSkyFactor(elevationDeg: number): number {
  if (elevationDeg <= 0) return 0;
  const airMass = 1 / (Math.sin(elevationDeg * DEG) + 0.50572 * (elevationDeg + 6.07995) ** -1.6364);
  return PERFORMANCE_RATIO * 1.1 * 1.353 * 0.7 ** (airMass ** 0.678);
}

/**
 * Share of clear-sky sunlight that clouds take away, in [0, 0.9]. Each local day draws a base
 * cloudiness (mostly clear: Hohhot's continental winters are sunny), with passing clouds on top.
 */
export function cloudiness(ms: number, seed: number): number {
  const day = Math.floor((ms + CHINA_OFFSET_MS) / DAY_MS);
  const base = 0.7 * hash01(seed, STREAM_DAY_CLOUD, day) ** 2;
  const passing = base * 0.5 * smoothNoise(seed, STREAM_CLOUD_DRIFT, ms / (20 * MINUTE_MS));
  return Math.min(0.9, Math.max(0, base + passing));
}

/**
 * PV output in kW: `kwp × clearSkyFactor × sin(elevation) × (1 − cloudiness)`, capped by the
 * inverter; 0 with the sun below the horizon. Without a seed, a clear sky.
 */
export function pvOutputKw(pv: Pick<PvAsset, 'kwp' | 'inverterKw'>, ms: number, seed?: number): number {
  const { elevationDeg } = sunPosition(ms);
  if (elevationDeg <= 0) return 0;
  const clear = pv.kwp * clearSkyFactor(elevationDeg) * Math.sin(elevationDeg * DEG);
  const clouds = seed === undefined ? 0 : cloudiness(ms, seed);
  return Math.min(pv.inverterKw, clear * (1 - clouds));
}
