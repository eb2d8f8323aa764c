/**
 * The figures the console shows for an event's delivery, taken as the API serves them: the delivery
 * card's rows from `GET /events/{id}/delivery` and the settlement card's summary from
 * `GET /events/{id}/performance`. Both answers come from one definition (`measureDelivery` in
 * lib/domain/delivery.ts: response against the program's contractual baseline, rounded to 0.1 kW),
 * so the console computes no delivery of its own; it only formats. No DOM here, so tests can call it.
 */
import type { DeliveryView, MeasuredDelivery } from '../../../../lib/domain/delivery.ts';
import { formatKw, formatNumber, formatTime } from './format.ts';

/** One row of the delivery table, as shown (kW to 0.1) and as the charts draw it (`values`). */
export interface DeliveryRow {
  start: string;
  time: string;
  values: {
    targetKw: number | null;
    plannedKw: number;
    deliveredKw: number | null;
    baselineKw: number | null;
    meteredKw: number | null;
    planningBaselineKw: number | null;
  };
  shown: {
    target: string;
    planned: string;
    delivered: string;
    baseline: string;
    metered: string;
    planningBaseline: string;
  };
}

export function deliveryRows(view: Pick<DeliveryView, 'intervals'>): DeliveryRow[] {
  return view.intervals.map((i) => ({
    start: i.start,
    time: formatTime(i.start),
    values: {
      targetKw: i.targetKw,
      plannedKw: i.plannedKw,
      deliveredKw: i.deliveredKw,
      baselineKw: i.baselineKw,
      meteredKw: i.meteredKw,
      planningBaselineKw: i.planningBaselineKw,
    },
    shown: {
      target: formatKw(i.targetKw, 1),
      planned: formatKw(i.plannedKw, 1),
      delivered: formatKw(i.deliveredKw, 1),
      baseline: formatKw(i.baselineKw, 1),
      metered: formatKw(i.meteredKw, 1),
      planningBaseline: formatKw(i.planningBaselineKw, 1),
    },
  }));
}

/**
 * The settlement card's line on delivery: the mean over the event and the energy, from the
 * performance answer's `delivery`, which sums the same intervals the delivery card shows.
 */
export function settledDeliveryLine(delivery: MeasuredDelivery): string {
  const mean =
    delivery.meanDeliveredKw === null ? 'not every interval measured' : formatKw(delivery.meanDeliveredKw, 1);
  return (
    `Delivered over the ${delivery.buildings} buildings settled: ${mean} on average over the event, ` +
    `${formatNumber(delivery.deliveredKwh, 1)} kWh, against the program's contractual baseline ` +
    '(the delivery chart above shows the same figures interval by interval).'
  );
}
