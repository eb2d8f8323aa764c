/**
 * Starts the BMS simulator for the runtime: a BMS token bound to the simulated buildings, a fresh
 * webhook secret, and each building's load shape from the demo fleet (offices by default).
 */
import type { Building } from '../../lib/domain/model/building.ts';
import { DevTokens } from './dev-tokens.ts';
import type { TokenRequest } from './local-api.ts';
import { BmsSimulator } from './sim/bms-simulator.ts';
import { DEMO_PROFILES, type LoadKind } from './sim/fleet.ts';

export interface SimulatorHandle {
  readonly webhookUrl: string;
  readonly secret: string;
  stepTo(ms: number): Promise<void>;
  seedHistory(
    fromMs: number,
    endMs: number,
    options?: Parameters<BmsSimulator['seedHistory']>[2],
  ): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimulator(options: {
  apiUrl: string;
  buildings: Building[];
  token: (request: TokenRequest) => Promise<string>;
  startMs: number;
  declineProbability: number;
  seed?: number;
  log?: (line: string) => void;
}): Promise<SimulatorHandle> {
  const secret = DevTokens.newSecret();
  const token = await options.token({
    role: 'bms',
    subject: 'bms-simulator',
    buildingIds: options.buildings.map((b) => b.buildingId),
    ttlMinutes: 7 * 24 * 60,
  });
  const kinds: Record<string, LoadKind> = Object.fromEntries(
    options.buildings.map((b) => [b.buildingId, DEMO_PROFILES[b.buildingId] ?? 'office']),
  );
  const sim = await BmsSimulator.start({
    apiUrl: options.apiUrl,
    token,
    buildings: options.buildings,
    kinds,
    secret,
    seed: options.seed ?? 2026,
    declineProbability: options.declineProbability,
    port: 0,
    startMs: options.startMs,
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    webhookUrl: sim.webhookUrl,
    secret,
    stepTo: (ms) => sim.stepTo(ms),
    seedHistory: (from, end, options) => sim.seedHistory(from, end, options),
    stop: () => sim.stop(),
  };
}
