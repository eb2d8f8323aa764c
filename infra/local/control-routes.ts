/**
 * The runtime's own routes under `/local/` (never deployed), one table: who one can log in as,
 * development tokens, the simulation clock, recent bus traffic, pending schedules and BMS
 * integrations. Every route but the first three wants a valid development token.
 */
import type { Deps } from '../../lib/app/config.ts';
import type { LocalBus } from './bus.ts';
import type { SimulationClock } from './clock.ts';
import { DevTokens } from './dev-tokens.ts';
import type { LocalReply, LocalRequest } from './gateway.ts';
import type { LocalIntegrations } from './integrations.ts';
import { ClockChange, type Identity, TokenRequest } from './local-api.ts';
import type { LocalSchedules } from './schedules.ts';
import { allParks, SIM_INTEGRATION, simBuildings } from './seeding.ts';
import type { TimeDriver } from './time-driver.ts';

export interface ControlContext {
  deps: Pick<Deps, 'parks' | 'buildings'>;
  tokens: DevTokens;
  clock: SimulationClock;
  time: TimeDriver;
  bus: LocalBus;
  schedules: LocalSchedules;
  integrations: LocalIntegrations;
}

interface ControlRoute {
  method: 'GET' | 'POST' | 'PUT';
  /** The path, or a pattern whose groups are handed to `run`. */
  path: string | RegExp;
  /** Whether a valid development token is required (401 without one). */
  signedIn: boolean;
  run(request: LocalRequest, groups: string[]): Promise<LocalReply>;
}

const bad = (message: string, status = 400): LocalReply => ({ status, body: { message } });

/** The grid operator, a park manager per park, and the simulator's BMS when it has buildings. */
async function identities(deps: ControlContext['deps']): Promise<Identity[]> {
  const parks = await allParks(deps);
  const sim = await simBuildings(deps, parks);
  return [
    { label: 'Grid operator', request: { role: 'operator', subject: 'operator' } },
    ...parks.map(
      (p): Identity => ({
        label: `Park manager, ${p.name}`,
        request: { role: 'parkManager', subject: `manager-${p.parkId}`, parkIds: [p.parkId] },
      }),
    ),
    ...(sim.length
      ? [
          {
            label: `BMS of integration ${SIM_INTEGRATION} (${sim.length} buildings)`,
            request: {
              role: 'bms' as const,
              subject: `bms-${SIM_INTEGRATION}`,
              buildingIds: sim.map((b) => b.buildingId),
            },
          },
        ]
      : []),
  ];
}

function routes(c: ControlContext): ControlRoute[] {
  const clockView = () => ({
    status: 200,
    body: { now: new Date(c.clock.now()).toISOString(), speed: c.clock.speed },
  });
  return [
    {
      method: 'GET',
      path: '/local/identities',
      signedIn: false,
      run: async () => ({ status: 200, body: await identities(c.deps) }),
    },
    {
      method: 'POST',
      path: '/local/tokens',
      signedIn: false,
      run: async (r) => {
        const parsed = TokenRequest.safeParse(r.body);
        if (!parsed.success)
          return bad(
            `token request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
        return { status: 200, body: await c.tokens.issue(parsed.data) };
      },
    },
    { method: 'GET', path: '/local/clock', signedIn: false, run: async () => clockView() },
    {
      method: 'POST',
      path: '/local/clock',
      signedIn: true,
      run: async (r) => {
        const parsed = ClockChange.safeParse(r.body);
        if (!parsed.success)
          return bad(`clock change: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
        if (parsed.data.advanceMinutes !== undefined) await c.time.advance(parsed.data.advanceMinutes);
        if (parsed.data.speed !== undefined) await c.clock.setSpeed(parsed.data.speed);
        return clockView();
      },
    },
    {
      method: 'GET',
      path: '/local/bus',
      signedIn: true,
      run: async () => ({ status: 200, body: { events: c.bus.recent(200), deadLetters: c.bus.deadLetters } }),
    },
    {
      method: 'GET',
      path: '/local/schedules',
      signedIn: true,
      run: async () => ({ status: 200, body: c.schedules.list() }),
    },
    {
      method: 'PUT',
      path: /^\/local\/integrations\/([A-Za-z0-9._:@-]+)$/,
      signedIn: true,
      run: async (r, [id]) => {
        const integrationId = id as string;
        const body = r.body as { url?: unknown; secret?: unknown } | undefined;
        if (body?.url === undefined) {
          c.integrations.set(integrationId, { mode: 'pull' });
          return { status: 200, body: { integrationId, mode: 'pull' } };
        }
        if (typeof body.url !== 'string' || !/^https?:\/\//.test(body.url))
          return bad('url must be an http(s) URL');
        const secret =
          typeof body.secret === 'string' && body.secret.length >= 16 ? body.secret : DevTokens.newSecret();
        c.integrations.set(integrationId, { mode: 'webhook', url: body.url, secret });
        return { status: 200, body: { integrationId, mode: 'webhook', url: body.url, secret } };
      },
    },
  ];
}

/** The `/local/` router the gateway calls; undefined when no route matches (404). */
export function controlRoutes(c: ControlContext): (r: LocalRequest) => Promise<LocalReply | undefined> {
  const table = routes(c);
  return async (r) => {
    for (const route of table) {
      if (route.method !== r.method) continue;
      const groups =
        typeof route.path === 'string'
          ? route.path === r.path
            ? []
            : undefined
          : route.path.exec(r.path)?.slice(1);
      if (!groups) continue;
      if (route.signedIn && !r.claims) return bad('Unauthorized', 401);
      return route.run(r, groups);
    }
    return undefined;
  };
}
