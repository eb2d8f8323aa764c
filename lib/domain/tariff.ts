/**
 * Tariff arithmetic: the price at an instant, the time-weighted price of a window, and what an event
 * did to a building's energy bill, to valley (curtailed wind) energy and to CO₂. Pure: China time is
 * UTC+8 by arithmetic, never the host's zone, and nothing reads a clock.
 */
import { ValidationError } from './errors.ts';
import type { Direction } from './model/common.ts';
import {
  clockMinutes,
  PERIOD_KINDS,
  type PeriodKind,
  periodCovers,
  seasonIncludes,
  type TariffSeason,
  type Tariffs,
  type TouPeriod,
  type ZoneTariff,
  zoneTariff,
} from './model/tariff.ts';
import { roundYuan } from './settlement.ts';
import { CHINA_OFFSET_MS, DAY_MS, MINUTE_MS } from './time.ts';

/** The tariff in force at one instant. */
export interface PriceAt {
  kind: PeriodKind;
  yuanPerKwh: number;
  season: string;
  /** The season's prices are a placeholder, not a published tariff. */
  placeholder: boolean;
}

/** A stretch of time `[fromMs, toMs)` under one period of one season. */
export interface PriceSegment extends PriceAt {
  fromMs: number;
  toMs: number;
}

/** China local `MM-DD` and minute of the day of an instant. */
function chinaClock(ms: number): { monthDay: string; minute: number; dayStartMs: number } {
  const local = ms + CHINA_OFFSET_MS;
  const intoDay = ((local % DAY_MS) + DAY_MS) % DAY_MS;
  return {
    monthDay: new Date(local).toISOString().slice(5, 10),
    minute: Math.floor(intoDay / MINUTE_MS),
    dayStartMs: ms - intoDay,
  };
}

function lookup(tariff: ZoneTariff, ms: number): { season: TariffSeason; period: TouPeriod } {
  const { monthDay, minute } = chinaClock(ms);
  const season = tariff.seasons.find((s) => seasonIncludes(s, monthDay));
  const period = season?.periods.find((p) => periodCovers(p, minute));
  // A tariff that passed `ZoneTariff` covers every day and minute; a hand-built one might not.
  if (!season || !period)
    throw new RangeError(`the tariff of zone '${tariff.zone}' has no price for ${monthDay} minute ${minute}`);
  return { season, period };
}

/** The period kind and price of `tariff` at the instant `ms` (China clock time). */
export function priceAt(tariff: ZoneTariff, ms: number): PriceAt {
  const { season, period } = lookup(tariff, ms);
  return {
    kind: period.kind,
    yuanPerKwh: period.yuanPerKwh,
    season: season.name,
    placeholder: season.placeholder,
  };
}

/**
 * `[fromMs, toMs)` cut where the period or the day changes (a season changes only at midnight), so
 * that an interval straddling a boundary that is not on its grid is priced by the minute.
 */
export function priceSegments(tariff: ZoneTariff, fromMs: number, toMs: number): PriceSegment[] {
  const out: PriceSegment[] = [];
  for (let at = fromMs; at < toMs; ) {
    const { minute, dayStartMs } = chinaClock(at);
    const { season, period } = lookup(tariff, at);
    const end = clockMinutes(period.to);
    // The period's end today, or midnight when it wraps past it (the next day is looked up again).
    const until = Math.min(toMs, dayStartMs + (end > minute ? end : 24 * 60) * MINUTE_MS);
    out.push({
      fromMs: at,
      toMs: until,
      kind: period.kind,
      yuanPerKwh: period.yuanPerKwh,
      season: season.name,
      placeholder: season.placeholder,
    });
    at = until;
  }
  return out;
}

/** The time-weighted mean price over `[fromMs, toMs)`, ¥/kWh (the mean of equal intervals' prices). */
export function meanPriceYuanPerKwh(tariff: ZoneTariff, fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) throw new RangeError('the window must end after it starts');
  const segments = priceSegments(tariff, fromMs, toMs);
  return segments.reduce((s, g) => s + g.yuanPerKwh * (g.toMs - g.fromMs), 0) / (toMs - fromMs);
}

