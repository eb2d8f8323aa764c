/** The figures of a park's settlement, as table headings and cells shared by every settlement table. */
import type { ParkSettlement } from './api.ts';
import { formatKw, formatNumber, formatYuan } from './format.ts';

export function SettlementHeadings() {
  return (
    <>
      <th class="num">Buildings</th>
      <th class="num">Declared</th>
      <th class="num">Delivered</th>
      <th class="num">Energy</th>
      <th class="num">Payment</th>
      <th class="num">Penalty</th>
      <th class="num">Net</th>
    </>
  );
}

export function SettlementCells({ s }: { s: ParkSettlement }) {
  return (
    <>
      <td class="num">{s.buildingCount}</td>
      <td class="num">{formatKw(s.declaredKw, 1)}</td>
      <td class="num">{formatKw(s.deliveredKw, 1)}</td>
      <td class="num">{formatNumber(s.deliveredKwh, 1)} kWh</td>
      <td class="num">{formatYuan(s.paymentYuan)}</td>
      <td class="num">{formatYuan(s.penaltyYuan)}</td>
      <td class="num">{formatYuan(s.netYuan)}</td>
    </>
  );
}
