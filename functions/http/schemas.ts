/** zod schemas of paths, queries and bodies that are the API's own (the domain's are reused as they are). */
import * as z from 'zod';
import { Acknowledgement } from '../../lib/domain/model/command.ts';
import { Id, Instant, IntervalMinutes } from '../../lib/domain/model/common.ts';
import { Scope } from '../../lib/domain/model/grid-event.ts';
import { BuildingState, MeterReading } from '../../lib/domain/model/telemetry.ts';

export const ParkPath = z.strictObject({ parkId: Id });
export const BuildingPath = z.strictObject({ buildingId: Id });
export const EventPath = z.strictObject({ eventId: Id });
export const CommandPath = z.strictObject({ commandId: Id });
export const ProgramPath = z.strictObject({ programId: Id });
/** An OpenADR client id (the OAuth2 `client_id`): a FlexDR id. */
export const ClientPath = z.strictObject({ clientId: Id });

/** A user: the subject of their tokens (Cognito `sub`, a machine client's id, an OIDC subject). */
export const UserPath = z.strictObject({ userId: Id });

/** A calendar year in a path. */
export const YearPath = z.strictObject({ year: z.coerce.number().int().min(1990).max(2200) });

/** Which settlement revision to read (the latest when absent). */
export const RevisionQuery = z.strictObject({
  revision: z.coerce.number().int().min(1).max(1_000_000).optional(),
});

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(4096).optional(),
});

export const TelemetryBody = z.strictObject({
  state: BuildingState.optional(),
  readings: z.array(MeterReading).max(2_000).default([]),
});

export const AckBody = Acknowledgement.pick({ status: true, reason: true });

export const FlexibilityBody = z.strictObject({
  scope: Scope,
  start: Instant,
  end: Instant,
  intervalMinutes: IntervalMinutes.default(15),
});
