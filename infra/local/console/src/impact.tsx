/**
 * What an event did beyond its DR payment, as evaluation stores it on settlements (`impact`, from
 * the program's tariffs): the energy cost saved or incurred, the valley (curtailed wind) energy
 * absorbed and the CO₂ avoided. Shown only where it was stored. Summed here rather than with the
 * server's `sumImpacts`, which would bring its schemas into the bundle.
 */
import type { EventImpact } from './api.ts';
import { formatNumber, formatYuan } from './format.ts';

/** The figures the console shows; they add up over buildings, parks and events. */
export type ShownImpact = Pick<
  EventImpact,
  'energyCostSavedYuan' | 'valleyEnergyAbsorbedKwh' | 'tco2Avoided' | 'placeholderPrices'
>;

/** The sum of the impacts present; undefined when none is. */
export function totalImpact(impacts: readonly (ShownImpact | undefined)[]): ShownImpact | undefined {
  const present = impacts.filter((i): i is ShownImpact => i !== undefined);
  if (present.length === 0) return undefined;
  const sum = (f: (i: ShownImpact) => number, digits: number) =>
    Number(present.reduce((s, i) => s + f(i), 0).toFixed(digits));
  return {
    energyCostSavedYuan: sum((i) => i.energyCostSavedYuan, 2),
    valleyEnergyAbsorbedKwh: sum((i) => i.valleyEnergyAbsorbedKwh, 3),
    tco2Avoided: sum((i) => i.tco2Avoided, 6),
    placeholderPrices: present.some((i) => i.placeholderPrices),
  };
}

/** `saved ¥59.70` or `incurred ¥115.50`, with `*` when priced from a placeholder tariff. */
export function formatEnergyCost(i: ShownImpact): string {
  const yuan = i.energyCostSavedYuan;
  return `${yuan >= 0 ? 'saved' : 'incurred'} ${formatYuan(Math.abs(yuan))}${i.placeholderPrices ? '*' : ''}`;
}

export function ImpactHeadings() {
  return (
    <>
      <th class="num">Energy cost</th>
      <th class="num">Valley absorbed</th>
      <th class="num">CO₂ avoided</th>
    </>
  );
}

export function ImpactCells({ impact }: { impact: ShownImpact | undefined }) {
  if (!impact)
    return (
      <>
        <td class="num">–</td>
        <td class="num">–</td>
        <td class="num">–</td>
      </>
    );
  return (
    <>
      <td class="num" data-testid="impact-cost" data-value={impact.energyCostSavedYuan}>
        {formatEnergyCost(impact)}
      </td>
      <td class="num">{formatNumber(impact.valleyEnergyAbsorbedKwh, 1)} kWh</td>
      <td class="num">{formatNumber(impact.tco2Avoided, 3)} t</td>
    </>
  );
}

/** The footnote `*` refers to, when any figure shown was priced from a placeholder season. */
export function PlaceholderNote({ impacts }: { impacts: readonly (ShownImpact | undefined)[] }) {
  if (!impacts.some((i) => i?.placeholderPrices)) return null;
  return (
    <p class="muted">
      * priced from a placeholder tariff season: enter the published tariff in the program to rely on it.
    </p>
  );
}
