/**
 * The working calendar (`GET /calendars`): every year held, entered or seeded from chinese-days,
 * and, for an operator, the form that enters or amends a year (`PUT /calendars/{year}`) from the
 * State Council's notice. Events waiting for that year settle as soon as it is saved.
 */
import { useState } from 'preact/hooks';
import { api, type CalendarView, type CalendarYear, type CalendarYearSaved } from './api.ts';
import { useApp } from './context.ts';
import { formatDateTime } from './format.ts';
import { useLoad } from './hooks.ts';

const loadCalendar = () => api<CalendarView>('/calendars');

export function CalendarPage() {
  const { isOperator } = useApp();
  const calendar = useLoad(loadCalendar, 'calendar');
  const [editing, setEditing] = useState<number | null>(null);
  const [saved, setSaved] = useState<CalendarYearSaved | null>(null);
  if (calendar.error) return <p class="error">{calendar.error}</p>;
  if (!calendar.data) return <p class="muted">Loading the calendar…</p>;
  const years = [...calendar.data.years].reverse();
  const next = (calendar.data.lastYear ?? new Date().getUTCFullYear()) + 1;
  const chosen = editing === null ? undefined : calendar.data.years.find((y) => y.year === editing);
  return (
    <section data-testid="calendar">
      <h1>Working calendar</h1>
      <p class="muted">
        Holidays and adjusted working days (调休) by year, from {calendar.data.firstYear} to{' '}
        {calendar.data.lastYear}. Baselines of a year not listed here wait for it: nothing is guessed.
      </p>
      {isOperator && (
        <p>
          <button type="button" onClick={() => setEditing(next)} data-testid="calendar-add-year">
            Enter {next}
          </button>
        </p>
      )}
      {isOperator && editing !== null && (
        <CalendarYearForm
          key={editing}
          year={editing}
          current={chosen}
          onSaved={(result) => {
            setSaved(result);
            setEditing(null);
            calendar.reload();
          }}
        />
      )}
      {saved && (
        <p class="muted" data-testid="calendar-saved">
          Saved {saved.calendar.year} as v{saved.calendar.version}; re-evaluating {saved.reevaluating.length}{' '}
          event(s) that were awaiting it
          {saved.reevaluating.length > 0 ? `: ${saved.reevaluating.join(', ')}` : ''}.
        </p>
      )}
      <table class="data" data-testid="calendar-years">
        <thead>
          <tr>
            <th>Year</th>
            <th>Version</th>
            <th>Source</th>
            <th class="num">Holidays</th>
            <th class="num">Worked weekend days</th>
            <th>Updated</th>
            {isOperator && <th />}
          </tr>
        </thead>
        <tbody>
          {years.map((y) => (
            <tr key={y.year} data-testid="calendar-year" data-year={y.year}>
              <td>{y.year}</td>
              <td>{y.version === 0 ? 'seeded' : `v${y.version}`}</td>
              <td>{y.source}</td>
              <td class="num">{y.holidays.length}</td>
              <td class="num">{y.workdays.length}</td>
              <td>{y.updatedAt ? `${formatDateTime(y.updatedAt)} by ${y.updatedBy ?? '?'}` : '–'}</td>
              {isOperator && (
                <td>
                  <button type="button" onClick={() => setEditing(y.year)} data-testid="calendar-edit">
                    Edit
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Dates typed one per line, or separated by commas or spaces. */
const datesOf = (text: string) => text.split(/[\s,]+/).filter(Boolean);

function CalendarYearForm(props: {
  year: number;
  current: CalendarYear | undefined;
  onSaved: (result: CalendarYearSaved) => void;
}) {
  const { year, current } = props;
  const [source, setSource] = useState(current && current.version > 0 ? current.source : '');
  const [holidays, setHolidays] = useState((current?.holidays ?? []).join('\n'));
  const [workdays, setWorkdays] = useState((current?.workdays ?? []).join('\n'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await api<CalendarYearSaved>(`/calendars/${year}`, {
        method: 'PUT',
        body: { source, holidays: datesOf(holidays), workdays: datesOf(workdays) },
      });
      props.onSaved(result);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} data-testid="calendar-form">
      <h2>
        {year}{' '}
        {current ? (
          <span class="muted">(now {current.version === 0 ? 'seeded' : `v${current.version}`})</span>
        ) : null}
      </h2>
      <label>
        Source (the notice, e.g. 国办发明电〔…〕N号)
        <input
          value={source}
          onInput={(e) => setSource(e.currentTarget.value)}
          required
          data-testid="calendar-source"
        />
      </label>
      <label>
        Holidays: every day off of each holiday block, one date (YYYY-MM-DD) per line
        <textarea
          rows={8}
          value={holidays}
          onInput={(e) => setHolidays(e.currentTarget.value)}
          data-testid="calendar-holidays"
        />
      </label>
      <label>
        Adjusted working days (调休): the Saturdays and Sundays worked
        <textarea
          rows={4}
          value={workdays}
          onInput={(e) => setWorkdays(e.currentTarget.value)}
          data-testid="calendar-workdays"
        />
      </label>
      <button type="submit" disabled={busy} data-testid="calendar-save">
        Save {year}
      </button>
      {error && (
        <p class="error" data-testid="calendar-error">
          {error}
        </p>
      )}
    </form>
  );
}
