/** What a park could offer per interval in both directions, over the next hours of simulation time. */
import { useState } from 'preact/hooks';
import { api, type FlexibilityView } from './api.ts';
import { Chart } from './chart.tsx';
import { useApp } from './context.ts';
import { ceilQuarter, formatKw, formatNumber, formatWindow, HOUR_MS, QUARTER_MS } from './format.ts';
import { useLoad } from './hooks.ts';
import { loadParks } from './parks.tsx';

/** `POST /flexibility` for some parks over [start, start + hours), 15-minute intervals. */
export function queryFlexibility(parkIds: string[], startMs: number, hours: number) {
  return api<FlexibilityView>('/flexibility', {
    method: 'POST',
    body: {
      scope: { parkIds },
      start: new Date(startMs).toISOString(),
      end: new Date(startMs + hours * HOUR_MS).toISOString(),
      intervalMinutes: 15,
    },
  });
}

/**
 * Computed as soon as the page opens, for every park in view (one park when chosen), from the first
 * quarter hour after the clock's now; computed again when the park, the window or that quarter
 * hour changes, and on "Compute".
 */
export function FlexibilityPage() {
  const { now } = useApp();
  const parks = useLoad(loadParks, 'parks');
  const [parkId, setParkId] = useState('');
  const [hours, setHours] = useState(4);
  const parkIds = parkId ? [parkId] : (parks.data ?? []).map((p) => p.parkId);
  const startMs = now === null ? null : ceilQuarter(now);
  const key = startMs === null || parkIds.length === 0 ? '' : `${parkIds.join(',')}|${startMs}|${hours}`;
  const result = useLoad(
    async () =>
      startMs === null || parkIds.length === 0
        ? null
        : { view: await queryFlexibility(parkIds, startMs, hours), startMs, hours },
    key,
  );

  return (
    <section data-testid="flexibility">
      <h1>Flexibility</h1>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          result.reload();
        }}
      >
        <label>
          Park{' '}
          <select value={parkId} onChange={(e) => setParkId(e.currentTarget.value)} data-testid="flex-park">
            {(parks.data?.length ?? 0) > 1 && <option value="">All {parks.data?.length} parks</option>}
            {parks.data?.map((p) => (
              <option key={p.parkId} value={p.parkId}>
                {p.name} ({p.parkId})
              </option>
            ))}
          </select>
        </label>
        <label>
          Window{' '}
          <select value={hours} onChange={(e) => setHours(Number(e.currentTarget.value))}>
            <option value={4}>next 4 h</option>
            <option value={12}>next 12 h</option>
          </select>
        </label>
        <button type="submit" disabled={result.loading || !key} data-testid="flex-query">
          {result.loading ? 'Computing…' : 'Compute again'}
        </button>
      </form>
      {result.error && <p class="error">{result.error}</p>}
      {!result.data && !result.error && <p class="muted">Computing…</p>}
      {result.data && <FlexibilityResult {...result.data} />}
    </section>
  );
}

function FlexibilityResult({
  view,
  startMs,
  hours,
}: {
  view: FlexibilityView;
  startMs: number;
  hours: number;
}) {
  const starts = Array.from({ length: view.intervals }, (_, i) => startMs + i * QUARTER_MS);
  const peak = view.total.PEAK_SHAVING;
  const valley = view.total.VALLEY_FILLING;
  return (
    <div class="card" data-testid="flex-result" data-intervals={view.intervals}>
      <p class="muted">
        {formatWindow(new Date(startMs).toISOString(), new Date(startMs + hours * HOUR_MS).toISOString())} ·{' '}
        {view.byPark.reduce((t, p) => t + p.buildings, 0)} buildings counted
        {view.withoutData > 0 && `, ${view.withoutData} without telemetry (not counted)`}
      </p>
      <div class="figures">
        <div class="figure">
          <span class="muted">Peak shaving energy</span>
          <strong data-testid="flex-peak-kwh">{formatNumber(peak.energyKwh)} kWh</strong>
          <span class="muted">
            per interval {formatKw(Math.min(...peak.kw))} – {formatKw(Math.max(...peak.kw))}
          </span>
        </div>
        <div class="figure">
          <span class="muted">Valley filling energy</span>
          <strong>{formatNumber(valley.energyKwh)} kWh</strong>
          <span class="muted">
            per interval {formatKw(Math.min(...valley.kw))} – {formatKw(Math.max(...valley.kw))}
          </span>
        </div>
      </div>
      <Chart
        starts={starts}
        intervalMinutes={15}
        testId="flex-chart"
        series={[
          { label: 'Peak shaving', color: '#c2410c', values: peak.kw, fill: true },
          { label: 'Valley filling', color: '#1d4ed8', values: valley.kw, fill: true },
        ]}
      />
    </div>
  );
}
