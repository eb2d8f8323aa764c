/** The header: who is logged in, the simulation clock with its buttons, and the navigation. */
import { useState } from 'preact/hooks';
import { type ClockView, local, type Session } from './api.ts';
import { formatDateTime } from './format.ts';
import { describeBindings } from './login.tsx';

interface Props {
  session: Session;
  clock: ClockView | undefined;
  onClockChanged: () => void;
  onLogout: () => void;
  page: string;
}

const PAGES = [
  { path: 'parks', label: 'Parks', roles: ['operator', 'parkManager'] },
  { path: 'flexibility', label: 'Flexibility', roles: ['operator', 'parkManager'] },
  { path: 'events', label: 'Events', roles: ['operator', 'parkManager'] },
  { path: 'settlements', label: 'Settlements', roles: ['operator', 'parkManager'] },
  { path: 'calendar', label: 'Calendar', roles: ['operator', 'parkManager'] },
  { path: 'buildings', label: 'Buildings', roles: ['bms'] },
] as const;

export function Header({ session, clock, onClockChanged, onLogout, page }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const advance = async (minutes: number) => {
    setBusy(true);
    setError(null);
    try {
      await local.changeClock({ advanceMinutes: minutes });
      onClockChanged();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <header class="top">
      <div class="brand">
        <a href="#/">FlexDR</a>
      </div>
      <nav>
        {PAGES.filter((p) => (p.roles as readonly string[]).includes(session.request.role)).map((p) => (
          <a
            key={p.path}
            href={`#/${p.path}`}
            class={page === p.path ? 'active' : ''}
            data-testid={`nav-${p.path}`}
          >
            {p.label}
          </a>
        ))}
      </nav>
      <div class="clock" data-testid="clock" data-now={clock?.now}>
        <span class="muted">sim</span> <strong>{clock ? formatDateTime(clock.now) : '…'}</strong>
        {clock && clock.speed > 0 && <span class="muted"> ×{clock.speed}</span>}
        <button type="button" disabled={busy} onClick={() => advance(15)} data-testid="advance-15">
          +15 min
        </button>
        <button type="button" disabled={busy} onClick={() => advance(60)} data-testid="advance-60">
          +1 h
        </button>
        {busy && (
          <span class="muted" data-testid="clock-busy">
            advancing…
          </span>
        )}
        {error && <span class="error">{error}</span>}
      </div>
      <div class="who" data-testid="who" data-role={session.request.role}>
        <strong>{session.label}</strong>
        <span class="muted" data-testid="bindings">
          {describeBindings(session)}
        </span>
        <button type="button" class="link" data-testid="logout" onClick={onLogout}>
          Log out
        </button>{' '}
      </div>
    </header>
  );
}
