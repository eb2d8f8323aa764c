/**
 * Events: an operator's list (`GET /events`) and the form that issues one; a park manager has no
 * list route, so their events are gathered from their buildings' commands.
 */
import { useState } from 'preact/hooks';
import {
  all,
  api,
  type Building,
  type CommandRecord,
  type Direction,
  type EventListItem,
  type EventStatus,
  type Page,
  type Park,
} from './api.ts';
import { useApp } from './context.ts';
import { queryFlexibility } from './flexibility.tsx';
import {
  ceilQuarter,
  DIRECTION_HANZI,
  DIRECTION_LABEL,
  formatDateTime,
  formatKw,
  formatWindow,
  HOUR_MS,
  QUARTER_MS,
} from './format.ts';
import { navigate, useLoad } from './hooks.ts';
import { loadParks } from './parks.tsx';

export function EventsPage() {
  const { isOperator } = useApp();
  return isOperator ? (
    <section data-testid="events">
      <h1>Events</h1>
      <IssueEventForm />
      <OperatorEventList />
    </section>
  ) : (
    <section data-testid="events">
      <h1>Events</h1>
      <ParkManagerEventList />
    </section>
  );
}

export function StatusBadge({ status }: { status: EventStatus }) {
  return (
    <span class={`badge status-${status}`} data-testid="event-status" data-status={status}>
      {status}
    </span>
  );
}

