/**
 * The demo on a fresh store: the programs, parks and buildings enrolled through the API as an
 * operator would, the BMS simulator started for the buildings of integration `sim`, and the past
 * readings the programs' baselines read.
 */
import type { Deps } from '../../lib/app/config.ts';
import type { Building, Park } from '../../lib/domain/model/building.ts';
import { Program } from '../../lib/domain/model/program.ts';
import { allPages, apiCall } from './api-client.ts';
import type { TokenRequest } from './local-api.ts';
import { seedWindow } from './seed-history.ts';
import { isWorkday } from './sim/loads.ts';
import type { SimulatorHandle } from './sim-driver.ts';

export const SIM_INTEGRATION = 'sim';
const QUARTER_MS = 15 * 60_000;

export function allParks(deps: Pick<Deps, 'parks'>): Promise<Park[]> {
  return allPages<Park>((cursor) => deps.parks.list({ cursor, limit: 100 }));
}

/** The buildings of integration `sim` (the simulator's), in the given parks or all of them. */
export async function simBuildings(
  deps: Pick<Deps, 'parks' | 'buildings'>,
  parks?: Park[],
): Promise<Building[]> {
  const out: Building[] = [];
  for (const p of parks ?? (await allParks(deps)))
    out.push(
      ...(await allPages<Building>((cursor) => deps.buildings.listByPark(p.parkId, { cursor, limit: 100 }))),
    );
  return out.filter((b) => b.bmsIntegrationId === SIM_INTEGRATION);
}

/** Enrolls the demo program, parks and buildings through the API, as an operator would. */
async function seedFleet(url: string, token: string): Promise<void> {
  const { DEMO_PROGRAMS, demoFleet } = await import('./sim/fleet.ts');
  const put = (path: string, body: unknown) => apiCall(url, 'PUT', path, { token, body });
  for (const program of DEMO_PROGRAMS) await put(`/programs/${program.programId}`, program);
  const fleet = demoFleet();
  for (const p of fleet.parks) await put(`/parks/${p.parkId}`, p);
  await Promise.all(fleet.buildings.map((b) => put(`/buildings/${b.buildingId}`, b)));
}

export interface SeedOptions {
  url: string;
  deps: Pick<Deps, 'parks' | 'buildings'>;
  now: () => number;
  token: (request: TokenRequest) => Promise<string>;
  /** Seed the demo when the store has no park. */
  seed: boolean;
  /** Start the BMS simulator for the buildings of integration `sim`. */
  simulator: boolean;
  declineProbability: number;
  /** Called as soon as the simulator runs (to stop it on failure, and to route its webhook). */
  onSimulator: (simulator: SimulatorHandle) => void;
  log: (line: string) => void;
}

/**
 * Seeds an empty store (when asked) and starts the simulator (when asked and it has buildings),
 * handing it to `onSimulator` as soon as it runs.
 */
export async function seedAndSimulate(o: SeedOptions): Promise<void> {
  const operator = await o.token({ role: 'operator', subject: 'seed' });
  const empty = (await o.deps.parks.list({ limit: 1 })).items.length === 0;
  if (empty && o.seed) {
    o.log('the store is empty: seeding the demo parks and program');
    await seedFleet(o.url, operator);
  }
  if (!o.simulator) return;
  const buildings = await simBuildings(o.deps);
  if (buildings.length === 0) return;
  const { startSimulator } = await import('./sim-driver.ts');
  const s = await startSimulator({
    apiUrl: o.url,
    buildings,
    token: o.token,
    // From the quarter hour under way, so its reading is whole (seeded history ends there).
    startMs: Math.floor(o.now() / QUARTER_MS) * QUARTER_MS,
    declineProbability: o.declineProbability,
    log: o.log,
  });
  o.onSimulator(s);
  o.log(`BMS simulator: ${buildings.length} buildings, webhook ${s.webhookUrl}`);
  if (empty && o.seed) {
    const { DEMO_PROGRAMS } = await import('./sim/fleet.ts');
    const to = Math.floor(o.now() / QUARTER_MS) * QUARTER_MS;
    const window = seedWindow(
      DEMO_PROGRAMS.map((p) => Program.parse(p).baseline),
      to,
      isWorkday,
    );
    const past = window.days.length > 0 ? window.days.join(', ') : 'no past day';
    o.log(`seeding the 15-minute readings the programs' baselines read: ${past}, and today so far`);
    const began = Date.now();
    let shown = 0;
    await s.seedHistory(window.fromMs, to, {
      keep: window.keep,
      onProgress: (stored, total) => {
        // a line a fifth of the way, so a slow disk shows it is moving
        const fifth = Math.floor((stored / total) * 5);
        if (fifth <= shown) return;
        shown = fifth;
        o.log(
          `  ${stored.toLocaleString('en')} of ${total.toLocaleString('en')} readings stored (${((Date.now() - began) / 1000).toFixed(0)} s)`,
        );
      },
    });
  }
  await s.stepTo(o.now());
}