/** What one building's delivery in one event is worth in energy, valley wind and CO₂. */
export interface EventImpactInput {
  direction: Direction;
  /** Start of each interval, epoch ms. */
  intervalStartsMs: readonly number[];
  intervalMinutes: number;
  /**
   * Delivered kW per interval in the event's direction, as settled: `B − L` (peak shaving) or
   * `L − B` (valley filling), the interval's average; negative when the building moved the wrong way.
   */
  deliveredKw: readonly number[];
  /** The tariff of the building's zone, as parsed by `ZoneTariff`. */
  tariff: ZoneTariff;
  /** tCO₂ per MWh of grid electricity (`AppConfig.emissionFactorTco2PerMwh`). */
  emissionFactorTco2PerMwh: number;
}

/** Delivery that fell in one kind of period, and what it saved at that period's prices. */
export interface PeriodImpact {
  /** kWh delivered in the event's direction (less import for peak shaving, more for valley filling). */
  deliveredKwh: number;
  /** ¥ saved on the energy bill; negative when the delivery bought energy (valley filling). */
  savedYuan: number;
}

/**
 * What an event did beyond its DR payment, per building or summed ({@link sumImpacts}). Every field
 * adds up over buildings and events. kWh are rounded to 0.001, ¥ to 0.01 and tCO₂ to 0.000001 (1 g),
 * so a sum equals the sum of its displayed lines.
 */
export interface EventImpact {
  /**
   * Change of the energy bill at the tariff, ¥: positive when saved, negative when incurred.
   * Peak shaving buys `delivered` kWh less at each interval's price; valley filling buys it more.
   * Gross: energy bought back after the window (a battery recharging, a tank reheating, appliance
   * rebound) is not in it.
   */
  energyCostSavedYuan: number;
  /**
   * Valley filling only: kWh of delivery in VALLEY periods, net over the window and never below 0
   * (what heat storage and batteries took of night power, which in the heating season is wind that
   * would otherwise be curtailed). 0 for peak shaving.
   */
  valleyEnergyAbsorbedKwh: number;
  /** kWh that tCO₂ is counted on (see {@link EventImpact.tco2Avoided}). */
  co2CountedKwh: number;
  /**
   * tCO₂ avoided: `co2CountedKwh × emission factor / 1000`. Counted, conservatively:
   * - valley filling: only `valleyEnergyAbsorbedKwh`, valley power that would otherwise be curtailed
   *   and that replaces grid power the building would have drawn at another time at the average
   *   factor; delivery outside VALLEY periods counts nothing;
   * - peak shaving: only the net reduction in PEAK periods (never below 0), whose recovery DESIGN §3
   *   plans into valley hours; reductions in FLAT or VALLEY periods count nothing.
   * The national average factor undervalues the coal at the margin of a peak, and nothing is counted
   * for energy that was merely shifted within off-peak hours.
   */
  tco2Avoided: number;
  /** Delivery and saving by period kind; the savings add up to `energyCostSavedYuan` before rounding. */
  byPeriod: Record<PeriodKind, PeriodImpact>;
  /** Some of it was priced from a placeholder season (`TariffSeason.placeholder`). */
  placeholderPrices: boolean;
}

/** Rounds half away from zero, through 15 significant digits first as `roundYuan` does. */
function round(x: number, digits: number): number {
  const scaled = Number((x * 10 ** digits).toPrecision(15));
  // `+ 0` turns −0 into 0.
  return (Math.sign(scaled) * Math.round(Math.abs(scaled))) / 10 ** digits + 0;
}
const kwh = (x: number) => round(x, 3);
const tco2 = (x: number) => round(x, 6);

/**
 * The energy cost saved or incurred, the valley energy absorbed and the tCO₂ avoided by one
 * building's delivery in one event (see {@link EventImpact} for exactly what is counted).
 *
 * Each interval's kW is taken as flat over the interval and priced minute by minute where a period
 * boundary falls inside it, at the building's zone tariff in China clock time.
 *
 * @throws ValidationError when lengths differ or a number is not finite or out of range.
 */
