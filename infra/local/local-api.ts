/**
 * The local runtime's own routes under `/local/` (never deployed): development tokens, the
 * simulation clock and the identities the console offers. Shared by the gateway, the console, the
 * BMS simulator and the demo.
 */
import * as z from 'zod';
import { Id } from '../../lib/domain/model/common.ts';

/** `POST /local/tokens`: a signed development token for a role and its bindings. */
export const TokenRequest = z.strictObject({
  role: z.enum(['operator', 'parkManager', 'bms']),
  subject: Id.optional(),
  parkIds: z.array(Id).max(100).optional(),
  buildingIds: z.array(Id).max(1_000).optional(),
  /** Lifetime, default 12 h. */
  ttlMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .optional(),
});
export type TokenRequest = z.infer<typeof TokenRequest>;

export interface TokenResponse {
  token: string;
  expiresAt: string;
  claims: Record<string, unknown>;
}

/** `GET /local/clock` answers this; `POST /local/clock` takes `ClockChange` and answers this when done. */
export interface ClockView {
  /** Simulation time, ISO-8601 UTC. */
  now: string;
  /** Simulated seconds per real second while running freely (0 = paused). */
  speed: number;
}

/**
 * Moves the simulation clock: `advanceMinutes` jumps ahead, firing due schedules and stepping the
 * simulator on the way, and answers once the bus is quiet; `speed` changes the free-running rate.
 */
export const ClockChange = z
  .strictObject({
    advanceMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .optional(),
    speed: z.number().min(0).max(3_600).optional(),
  })
  .refine((c) => c.advanceMinutes !== undefined || c.speed !== undefined, {
    message: 'give advanceMinutes or speed',
  });
export type ClockChange = z.infer<typeof ClockChange>;

/** `GET /local/identities`: who one can log in as locally (the console's login list). */
export interface Identity {
  label: string;
  request: TokenRequest;
}
