/** Small hooks: the hash route, and loading (optionally polling) an API answer. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** The part of the URL after `#`, without the leading `/`, split on `/`. */
export function useHashRoute(): string[] {
  const read = () =>
    window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(path: string): void {
  window.location.hash = `#/${path}`;
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `load()` when `key` changes, and again every `pollMs` while `pollMs` is set. Answers that
 * arrive after the key changed are dropped, and a poll never overlaps the previous one.
 */
export function useLoad<T>(load: () => Promise<T>, key: string, pollMs?: number): Loaded<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: string; loading: boolean }>({
    key,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // `generation` is in the dependencies only to reload on demand.
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const data = await loadRef.current();
        if (live) setState({ key, data, loading: false });
      } catch (e) {
        if (live) setState((s) => ({ ...s, key, error: (e as Error).message, loading: false }));
      }
      if (live && pollMs) timer = setTimeout(run, pollMs);
    };
    setState((s) => (s.key === key ? { ...s, loading: true } : { key, loading: true }));
    void run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, pollMs, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: state.loading,
    reload,
  };
}
