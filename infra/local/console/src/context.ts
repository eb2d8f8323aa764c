/** What every page may need: who is logged in, and the simulation clock. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './api.ts';

export interface AppContext {
  session: Session;
  /** Simulation time, epoch ms; null until the first answer of `/local/clock`. */
  now: number | null;
  isOperator: boolean;
}

export const App = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const app = useContext(App);
  if (!app) throw new Error('useApp outside the logged-in app');
  return app;
}
