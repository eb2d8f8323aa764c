/** Parks with their buildings and assets, and one building's latest state. */
import { all, api, type Building, type BuildingView, type Park } from './api.ts';
import { formatDateTime, formatKw, formatNumber, formatPercent } from './format.ts';
import { useLoad } from './hooks.ts';

/** `GET /parks`, which the API filters to a park manager's own parks. */
export const loadParks = () => all<Park>('/parks');

export function ParksPage() {
  const parks = useLoad(loadParks, 'parks');
  if (parks.error) return <p class="error">{parks.error}</p>;
  if (!parks.data) return <p class="muted">Loading parks…</p>;
  return (
    <section data-testid="parks">
      <h1>Parks</h1>
      {parks.data.length === 0 && <p class="muted">No parks visible to you.</p>}
      {parks.data.map((park) => (
        <ParkBuildings key={park.parkId} park={park} />
      ))}
    </section>
  );
}

function ParkBuildings({ park }: { park: Park }) {
  const buildings = useLoad(() => all<Building>(`/parks/${park.parkId}/buildings`), park.parkId);
  return (
    <article class="card" data-testid="park" data-park-id={park.parkId}>
      <h2>
        {park.name} <span class="muted">{park.parkId}</span>
      </h2>
      <p class="muted">
        {park.city} · zone {park.zone} · {buildings.data ? `${buildings.data.length} buildings` : '…'}
      </p>
      {buildings.error && <p class="error">{buildings.error}</p>}
      {buildings.data && <BuildingTable buildings={buildings.data} />}
    </article>
  );
}

/** The assets of a building summed by kind. */
export function summariseAssets(building: Building) {
  const sum = {
    pvKwp: 0,
    batteryKwh: 0,
    batteryKw: 0,
    tankKwhTh: 0,
    dcBus: '',
    appliances: 0,
    applianceKw: 0,
  };
  for (const a of building.assets) {
    if (a.kind === 'pv') sum.pvKwp += a.kwp;
    else if (a.kind === 'battery') {
      sum.batteryKwh += a.capacityKwh;
      sum.batteryKw += a.maxDischargeKw;
    } else if (a.kind === 'heatStorage') sum.tankKwhTh += a.capacityKwhTh;
    else if (a.kind === 'dcBus') sum.dcBus = `${a.nominalVoltage} V ±${a.bandPct} %`;
    else {
      sum.appliances++;
      sum.applianceKw += a.ratedKw;
    }
  }
  return sum;
}

function BuildingTable({ buildings }: { buildings: Building[] }) {
  const totals = buildings.map(summariseAssets).reduce(
    (t, s) => ({
      pvKwp: t.pvKwp + s.pvKwp,
      batteryKwh: t.batteryKwh + s.batteryKwh,
      tankKwhTh: t.tankKwhTh + s.tankKwhTh,
      importKw: t.importKw,
    }),
    {
      pvKwp: 0,
      batteryKwh: 0,
      tankKwhTh: 0,
      importKw: buildings.reduce((t, b) => t + b.gridLimits.importKw, 0),
    },
  );
  return (
    <table class="data">
      <thead>
        <tr>
          <th>Building</th>
          <th class="num">Import limit</th>
          <th class="num">PV kWp</th>
          <th class="num">Battery kWh</th>
          <th class="num">Tank kWh th</th>
          <th>DC bus</th>
          <th class="num">Appliances</th>
        </tr>
      </thead>
      <tbody>
        {buildings.map((b) => {
          const s = summariseAssets(b);
          return (
            <tr key={b.buildingId} data-testid="building-row" data-building-id={b.buildingId}>
              <td>
                <a href={`#/buildings/${encodeURIComponent(b.buildingId)}`}>{b.name}</a>{' '}
                <span class="muted">{b.buildingId}</span>
              </td>
              <td class="num">{formatKw(b.gridLimits.importKw)}</td>
              <td class="num">{s.pvKwp ? formatNumber(s.pvKwp) : '–'}</td>
              <td class="num">{s.batteryKwh ? formatNumber(s.batteryKwh) : '–'}</td>
              <td class="num">{s.tankKwhTh ? formatNumber(s.tankKwhTh) : '–'}</td>
              <td>{s.dcBus || '–'}</td>
              <td class="num">{s.appliances ? `${s.appliances} · ${formatKw(s.applianceKw)}` : '–'}</td>
            </tr>
          );
        })}
      </tbody>
      <tfoot>
        <tr>
          <th>Total</th>
          <th class="num">{formatKw(totals.importKw)}</th>
          <th class="num">{formatNumber(totals.pvKwp)}</th>
          <th class="num">{formatNumber(totals.batteryKwh)}</th>
          <th class="num">{formatNumber(totals.tankKwhTh)}</th>
          <th />
          <th />
        </tr>
      </tfoot>
    </table>
  );
}

