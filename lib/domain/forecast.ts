/**
 * How far planning's forecast of the natural load was from the contractual baseline settlement
 * used: per building and interval, `planning − contractual`, kW. The plan records it after the
 * evaluation (issue 18), so an operator sees how much of a shortfall the forecast explains.
 */

export interface ForecastPair {
  /** What planning assumed, per interval (the command's `baselineKw`). */
  planningKw: readonly number[];
  /** The program's baseline settlement measured against, per interval. */
  contractualKw: readonly number[];
}

export interface ForecastError {
  /** Buildings compared (those whose contractual baseline could be computed). */
  buildings: number;
  /** Building-intervals compared. */
  intervals: number;
  /** Mean of |planning − contractual| over the building-intervals, kW. */
  meanAbsKw: number;
  /** Σ|planning − contractual| / Σ contractual, in percent; `null` when the contractual sum is 0. */
  absPct: number | null;
  /** Σ(planning − contractual) / Σ contractual, in percent: positive when planning assumed more load. */
  biasPct: number | null;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The forecast error over `pairs`, interval by interval (the shorter series decides a pair's length). */
export function forecastError(pairs: readonly ForecastPair[]): ForecastError {
  let intervals = 0;
  let abs = 0;
  let signed = 0;
  let contractual = 0;
  for (const p of pairs)
    for (let t = 0; t < Math.min(p.planningKw.length, p.contractualKw.length); t++) {
      const d = (p.planningKw[t] as number) - (p.contractualKw[t] as number);
      intervals++;
      abs += Math.abs(d);
      signed += d;
      contractual += p.contractualKw[t] as number;
    }
  return {
    buildings: pairs.length,
    intervals,
    meanAbsKw: intervals > 0 ? round(abs / intervals, 3) : 0,
    absPct: contractual > 0 ? round((abs / contractual) * 100, 2) : null,
    biasPct: contractual > 0 ? round((signed / contractual) * 100, 2) : null,
  };
}