function OperatorEventList() {
  const events = useLoad(() => api<Page<EventListItem>>('/events?limit=50'), 'events', 3_000);
  if (events.error && !events.data) return <p class="error">{events.error}</p>;
  const items = events.data?.items ?? [];
  return (
    <div class="card">
      <h2>Issued events</h2>
      {events.data && items.length === 0 && <p class="muted">No events yet.</p>}
      {items.length > 0 && (
        <table class="data" data-testid="event-list">
          <thead>
            <tr>
              <th>Event</th>
              <th>Type</th>
              <th>Window</th>
              <th>Scope</th>
              <th class="num">Peak target</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {items.map(({ event, status, revision }) => (
              <tr key={event.eventId} data-testid="event-row" data-event-id={event.eventId}>
                <td>
                  <a href={`#/events/${encodeURIComponent(event.eventId)}`}>{event.eventId}</a>
                  {revision > 1 && <span class="muted"> r{revision}</span>}
                </td>
                <td>
                  <DirectionName type={event.type} />
                </td>
                <td>{formatWindow(event.start, event.end)}</td>
                <td>{describeScope(event.scope)}</td>
                <td class="num">{formatKw(Math.max(...event.targetsKw))}</td>
                <td>
                  <StatusBadge status={status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** An event's type in English and in the words of China's grid operators. */
function DirectionName({ type }: { type: Direction }) {
  return (
    <>
      {DIRECTION_LABEL[type]}{' '}
      <span lang="zh-CN" data-testid="direction-hanzi">
        {DIRECTION_HANZI[type]}
      </span>
    </>
  );
}

/** A scope in a few words: its parks and zones, counts of feeders and buildings. */
export function describeScope(scope: EventListItem['event']['scope']): string {
  const parts = [
    ...(scope.parkIds ?? []),
    ...(scope.zones ?? []).map((z) => `zone ${z}`),
    ...(scope.feederIds?.length ? [`${scope.feederIds.length} feeders`] : []),
    ...(scope.buildingIds?.length ? [`${scope.buildingIds.length} buildings`] : []),
  ];
  return parts.join(', ');
}

interface DerivedEvent {
  eventId: string;
  direction: Direction;
  start: string;
  intervals: number;
  intervalMinutes: number;
  buildings: Set<string>;
}

/** A park manager's events: distinct event ids among the latest commands of their buildings. */
async function loadParkManagerEvents(): Promise<DerivedEvent[]> {
  const parks = await loadParks();
  const buildings = (
    await Promise.all(parks.map((p: Park) => all<Building>(`/parks/${p.parkId}/buildings`)))
  ).flat();
  const pages = await Promise.all(
    buildings.map((b) =>
      api<Page<CommandRecord>>(`/buildings/${encodeURIComponent(b.buildingId)}/commands?limit=50`),
    ),
  );
  const events = new Map<string, DerivedEvent>();
  for (const { command } of pages.flatMap((p) => p.items)) {
    if (command.kind !== 'DISPATCH') continue;
    const known = events.get(command.eventId);
    if (known) {
      known.buildings.add(command.buildingId);
      if (command.start < known.start) known.start = command.start;
      continue;
    }
    events.set(command.eventId, {
      eventId: command.eventId,
      direction: command.direction,
      start: command.start,
      intervals: command.responseKw.length,
      intervalMinutes: command.intervalMinutes,
      buildings: new Set([command.buildingId]),
    });
  }
  return [...events.values()].sort((a, b) => b.start.localeCompare(a.start));
}

function ParkManagerEventList() {
  const events = useLoad(loadParkManagerEvents, 'pm-events', 10_000);
  if (events.error && !events.data) return <p class="error">{events.error}</p>;
  if (!events.data) return <p class="muted">Gathering your buildings' commands…</p>;
  return (
    <div class="card">
      <p class="muted">
        Events that sent commands to your buildings (from each building's latest 50 commands).
      </p>
      {events.data.length === 0 && <p class="muted">No events have reached your buildings.</p>}
      {events.data.length > 0 && (
        <table class="data" data-testid="event-list">
          <thead>
            <tr>
              <th>Event</th>
              <th>Type</th>
              <th>Start</th>
              <th class="num" title="Your buildings that received a command of the event, in any revision">
                Your buildings commanded
              </th>
            </tr>
          </thead>
          <tbody>
            {events.data.map((e) => (
              <tr key={e.eventId} data-testid="event-row" data-event-id={e.eventId}>
                <td>
                  <a href={`#/events/${encodeURIComponent(e.eventId)}`}>{e.eventId}</a>
                </td>
                <td>
                  <DirectionName type={e.direction} />
                </td>
                <td>{formatDateTime(e.start)}</td>
                <td class="num">{e.buildings.size}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

const SLOTS = 96;

/** A readable default id: type, China-time start and a suffix drawn once per form. */
function defaultEventId(type: Direction, startMs: number, suffix: string): string {
  const local = new Date(startMs + 8 * HOUR_MS).toISOString();
  const stamp = `${local.slice(0, 10).replaceAll('-', '')}-${local.slice(11, 16).replace(':', '')}`;
  return `${type === 'PEAK_SHAVING' ? 'peak' : 'valley'}-${stamp}-${suffix}`;
}

function IssueEventForm() {
  const { now } = useApp();
  const parks = useLoad(loadParks, 'parks');
  const [type, setType] = useState<Direction>('PEAK_SHAVING');
  const [chosenStart, setChosenStart] = useState<number | null>(null);
  const [hours, setHours] = useState(1);
  const [targetKw, setTargetKw] = useState(100);
  const [programId, setProgramId] = useState('mengxi-dr-2026');
  const [editedId, setEditedId] = useState<string | null>(null);
  const [suffix] = useState(() => Math.random().toString(36).slice(2, 6));
  const [parkIds, setParkIds] = useState<string[] | null>(null);
  const [busy, setBusy] = useState<'flex' | 'submit' | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (now === null) return <p class="muted">Waiting for the simulation clock…</p>;
  // The default start is the first quarter hour at least 15 minutes ahead, and follows the clock.
  const defaultStart = ceilQuarter(now + QUARTER_MS);
  const start = chosenStart !== null && chosenStart >= ceilQuarter(now) ? chosenStart : defaultStart;
  const slots = Array.from({ length: SLOTS }, (_, i) => ceilQuarter(now) + i * QUARTER_MS);
  const scope = parkIds ?? (parks.data?.[0] ? [parks.data[0].parkId] : []);
  const eventId = editedId ?? defaultEventId(type, start, suffix);
  const intervals = Math.round((hours * HOUR_MS) / QUARTER_MS);

  const suggest = async () => {
    setBusy('flex');
    setError(null);
    try {
      const view = await queryFlexibility(scope, start, hours);
      const lowest = Math.min(...view.total[type].kw);
      setTargetKw(Math.floor(0.6 * lowest));
      setNote(
        `60 % of ${formatKw(lowest)}, the lowest interval's available ${DIRECTION_LABEL[type].toLowerCase()}`,
      );
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy('submit');
    setError(null);
    try {
      await api('/events', {
        method: 'POST',
        body: {
          eventId,
          programId,
          type,
          start: new Date(start).toISOString(),
          end: new Date(start + hours * HOUR_MS).toISOString(),
          intervalMinutes: 15,
          targetsKw: Array.from({ length: intervals }, () => targetKw),
          scope: { parkIds: scope },
          noticeAt: new Date(Math.min(now, start)).toISOString(),
        },
      });
      navigate(`events/${encodeURIComponent(eventId)}`);
    } catch (err) {
      setError((err as Error).message);
      setBusy(null);
    }
  };

  return (
    <form class="card event-form" onSubmit={submit} data-testid="event-form">
      <h2>Issue an event</h2>
      <div class="grid">
        <label>
          Event id
          <input
            value={eventId}
            onInput={(e) => setEditedId(e.currentTarget.value)}
            data-testid="form-event-id"
          />
        </label>
        <label>
          Program
          <input value={programId} onInput={(e) => setProgramId(e.currentTarget.value)} />
        </label>
        <label>
          Type
          <select
            value={type}
            onChange={(e) => setType(e.currentTarget.value as Direction)}
            data-testid="form-type"
          >
            <option value="PEAK_SHAVING">Peak shaving (削峰)</option>
            <option value="VALLEY_FILLING">Valley filling (填谷)</option>
          </select>
        </label>
        <label>
          Start (China time)
          <select
            value={start}
            onChange={(e) => setChosenStart(Number(e.currentTarget.value))}
            data-testid="form-start"
          >
            {slots.map((s) => (
              <option key={s} value={s}>
                {formatDateTime(s)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Duration (h)
          <input
            type="number"
            min={0.25}
            max={48}
            step={0.25}
            value={hours}
            onInput={(e) => setHours(Number(e.currentTarget.value) || 1)}
            data-testid="form-hours"
          />
        </label>
        <label>
          Target (kW, every interval)
          <input
            type="number"
            min={0}
            step={1}
            value={targetKw}
            onInput={(e) => setTargetKw(Number(e.currentTarget.value) || 0)}
            data-testid="form-target"
          />
        </label>
      </div>
      <fieldset>
        <legend>Scope: parks</legend>
        {parks.data?.map((p) => (
          <label key={p.parkId} class="check">
            <input
              type="checkbox"
              checked={scope.includes(p.parkId)}
              data-testid="form-park"
              data-park-id={p.parkId}
              onChange={(e) =>
                setParkIds(
                  e.currentTarget.checked ? [...scope, p.parkId] : scope.filter((id) => id !== p.parkId),
                )
              }
            />{' '}
            {p.name} <span class="muted">{p.parkId}</span>
          </label>
        ))}
      </fieldset>
      <div class="actions">
        <button
          type="button"
          onClick={suggest}
          disabled={busy !== null || scope.length === 0}
          data-testid="form-suggest"
        >
          {busy === 'flex' ? 'Computing…' : 'Use 60 % of available flexibility'}
        </button>
        <button
          type="submit"
          class="primary"
          disabled={busy !== null || scope.length === 0}
          data-testid="form-submit"
        >
          {busy === 'submit' ? 'Issuing…' : 'Issue event'}
        </button>
        <span class="muted">
          {intervals} intervals of 15 min, notice at sim now ({formatDateTime(now)})
        </span>
      </div>
      {note && (
        <p class="muted" data-testid="form-note">
          {note}
        </p>
      )}
      {error && (
        <p class="error" data-testid="form-error">
          {error}
        </p>
      )}
    </form>
  );
}