const ASSET_KIND = {
  pv: 'PV',
  battery: 'Battery',
  heatStorage: 'Heat storage',
  dcBus: 'DC bus',
  appliance: 'Appliance',
} as const;

/** `GET /buildings/{id}`: the building, its assets and its latest reported state. */
export function BuildingDetail({ buildingId }: { buildingId: string }) {
  const building = useLoad(
    () => api<BuildingView>(`/buildings/${encodeURIComponent(buildingId)}`),
    buildingId,
    5_000,
  );
  if (building.error && !building.data) return <p class="error">{building.error}</p>;
  const b = building.data;
  if (!b) return <p class="muted">Loading building…</p>;
  const state = b.state;
  return (
    <section data-testid="building-detail" data-building-id={b.buildingId}>
      <p>
        <a href="#/parks">← Parks</a>
      </p>
      <h1>
        {b.name} <span class="muted">{b.buildingId}</span>
      </h1>
      <p class="muted">
        park {b.parkId} · feeder {b.feederId} · BMS {b.bmsIntegrationId} · import ≤{' '}
        {formatKw(b.gridLimits.importKw)}, export ≤ {formatKw(b.gridLimits.exportKw)} · reliability{' '}
        {formatPercent(b.reliability)}
      </p>
      <div class="figures">
        <Figure label="Net load" value={state ? formatKw(state.netLoadKw, 1) : '–'} testId="net-load" />
        {state?.assets.map((a) => {
          if (a.kind === 'battery')
            return (
              <Figure key={a.assetId} label={`Battery SoC (${a.assetId})`} value={formatPercent(a.soc)} />
            );
          if (a.kind === 'heatStorage') {
            const tank = b.assets.find((x) => x.id === a.assetId);
            const share = tank?.kind === 'heatStorage' ? a.storedKwhTh / tank.capacityKwhTh : null;
            return (
              <Figure
                key={a.assetId}
                label={`Heat storage (${a.assetId})`}
                value={`${formatNumber(a.storedKwhTh)} kWh th (${formatPercent(share)})`}
              />
            );
          }
          return null;
        })}
        <Figure label="State at" value={state ? formatDateTime(state.at) : 'no telemetry yet'} />
      </div>
      <h2>Assets</h2>
      <table class="data">
        <thead>
          <tr>
            <th>Asset</th>
            <th>Kind</th>
            <th>Rating</th>
            <th>Now</th>
          </tr>
        </thead>
        <tbody>
          {b.assets.map((a) => {
            const s = state?.assets.find((x) => x.assetId === a.id);
            return (
              <tr key={a.id}>
                <td>{a.id}</td>
                <td>{a.kind === 'appliance' ? `Appliance (${a.applianceKind})` : ASSET_KIND[a.kind]}</td>
                <td>{rating(a)}</td>
                <td>{s ? now(s) : '–'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div class="figure" data-testid={testId}>
      <span class="muted">{label}</span>
      <strong>{value}</strong>
    </div>
  );
}

function rating(a: Building['assets'][number]): string {
  switch (a.kind) {
    case 'pv':
      return `${formatNumber(a.kwp)} kWp, inverter ${formatKw(a.inverterKw)}`;
    case 'battery':
      return `${formatNumber(a.capacityKwh)} kWh, ${formatKw(a.maxDischargeKw)} out / ${formatKw(a.maxChargeKw)} in, SoC ${formatPercent(a.socMin)}–${formatPercent(a.socMax)}`;
    case 'heatStorage':
      return `${formatNumber(a.capacityKwhTh)} kWh th, heater ${formatKw(a.heaterKw)}, COP ${a.cop}`;
    case 'dcBus':
      return `${a.nominalVoltage} V ±${a.bandPct} %, ${formatNumber(a.flexKwPerPct, 1)} kW/%`;
    case 'appliance':
      return `${formatKw(a.ratedKw)}, ${formatPercent(a.curtailableShare)} curtailable for ${a.maxCurtailMinutes} min`;
  }
}

function now(s: NonNullable<BuildingView['state']>['assets'][number]): string {
  switch (s.kind) {
    case 'pv':
      return `${formatKw(s.outputKw, 1)} out`;
    case 'battery':
      return `SoC ${formatPercent(s.soc)}, ${formatKw(s.powerKw, 1)}`;
    case 'heatStorage':
      return `${formatNumber(s.storedKwhTh)} kWh th, heater ${formatKw(s.heaterKw, 1)}`;
    case 'dcBus':
      return `${formatNumber(s.busVoltage)} V, ${formatKw(s.loadKw, 1)}`;
    case 'appliance':
      return s.on ? `on, ${formatKw(s.kw, 1)}` : 'off';
  }
}
