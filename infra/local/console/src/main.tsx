/** The FlexDR console: log in as a local identity, then parks, flexibility, events and settlements. */
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  type ClockView,
  loadSession,
  local,
  type Session,
  saveSession,
  setUnauthorizedHandler,
} from './api.ts';
import { CalendarPage } from './calendar.tsx';
import { App } from './context.ts';
import { EventDetail } from './event-detail.tsx';
import { EventsPage } from './events.tsx';
import { FlexibilityPage } from './flexibility.tsx';
import { Header } from './header.tsx';
import { navigate, useHashRoute, useLoad } from './hooks.ts';
import { Login } from './login.tsx';
import { BuildingDetail, ParksPage } from './parks.tsx';
import { SettlementsPage } from './settlements.tsx';

const CLOCK_POLL_MS = 2_000;

function Console() {
  const [session, setSession] = useState(loadSession);
  const route = useHashRoute();

  const logout = useCallback(() => {
    saveSession(null);
    setSession(null);
    navigate('');
  }, []);
  useEffect(() => setUnauthorizedHandler(logout), [logout]);

  const login = (s: Session) => {
    saveSession(s);
    setSession(s);
    navigate(s.request.role === 'bms' ? 'buildings' : 'parks');
  };

  if (!session) return <Login onLogin={login} />;
  return <LoggedIn session={session} route={route} onLogout={logout} />;
}

function LoggedIn({ session, route, onLogout }: { session: Session; route: string[]; onLogout: () => void }) {
  const clock = useLoad<ClockView>(local.clock, 'clock', CLOCK_POLL_MS);
  const now = clock.data ? Date.parse(clock.data.now) : null;
  const [page = '', id] = route;
  return (
    <App.Provider value={{ session, now, isOperator: session.request.role === 'operator' }}>
      <Header
        session={session}
        clock={clock.data}
        onClockChanged={clock.reload}
        onLogout={onLogout}
        page={page}
      />
      <main class="page">{content(session, page, id)}</main>
    </App.Provider>
  );
}

function content(session: Session, page: string, id: string | undefined) {
  if (page === 'buildings' && id) return <BuildingDetail buildingId={id} />;
  if (session.request.role === 'bms') return <BmsBuildings session={session} />;
  if (page === 'flexibility') return <FlexibilityPage />;
  if (page === 'events' && id) return <EventDetail eventId={id} />;
  if (page === 'events') return <EventsPage />;
  if (page === 'settlements') return <SettlementsPage />;
  if (page === 'calendar') return <CalendarPage />;
  return <ParksPage />;
}

/** A BMS may read only its own buildings, which its token names. */
function BmsBuildings({ session }: { session: Session }) {
  const ids = session.request.buildingIds ?? [];
  return (
    <section>
      <h1>Your buildings</h1>
      <ul>
        {ids.map((id) => (
          <li key={id}>
            <a href={`#/buildings/${encodeURIComponent(id)}`}>{id}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}

const root = document.getElementById('app');
if (root) render(<Console />, root);
