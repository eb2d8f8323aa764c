/**
 * `npm run bms-sim`: the BMS simulator as its own process, against a running `npm start -- --no-sim`.
 * It simulates the buildings of one BMS integration, registers its webhook with the runtime
 * (HMAC-signed deliveries), follows the runtime's simulation clock, and answers and reports through
 * the public API like any BMS. Ctrl-C puts the integration back to pull mode.
 */
import { parseArgs } from 'node:util';
import { errorMessage } from '../../lib/caught-errors.ts';
import type { Building, Park } from '../../lib/domain/model/building.ts';
import { apiCall } from './api-client.ts';
import type { TokenRequest } from './local-api.ts';
import { logLine } from './log-line.ts';
import { DEFAULT_PORT, SIM_INTEGRATION } from './runtime.ts';
import { startSimulator } from './sim-driver.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    integration: { type: 'string' },
    decline: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(
    `usage: npm run bms-sim -- [--url http://127.0.0.1:${DEFAULT_PORT}] [--integration ${SIM_INTEGRATION}] [--decline 0.1]`,
  );
  process.exit(0);
}
const url = values.url ?? process.env.FLEXDR_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`;
const integration = values.integration ?? SIM_INTEGRATION;
const decline = values.decline === undefined ? 0.1 : Number(values.decline);
if (!(decline >= 0 && decline <= 1)) {
  console.error('--decline must be a number from 0 to 1');
  process.exit(2);
}
/** The runtime's simulation clock as last read (the simulator follows it once a second). */
let simulatedMs: number | undefined;
const log = (s: string) => console.log(logLine(s, simulatedMs));

async function call<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
  try {
    return await apiCall<T>(url, method, path, { token, body });
  } catch (e) {
    if (e instanceof TypeError)
      throw new Error(`no FlexDR runtime answers at ${url}: start one with npm start -- --no-sim`);
    throw e;
  }
}

const token = async (request: TokenRequest) =>
  (await call<{ token: string }>('POST', '/local/tokens', undefined, request)).token;

try {
  const operator = await token({ role: 'operator', subject: 'bms-sim' });
  const parks = await call<{ items: Park[] }>('GET', '/parks?limit=500', operator);
  const buildings: Building[] = [];
  for (const p of parks.items) {
    let cursor: string | undefined;
    do {
      const page = await call<{ items: Building[]; cursor?: string }>(
        'GET',
        `/parks/${p.parkId}/buildings?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        operator,
      );
      buildings.push(...page.items.filter((b) => b.bmsIntegrationId === integration));
      cursor = page.cursor;
    } while (cursor);
  }
  if (buildings.length === 0) throw new Error(`no building uses BMS integration '${integration}'`);
  const now = Date.parse((await call<{ now: string }>('GET', '/local/clock')).now);
  simulatedMs = now;
  const sim = await startSimulator({
    apiUrl: url,
    buildings,
    token,
    startMs: now,
    declineProbability: decline,
    log,
  });
  await call('PUT', `/local/integrations/${integration}`, operator, {
    url: sim.webhookUrl,
    secret: sim.secret,
  });
  log(`simulating ${buildings.length} buildings of integration '${integration}'; webhook ${sim.webhookUrl}`);
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    call<{ now: string }>('GET', '/local/clock')
      .then((c) => {
        simulatedMs = Date.parse(c.now);
        return sim.stepTo(simulatedMs);
      })
      .catch((e: Error) => log(`step failed: ${e.message}`))
      .finally(() => {
        running = false;
      });
  }, 1_000);
  const stop = async () => {
    clearInterval(timer);
    await call('PUT', `/local/integrations/${integration}`, operator, {}).catch(() => {});
    await sim.stop();
    log(`stopped; integration '${integration}' is back in pull mode`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
} catch (e) {
  console.error(`bms-sim: ${errorMessage(e)}`);
  process.exit(1);
}
