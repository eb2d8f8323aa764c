/**
 * One event: status and command counts, the live delivery chart (polled while the event can still
 * change), the settlement once settled, and Cancel for operators.
 */
import { useEffect, useState } from 'preact/hooks';
import {
  all,
  api,
  type CommandRecord,
  type DeliveryView,
  type EventStatusView,
  type PerformanceView,
  type PlanView,
  SETTLED,
} from './api.ts';
import { Chart } from './chart.tsx';
import { useApp } from './context.ts';
import { type DeliveryRow, deliveryRows, settledDeliveryLine } from './delivery-figures.ts';
import { describeScope, StatusBadge } from './events.tsx';
import {
  DIRECTION_HANZI,
  DIRECTION_LABEL,
  formatDateTime,
  formatKw,
  formatNumber,
  formatPercent,
  formatWindow,
  formatYuan,
} from './format.ts';
import { useLoad } from './hooks.ts';
import { formatEnergyCost, ImpactCells, ImpactHeadings, PlaceholderNote, totalImpact } from './impact.tsx';
import { SettlementCells, SettlementHeadings } from './settlement-cells.tsx';

const POLL_MS = 2_000;

export function EventDetail({ eventId }: { eventId: string }) {
  const { isOperator } = useApp();
  const path = `/events/${encodeURIComponent(eventId)}`;
  const [done, setDone] = useState(false);
  const status = useLoad(() => api<EventStatusView>(path), eventId, done ? undefined : POLL_MS);
  const delivery = useLoad(() => api<DeliveryView>(`${path}/delivery`), eventId, done ? undefined : POLL_MS);
  const view = status.data;
  const final = view !== undefined && SETTLED.includes(view.status);
  // Once final, a last load (the poll interval changes) and no more polling.
  useEffect(() => setDone(final), [final]);

  if (status.error && !view) return <p class="error">{status.error}</p>;
  if (!view) return <p class="muted">Loading event…</p>;
  const { event, commands, plan } = view;
  return (
    <section
      data-testid="event-detail"
      data-event-id={eventId}
      data-status={view.status}
      data-scope-parks={(event.scope.parkIds ?? []).join(',')}
    >
      <p>
        <a href="#/events">← Events</a>
      </p>
      <h1>
        {eventId} <StatusBadge status={view.status} />
      </h1>
      <p class="muted">
        {DIRECTION_LABEL[event.type]} · {formatWindow(event.start, event.end)} · scope{' '}
        {describeScope(event.scope)} · program {event.programId} · revision {view.revision}
      </p>
      {view.failure && <p class="error">{view.failure}</p>}
      <div class="figures" data-testid="command-counts">
        <Count label="Commands sent" value={commands.sent} testId="count-sent" />
        <Count label="Acknowledged" value={commands.acknowledged} testId="count-acknowledged" />
        <Count label="Declined" value={commands.declined} testId="count-declined" />
        <Count label="Failed" value={commands.failed} testId="count-failed" />
        <Count label="Cancellations" value={commands.cancelled} testId="count-cancelled" />
      </div>
      {plan && <PlanCard plan={plan} type={event.type} intervalMinutes={event.intervalMinutes} />}
      {isOperator && !final && view.status !== 'completed' && view.status !== 'awaiting-data' && (
        <CancelButton path={path} onDone={status.reload} />
      )}
      {delivery.error && !delivery.data && <p class="error">{delivery.error}</p>}
      {delivery.data && <Delivery view={delivery.data} />}
      <Commands path={path} poll={done ? undefined : POLL_MS} />
      {plan?.after && (
        <AfterWindow after={plan.after} end={event.end} intervalMinutes={event.intervalMinutes} />
      )}
      {view.settlement?.revision !== undefined && (
        <Performance
          key={`${view.settlement.revision}`}
          path={path}
          latest={view.settlement.revision}
          onReevaluated={status.reload}
        />
      )}
    </section>
  );
}

/** Less import for peak shaving, more for valley filling: the unit every kW of the event is in. */
const RESPONSE_UNIT = { PEAK_SHAVING: 'kW less import', VALLEY_FILLING: 'kW more import' } as const;