export function eventImpact(input: EventImpactInput): EventImpact {
  validate(input);
  const { direction, intervalMinutes, deliveredKw, tariff } = input;
  const up = direction === 'PEAK_SHAVING';
  const byPeriod = emptyByPeriod();
  let placeholderPrices = false;
  input.intervalStartsMs.forEach((start, t) => {
    const kw = deliveredKw[t] as number;
    for (const g of priceSegments(tariff, start, start + intervalMinutes * MINUTE_MS)) {
      const e = (kw * (g.toMs - g.fromMs)) / (60 * MINUTE_MS);
      const slot = byPeriod[g.kind];
      slot.deliveredKwh += e;
      // Peak shaving buys e less; valley filling buys e more.
      slot.savedYuan += (up ? e : -e) * g.yuanPerKwh;
      if (e !== 0 && g.placeholder) placeholderPrices = true;
    }
  });
  const valleyEnergyAbsorbedKwh = up ? 0 : Math.max(0, byPeriod.VALLEY.deliveredKwh);
  const co2CountedKwh = up ? Math.max(0, byPeriod.PEAK.deliveredKwh) : valleyEnergyAbsorbedKwh;
  const saved = PERIOD_KINDS.reduce((s, k) => s + byPeriod[k].savedYuan, 0);
  return {
    energyCostSavedYuan: roundYuan(saved),
    valleyEnergyAbsorbedKwh: kwh(valleyEnergyAbsorbedKwh),
    co2CountedKwh: kwh(co2CountedKwh),
    tco2Avoided: tco2((co2CountedKwh * input.emissionFactorTco2PerMwh) / 1000),
    byPeriod: mapPeriods((k) => ({
      deliveredKwh: kwh(byPeriod[k].deliveredKwh),
      savedYuan: roundYuan(byPeriod[k].savedYuan),
    })),
    placeholderPrices,
  };
}

/** The sum of impacts (buildings of a park, parks of an event, events of a park); zero when empty. */
export function sumImpacts(impacts: readonly EventImpact[]): EventImpact {
  const total = (f: (i: EventImpact) => number) => impacts.reduce((s, i) => s + f(i), 0);
  return {
    energyCostSavedYuan: roundYuan(total((i) => i.energyCostSavedYuan)),
    valleyEnergyAbsorbedKwh: kwh(total((i) => i.valleyEnergyAbsorbedKwh)),
    co2CountedKwh: kwh(total((i) => i.co2CountedKwh)),
    tco2Avoided: tco2(total((i) => i.tco2Avoided)),
    byPeriod: mapPeriods((k) => ({
      deliveredKwh: kwh(total((i) => i.byPeriod[k].deliveredKwh)),
      savedYuan: roundYuan(total((i) => i.byPeriod[k].savedYuan)),
    })),
    placeholderPrices: impacts.some((i) => i.placeholderPrices),
  };
}

function mapPeriods(f: (k: PeriodKind) => PeriodImpact): Record<PeriodKind, PeriodImpact> {
  return Object.fromEntries(PERIOD_KINDS.map((k) => [k, f(k)])) as Record<PeriodKind, PeriodImpact>;
}

function emptyByPeriod(): Record<PeriodKind, PeriodImpact> {
  return mapPeriods(() => ({ deliveredKwh: 0, savedYuan: 0 }));
}

function validate(input: EventImpactInput): void {
  const issues: { path: string; message: string }[] = [];
  const n = input.intervalStartsMs.length;
  if (input.deliveredKw.length !== n)
    issues.push({
      path: 'deliveredKw',
      message: `deliveredKw has ${input.deliveredKw.length} values for ${n} intervals`,
    });
  if (!(Number.isInteger(input.intervalMinutes) && input.intervalMinutes > 0))
    issues.push({ path: 'intervalMinutes', message: 'must be a positive whole number of minutes' });
  if (!(Number.isFinite(input.emissionFactorTco2PerMwh) && input.emissionFactorTco2PerMwh >= 0))
    issues.push({ path: 'emissionFactorTco2PerMwh', message: 'must be a finite number ≥ 0' });
  input.intervalStartsMs.forEach((v, t) => {
    if (!Number.isFinite(v)) issues.push({ path: `intervalStartsMs.${t}`, message: 'must be finite' });
  });
  input.deliveredKw.forEach((v, t) => {
    if (!Number.isFinite(v)) issues.push({ path: `deliveredKw.${t}`, message: 'must be finite' });
  });
  if (issues.length > 0)
    throw new ValidationError(
      `invalid event impact input: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
}

/**
 * Each zone's mean price over `[fromMs, toMs)` under `tariffs`, computed once per zone: the energy
 * price planning adds to valley-filling response. Undefined for a zone without a tariff (or when
 * there are no tariffs), so that nothing is added there.
 */
export function windowPriceByZone(
  tariffs: Tariffs | undefined,
  fromMs: number,
  toMs: number,
): (zone: string) => number | undefined {
  const cache = new Map<string, number | undefined>();
  return (zone) => {
    if (!cache.has(zone)) {
      const tariff = zoneTariff(tariffs, zone);
      cache.set(zone, tariff && meanPriceYuanPerKwh(tariff, fromMs, toMs));
    }
    return cache.get(zone);
  };
}
