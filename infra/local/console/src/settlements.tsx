/** What each park earned, event by event (`GET /parks/{parkId}/settlements`). */
import { all, type ParkSettlementView } from './api.ts';
import { DIRECTION_LABEL, formatYuan } from './format.ts';
import { useLoad } from './hooks.ts';
import { ImpactCells, ImpactHeadings, PlaceholderNote, totalImpact } from './impact.tsx';
import { loadParks } from './parks.tsx';
import { SettlementCells, SettlementHeadings } from './settlement-cells.tsx';

type Row = ParkSettlementView & { eventId: string };

export function SettlementsPage() {
  const parks = useLoad(loadParks, 'parks');
  if (parks.error) return <p class="error">{parks.error}</p>;
  if (!parks.data) return <p class="muted">Loading parks…</p>;
  return (
    <section data-testid="settlements">
      <h1>Settlements</h1>
      {parks.data.map((p) => (
        <ParkSettlements key={p.parkId} parkId={p.parkId} name={p.name} />
      ))}
    </section>
  );
}

function ParkSettlements({ parkId, name }: { parkId: string; name: string }) {
  const rows = useLoad(() => all<Row>(`/parks/${encodeURIComponent(parkId)}/settlements`), parkId);
  const total = rows.data?.reduce((t, r) => t + r.netYuan, 0) ?? 0;
  const impacts = rows.data?.map((r) => r.impact) ?? [];
  const impact = totalImpact(impacts);
  return (
    <article class="card" data-testid="park-settlements" data-park-id={parkId}>
      <h2>
        {name} <span class="muted">{parkId}</span>
      </h2>
      {rows.error && <p class="error">{rows.error}</p>}
      {rows.data?.length === 0 && <p class="muted">Nothing settled yet.</p>}
      {rows.data && rows.data.length > 0 && (
        <table class="data">
          <thead>
            <tr>
              <th>Event</th>
              <th>Type</th>
              <SettlementHeadings />
              {impact && <ImpactHeadings />}
            </tr>
          </thead>
          <tbody>
            {rows.data.map((r) => (
              <tr key={r.eventId} data-testid="settlement-row">
                <td>
                  <a href={`#/events/${encodeURIComponent(r.eventId)}`}>{r.eventId}</a>
                </td>
                <td>{r.direction ? DIRECTION_LABEL[r.direction] : '–'}</td>
                <SettlementCells s={r} />
                {impact && <ImpactCells impact={r.impact} />}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th colSpan={8}>Total</th>
              <th class="num">{formatYuan(total)}</th>
              {impact && <ImpactCells impact={impact} />}
            </tr>
          </tfoot>
        </table>
      )}
      <PlaceholderNote impacts={impacts} />
    </article>
  );
}