/**
 * The plan in the event's own words: what the operator asked and what the plan expects (in the
 * event's direction), how many buildings it commands out of those in scope, and its cost explained:
 * the allocator's objective, not a payment.
 */
function PlanCard(props: {
  plan: PlanView;
  type: EventStatusView['event']['type'];
  intervalMinutes: number;
}) {
  const { plan, type } = props;
  const hours = props.intervalMinutes / 60;
  const plannedKwh = plan.expectedKw.reduce((s, kw) => s + kw * hours, 0);
  const shortfall = Math.max(0, ...plan.shortfallKw);
  const unit = RESPONSE_UNIT[type];
  return (
    <div class="card" data-testid="plan-summary" data-direction={type}>
      <h2>
        Plan (revision {plan.revision}): {DIRECTION_LABEL[type].toLowerCase()}{' '}
        <span lang="zh-CN">{DIRECTION_HANZI[type]}</span>
      </h2>
      <p data-testid="plan-targets">
        Target up to {formatNumber(Math.max(...plan.targetsKw))} {unit}; planned up to{' '}
        {formatNumber(Math.max(...plan.expectedKw))} {unit} ({formatNumber(plannedKwh)} kWh over the window)
        {shortfall > 0 && `; short by up to ${formatNumber(shortfall)} ${unit}`}.
      </p>
      <p
        data-testid="plan-buildings"
        data-commanded={plan.buildingsCommanded}
        data-in-scope={plan.buildingsInScope}
      >
        {plan.buildingsCommanded} of the {plan.buildingsInScope} buildings in scope are commanded in this
        revision; the others had nothing to offer at the lowest cost, or declined an earlier revision.
      </p>
      <p class="muted" data-testid="plan-cost" data-cost-yuan={plan.costYuan}>
        Plan cost {formatYuan(plan.costYuan)}
        {plannedKwh > 0 && ` (${formatYuan(plan.costYuan / plannedKwh)} per kWh planned)`}: what the allocator
        minimises, each asset's own price per kWh of response (battery wear, comfort, energy) weighted by the
        building's reliability{shortfall > 0 ? ', plus a penalty for every kWh short' : ''}. It is not what
        the program pays; the settlement below is.
      </p>
      {plan.notes?.map((note) => (
        <p key={note} class="warning" data-testid="plan-note">
          {note}
        </p>
      ))}
    </div>
  );
}

const ANSWER_LABEL: Record<CommandRecord['status'], string> = {
  PENDING: 'not sent yet',
  PUBLISHED: 'sent, no answer yet',
  FAILED: 'failed: not delivered to its BMS',
  ACKNOWLEDGED: 'acknowledged',
  DECLINED: 'declined',
  SUPERSEDED: 'superseded by a later revision',
};

/**
 * Every command of the event, building by building and revision by revision, with the answer its
 * BMS gave and the reason (`GET /events/{id}/plan`).
 */
