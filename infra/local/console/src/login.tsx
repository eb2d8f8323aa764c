/** The login page: one button per local identity; a click gets a development token. */
import { useState } from 'preact/hooks';
import { type Identity, local, type Session } from './api.ts';
import { useLoad } from './hooks.ts';

export function Login({ onLogin }: { onLogin: (session: Session) => void }) {
  const identities = useLoad(local.identities, 'identities');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const login = async (identity: Identity) => {
    setBusy(identity.label);
    setError(null);
    try {
      const { token, expiresAt } = await local.token(identity.request);
      onLogin({ token, expiresAt, label: identity.label, request: identity.request });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <main class="login">
      <h1>FlexDR console</h1>
      <p class="muted">Local development: choose who to be. Each choice signs a development token.</p>
      {identities.error && <p class="error">{identities.error}</p>}
      <ul class="identities" data-testid="identities">
        {identities.data?.map((identity) => (
          <li key={identity.label}>
            <button
              type="button"
              data-testid="identity"
              data-role={identity.request.role}
              disabled={busy !== null}
              onClick={() => login(identity)}
            >
              <strong>{identity.label}</strong>
              <span class="muted">{describeBindings(identity)}</span>
            </button>
          </li>
        ))}
      </ul>
      {error && <p class="error">{error}</p>}
    </main>
  );
}

export const ROLE_LABEL = { operator: 'Grid operator', parkManager: 'Park manager', bms: 'BMS' } as const;

/** The role and what it is bound to, for example `Park manager · parks baotou-rare-earth`. */
export function describeBindings({ request }: Pick<Identity, 'request'>): string {
  const parts: string[] = [ROLE_LABEL[request.role]];
  if (request.role === 'operator') parts.push('all parks');
  if (request.parkIds?.length) parts.push(`parks ${request.parkIds.join(', ')}`);
  const buildings = request.buildingIds ?? [];
  if (buildings.length > 3) parts.push(`${buildings.length} buildings`);
  else if (buildings.length > 0) parts.push(`buildings ${buildings.join(', ')}`);
  return parts.join(' · ');
}