function Commands({ path, poll }: { path: string; poll: number | undefined }) {
  const plan = useLoad(() => all<CommandRecord>(`${path}/plan`, 500, 'commands'), path, poll);
  if (plan.error && !plan.data) return <p class="error">{plan.error}</p>;
  const commands = [...(plan.data ?? [])].sort(
    (a, b) =>
      a.command.buildingId.localeCompare(b.command.buildingId) ||
      a.command.revision - b.command.revision ||
      a.command.kind.localeCompare(b.command.kind),
  );
  if (commands.length === 0) return null;
  return (
    <div class="card" data-testid="commands">
      <h2>Commands and answers</h2>
      <table class="data">
        <thead>
          <tr>
            <th>Building</th>
            <th class="num">Revision</th>
            <th>Command</th>
            <th class="num">Up to</th>
            <th>Answer</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {commands.map(({ command: c, status, reason }) => (
            <tr
              key={c.commandId}
              data-testid="command-row"
              data-building-id={c.buildingId}
              data-status={status}
            >
              <td>{c.buildingId}</td>
              <td class="num">{c.revision}</td>
              <td>
                {c.kind === 'DISPATCH'
                  ? [...new Set(c.assets.map((a) => a.action))].join(' + ')
                  : c.kind.toLowerCase()}
              </td>
              <td class="num">{c.kind === 'DISPATCH' ? formatKw(Math.max(0, ...c.responseKw), 1) : '–'}</td>
              <td>{ANSWER_LABEL[status]}</td>
              <td class="muted">{reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * What the plan expects after a peak-shaving window: the batteries' and tanks' recovery the commands
 * carry and the rebound of curtailed loads, kW per interval from the window's end.
 */
function AfterWindow(props: { after: NonNullable<PlanView['after']>; end: string; intervalMinutes: number }) {
  const { after, intervalMinutes } = props;
  const endMs = Date.parse(props.end);
  const starts = after.recoveryKw.map((_, t) => endMs + t * intervalMinutes * 60_000);
  const kwh = (kw: number[]) => kw.reduce((s, v) => s + v, 0) * (intervalMinutes / 60);
  const recovered = kwh(after.recoveryKw);
  const rebound = kwh(after.reboundKw);
  if (recovered === 0 && rebound === 0 && after.unrecoveredKwh === 0) return null;
  return (
    <div
      class="card"
      data-testid="after-window"
      data-recovery-kwh={recovered.toFixed(3)}
      data-rebound-kwh={rebound.toFixed(3)}
    >
      <h2>After the window</h2>
      <p class="muted">
        Recovery commanded {formatNumber(recovered)} kWh (batteries and tanks take back what they gave, within
        the program's recovery window and import margin) · rebound expected {formatNumber(rebound)} kWh
        {after.unrecoveredKwh > 0 &&
          ` · ${formatNumber(after.unrecoveredKwh)} kWh left to the assets' own rules`}
      </p>
      <Chart
        starts={starts}
        intervalMinutes={intervalMinutes}
        height={200}
        testId="after-chart"
        series={[
          { label: 'Recovery', color: '#7c3aed', values: after.recoveryKw, fill: true },
          { label: 'Rebound', color: '#b45309', dash: [6, 4], values: after.reboundKw },
        ]}
      />
    </div>
  );
}

function Count({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div class="figure">
      <span class="muted">{label}</span>
      <strong data-testid={testId} data-value={value}>
        {value}
      </strong>
    </div>
  );
}

function CancelButton({ path, onDone }: { path: string; onDone: () => void }) {
  return (
    <PostButton
      path={`${path}/cancel`}
      onDone={onDone}
      confirm="Cancel this event? Every building receives a cancellation."
      label="Cancel event"
      busyLabel="Cancelling…"
      danger
      testId="cancel-event"
    />
  );
}

/** A button that POSTs to `path` (after `confirm`, when given), shows the error if any, then `onDone`. */
function PostButton(props: {
  path: string;
  onDone: () => void;
  label: string;
  busyLabel: string;
  testId: string;
  confirm?: string;
  danger?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    setError(null);
    try {
      await api(props.path, { method: 'POST' });
      props.onDone();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <p>
      <button
        type="button"
        class={props.danger ? 'danger' : undefined}
        disabled={busy}
        onClick={run}
        data-testid={props.testId}
      >
        {busy ? props.busyLabel : props.label}
      </button>
      {error && <span class="error"> {error}</span>}
    </p>
  );
}

function Delivery({ view }: { view: DeliveryView }) {
  const rows = deliveryRows(view);
  const starts = rows.map((r) => Date.parse(r.start));
  const delivered = rows.filter((r) => r.values.deliveredKw !== null).length;
  const hasTarget = rows.some((r) => r.values.targetKw !== null);
  const values = (pick: (v: DeliveryRow['values']) => number | null) => rows.map((r) => pick(r.values));
  return (
    <div
      class="card"
      data-testid="delivery"
      data-intervals={rows.length}
      data-delivered-intervals={delivered}
      data-buildings={view.buildings}
    >
      <h2>Delivery</h2>
      <p class="muted" data-testid="delivery-definition">
        Delivered is the response against the program's contractual baseline ({view.measuredAgainst.baseline}{' '}
        of {view.measuredAgainst.programId}), the one settlement pays on, over the {view.buildings} buildings
        that acknowledged their command · {delivered} of {rows.length} intervals metered
        {view.awaitingAnswer > 0 && ` · ${view.awaitingAnswer} buildings not measured until they answer`}
        {view.meanDeliveredKw !== null && ` · ${formatKw(view.meanDeliveredKw, 1)} on average over the event`}
      </p>
      {view.unmeasured.length > 0 && (
        <div class="warning" data-testid="delivery-unmeasured">
          Not measured yet ({view.unmeasured.length}):
          <ul>
            {view.unmeasured.map((u) => (
              <li key={u.buildingId}>
                {u.buildingId}: {u.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      <h3>Response (kW {view.type === 'PEAK_SHAVING' ? 'less' : 'more'} import, axis from 0)</h3>
      <Chart
        starts={starts}
        intervalMinutes={view.intervalMinutes}
        testId="delivery-chart"
        series={[
          { label: 'Planned', color: '#1d4ed8', values: values((v) => v.plannedKw) },
          { label: 'Delivered', color: '#15803d', values: values((v) => v.deliveredKw), fill: true },
          // Last, so that it is drawn above an equal planned line.
          ...(hasTarget
            ? [{ label: 'Target', color: '#111827', dash: [6, 4], values: values((v) => v.targetKw) }]
            : []),
        ]}
      />
      <h3>Load at the meters: contractual baseline against metered (kW, axis not from 0)</h3>
      <Chart
        starts={starts}
        intervalMinutes={view.intervalMinutes}
        height={200}
        fromZero={false}
        testId="load-chart"
        series={[
          { label: 'Baseline', color: '#6b7280', dash: [6, 4], values: values((v) => v.baselineKw) },
          { label: 'Metered', color: '#c2410c', values: values((v) => v.meteredKw) },
          {
            label: 'Planning baseline',
            color: '#a1a1aa',
            dash: [2, 3],
            values: values((v) => v.planningBaselineKw),
          },
        ]}
      />
      <p class="muted">
        The planning baseline is what the plan assumed the load would be when it sized the commands; delivery
        is not measured against it.
      </p>
      <table class="data" data-testid="delivery-table">
        <thead>
          <tr>
            <th>Interval</th>
            {hasTarget && <th class="num">Target</th>}
            <th class="num">Planned</th>
            <th class="num">Baseline</th>
            <th class="num">Metered</th>
            <th class="num">Delivered</th>
            <th class="num">Planning baseline</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.start} data-testid="delivery-row" data-delivered={r.values.deliveredKw ?? ''}>
              <td>{r.time}</td>
              {hasTarget && <td class="num">{r.shown.target}</td>}
              <td class="num">{r.shown.planned}</td>
              <td class="num">{r.shown.baseline}</td>
              <td class="num">{r.shown.metered}</td>
              <td class="num">{r.shown.delivered}</td>
              <td class="num muted">{r.shown.planningBaseline}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The settlement: the latest revision or an earlier one (audit), the buildings still awaiting data
 * and why, those settled at the deadline without it, and, for operators, a re-run.
 */
function Performance(props: { path: string; latest: number; onReevaluated: () => void }) {
  const { path, latest } = props;
  const { isOperator } = useApp();
  const [revision, setRevision] = useState(latest);
  const performance = useLoad(
    () => api<PerformanceView>(`${path}/performance${revision === latest ? '' : `?revision=${revision}`}`),
    `${path}#${revision}`,
  );
  if (performance.error) return <p class="error">{performance.error}</p>;
  const p = performance.data;
  if (!p) return <p class="muted">Loading settlement…</p>;
  const impacts = p.parks.map((park) => park.impact);
  const total = totalImpact(impacts);
  return (
    <div
      class="card"
      data-testid="performance"
      data-revision={p.revision}
      data-awaiting={p.awaitingData.length}
    >
      <h2>
        Settlement{' '}
        <select
          value={revision}
          onChange={(e) => setRevision(Number(e.currentTarget.value))}
          data-testid="settlement-revision"
        >
          {Array.from({ length: latest }, (_, i) => latest - i).map((r) => (
            <option key={r} value={r}>
              revision {r}
              {r === latest ? ' (latest)' : ''}
            </option>
          ))}
        </select>
      </h2>
      {isOperator && <ReevaluateButton path={path} onDone={props.onReevaluated} />}
      {p.awaitingData.length > 0 && <AwaitingData view={p} />}
      {p.parks.length === 0 && <p class="muted">No building of this event is settled yet.</p>}
      {p.parks.length > 0 && (
        <p data-testid="settled-delivery" data-mean-delivered={p.delivery.meanDeliveredKw ?? ''}>
          {settledDeliveryLine(p.delivery)}
        </p>
      )}
      {total && (
        <p data-testid="event-impact" data-saved-yuan={total.energyCostSavedYuan}>
          Energy cost {formatEnergyCost(total)} · valley energy absorbed{' '}
          {formatNumber(total.valleyEnergyAbsorbedKwh, 1)} kWh · CO₂ avoided{' '}
          {formatNumber(total.tco2Avoided, 3)} t
        </p>
      )}
      <table class="data" hidden={p.parks.length === 0}>
        <thead>
          <tr>
            <th>Park</th>
            <SettlementHeadings />
            {total && <ImpactHeadings />}
          </tr>
        </thead>
        <tbody>
          {p.parks.map((park) => (
            <tr key={park.parkId} data-testid="performance-park">
              <td>{park.parkId}</td>
              <SettlementCells s={park} />
              {total && <ImpactCells impact={park.impact} />}
            </tr>
          ))}
        </tbody>
      </table>
      <PlaceholderNote impacts={impacts} />
      <h3 hidden={p.buildings.length === 0}>Buildings</h3>
      <table class="data" hidden={p.buildings.length === 0}>
        <thead>
          <tr>
            <th>Building</th>
            <th class="num">Declared</th>
            <th class="num">Delivered</th>
            <th class="num">Ratio</th>
            <th class="num">Paid on</th>
            <th class="num">Net</th>
          </tr>
        </thead>
        <tbody>
          {p.buildings.map((b) => (
            <tr key={b.buildingId} data-testid="performance-building">
              <td>
                {b.buildingId} <span class="muted">{b.parkId}</span>
              </td>
              <td class="num">{formatKw(b.declaredKw, 1)}</td>
              <td class="num">{formatKw(b.deliveredKw, 1)}</td>
              <td class="num">{formatPercent(b.ratio)}</td>
              <td class="num">{formatKw(b.paidKw, 1)}</td>
              <td class="num">{formatYuan(b.netYuan)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.settledWithoutData.length > 0 && (
        <p class="muted" data-testid="settled-without-data">
          Settled at the deadline without their data:{' '}
          {p.settledWithoutData.map((w) => `${w.buildingId} as ${w.settledAs} (${w.reason})`).join('; ')}
        </p>
      )}
    </div>
  );
}

const NEEDS_LABEL = { calendar: 'the working calendar', readings: 'meter readings' } as const;

/** Buildings whose settlement waits for data, what would complete it, and until when. */
function AwaitingData({ view }: { view: PerformanceView }) {
  return (
    <div data-testid="awaiting-data">
      <h3>Awaiting data</h3>
      <p class="muted">
        Not settled yet, never at ¥0: each settles by itself when its data arrives
        {view.dataDeadline
          ? `; what is still missing on ${formatDateTime(view.dataDeadline)} is settled as the program says`
          : ''}
        .
      </p>
      <table class="data">
        <thead>
          <tr>
            <th>Building</th>
            <th>Waits for</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {view.awaitingData.map((a) => (
            <tr key={a.buildingId} data-testid="awaiting-building" data-needs={a.needs}>
              <td>
                {a.buildingId} <span class="muted">{a.parkId}</span>
              </td>
              <td>
                {NEEDS_LABEL[a.needs]}
                {a.calendarYear !== undefined && (
                  <>
                    {' '}
                    <a href="#/calendar">{a.calendarYear}</a>
                  </>
                )}
              </td>
              <td>{a.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReevaluateButton({ path, onDone }: { path: string; onDone: () => void }) {
  return (
    <PostButton
      path={`${path}/evaluation`}
      onDone={onDone}
      label="Evaluate again (new revision)"
      busyLabel="Evaluating…"
      testId="reevaluate-event"
    />
  );
}
