/**
 * Ports: what the use-cases need from the outside world. Adapters in `lib/adapters/` implement
 * them (DynamoDB, EventBridge, EventBridge Scheduler on AWS; the same plus an in-process bus and
 * timers locally).
 */
import type { WorkCalendar } from './domain/calendar.ts';
import type { Reservation } from './domain/flexibility.ts';
import type { ForecastError } from './domain/forecast.ts';
import type { AwaitingData, AwaitingSummary, EventStatus, SettledWithoutData } from './domain/lifecycle.ts';
import type { UserBinding } from './domain/model/binding.ts';
import type { Building, Park } from './domain/model/building.ts';
import type { CalendarYear } from './domain/model/calendar.ts';
import type { Command } from './domain/model/command.ts';
import type { Direction } from './domain/model/common.ts';
import type { GridEvent, Scope } from './domain/model/grid-event.ts';
import type { Program } from './domain/model/program.ts';
import type { BuildingState, MeterReading } from './domain/model/telemetry.ts';
import type { BuildingSettlement, ParkSettlement } from './domain/settlement.ts';
import type { OpenadrClient, OpenadrObject, OpenadrObjectType, OpenadrToken } from './openadr/store.ts';

/** A page of results and the opaque cursor of the next one (absent on the last page). */
export interface Page<T> {
  items: T[];
  cursor?: string | undefined;
}
export interface PageRequest {
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export interface ParkRepository {
  /** Creates or replaces a park. */
  put(park: Park): Promise<void>;
  get(parkId: string): Promise<Park | undefined>;
  list(page?: PageRequest): Promise<Page<Park>>;
  /** Deletes a park; fails with a ConflictError while it still has buildings. */
  delete(parkId: string): Promise<void>;
}

/** Users' park and building bindings, by the token subject they belong to. */
export interface BindingRepository {
  get(userId: string): Promise<UserBinding | undefined>;
  /** Creates or replaces the binding of `binding.userId`. */
  put(binding: UserBinding): Promise<void>;
  delete(userId: string): Promise<void>;
}

export interface BuildingRepository {
  put(building: Building): Promise<void>;
  get(buildingId: string): Promise<Building | undefined>;
  getMany(buildingIds: readonly string[]): Promise<Building[]>;
  delete(buildingId: string): Promise<void>;
  listByPark(parkId: string, page?: PageRequest): Promise<Page<Building>>;
  /** Buildings in a scope (the union of its selectors), each once, page by page. */
  listByScope(scope: Scope, page?: PageRequest): Promise<Page<Building>>;
}

/** A building's latest state and its typical load profile (for planning baselines). */
export interface BuildingTelemetry {
  state?: BuildingState | undefined;
  /** The building's typical load (for planning baselines). */
  profile?: LoadProfile | undefined;
}

/**
 * Average load per 15-minute slot of the local (China) day, kW: 96 values per kind of day, or none
 * (an empty array) while no reading of that kind of day has been seen.
 */
export interface LoadProfile {
  /** Working days by the working calendar (only days whose year the calendar held). */
  workday: number[];
  /** Weekends and holidays by the working calendar (likewise). */
  other: number[];
  /**
   * By China weekday, 0 Sunday … 6 Saturday, whatever the calendar knew: what planning uses for a
   * year the calendar does not hold. Absent in profiles stored before it existed.
   */
  byWeekday?: number[][] | undefined;
}

export interface TelemetryRepository {
  putState(state: BuildingState): Promise<void>;
  getTelemetry(buildingIds: readonly string[]): Promise<Map<string, BuildingTelemetry>>;
  /**
   * Stores readings (idempotent on re-send: same building and interval overwrite) and updates the
   * profile: the same-weekday part always, the workday / other-day part only for days whose kind
   * `calendar` knows.
   */
  putReadings(buildingId: string, readings: readonly MeterReading[], calendar: WorkCalendar): Promise<void>;
  /** Readings of a building whose interval starts in [fromMs, toMs), oldest first. */
  readings(buildingId: string, fromMs: number, toMs: number): Promise<MeterReading[]>;
  /** Deletes everything stored of the building: its state, profile and every reading. */
  deleteOf(buildingId: string): Promise<void>;
}

export interface ProgramRepository {
  put(program: Program): Promise<void>;
  get(programId: string): Promise<Program | undefined>;
}

/** The working calendar: years entered by operators over the years seeded from `chinese-days`. */
export interface CalendarRepository {
  /** Every year held, a stored year replacing the seeded one of the same year. */
  load(): Promise<WorkCalendar>;
  /** One year (stored, else seeded), or undefined. */
  get(year: number): Promise<CalendarYear | undefined>;
  /**
   * Stores `year` if the stored version is `year.version − 1` (none stored counts as 0), or fails
   * with a ConflictError (another operator changed it since it was read); `announce` goes to the
   * outbox in the same transaction.
   */
  put(year: CalendarYear, announce?: readonly BusMessage[]): Promise<void>;
}

export type { EventStatus };

/** Per-interval figures of a plan, kW. */
export interface PlanSummary {
  revision: number;
  targetsKw: number[];
  /** Targets after over-procurement. */
  procuredKw: number[];
  expectedKw: number[];
  shortfallKw: number[];
  costYuan: number;
  buildingsInScope: number;
  buildingsCommanded: number;
  plannedAt: string;
  /** What the planner had to estimate, one line each (a year without a working calendar). */
  notes?: string[] | undefined;
  /**
   * Peak shaving: what follows the window, per interval from its end (docs/assets.md, "Recovery"):
   * the batteries' and tanks' recovery the commands carry and the rebound expected of curtailed loads,
   * summed over the buildings commanded, kW; and what does not fit the recovery window, kWh.
   */
  after?: { recoveryKw: number[]; reboundKw: number[]; unrecoveredKwh: number } | undefined;
  /**
   * Set by the evaluation: how far planning's forecast of the natural load was from the program's
   * contractual baseline, over the buildings settled against one (`lib/domain/forecast.ts`).
   */
  forecastError?: ForecastError | undefined;
}

export interface CommandCounts {
  sent: number;
  published: number;
  failed: number;
  acknowledged: number;
  declined: number;
  cancelled: number;
}

/** A correction of the closed loop: which interval's turn made it, and what it asked per interval. */
export interface TrackingRecord {
  /** The interval under way (0-based) when it ran; the loop corrects at most once per interval. */
  interval: number;
  /** The revision the correction was planned as. */
  revision: number;
  at: string;
  /** kW asked on top (> 0) or given back (< 0) per interval of the window. */
  correctionKw: number[];
  /** Corrections made in this event so far. */
  corrections: number;
}

export interface EventRecord {
  event: GridEvent;
  revision: number;
  status: EventStatus;
  /** Optimistic-lock version, incremented by every update. */
  version: number;
  createdAt: string;
  updatedAt: string;
  plan?: PlanSummary | undefined;
  /** Why the event failed, when it did. */
  failure?: string | undefined;
  /**
   * How many buildings had declined (or stayed silent) when the latest revision was planned: that
   * plan excludes them and covers their share. The buildings themselves are those holding a
   * DECLINED command, never asked again in this event; a count, so the item stays small at any scale.
   */
  declinesPlannedAround: number;
  /** The closed loop's latest correction, when it made one (`lib/app/tracking.ts`). */
  tracking?: TrackingRecord | undefined;
  /**
   * How many buildings the latest settlement waits for data for (a calendar year, readings), and
   * how many it settled at the deadline without: counts; the buildings and reasons are stored with
   * the settlements (`SettlementRepository.open`).
   */
  awaiting?: AwaitingSummary | undefined;
  /** The latest settlement revision (1, 2, …); absent before the first evaluation. */
  settlementRevision?: number | undefined;
  /** A digest of the latest revision's figures: an automatic re-run that changes nothing writes nothing. */
  settlementDigest?: string | undefined;
  /** When the program's deadline for missing data passes (ISO); set by the first evaluation. */
  dataDeadline?: string | undefined;
}

export interface EventRepository {
  /**
   * Stores a new event; returns the stored record and whether it was created (false: it already
   * existed). `announce` goes to the outbox in the same transaction, only when the event is created.
   */
  create(
    record: EventRecord,
    announce?: readonly BusMessage[],
  ): Promise<{ record: EventRecord; created: boolean }>;
  get(eventId: string): Promise<EventRecord | undefined>;
  /**
   * Replaces the record if its stored version is `record.version − 1`, or fails with a
   * ConflictError; `announce` goes to the outbox in the same transaction (both or neither).
   */
  update(record: EventRecord, announce?: readonly BusMessage[]): Promise<void>;
  list(page?: PageRequest): Promise<Page<EventRecord>>;
  /**
   * The window and status of every event starting in [`fromIso`, `toIso`) (UTC ISO instants), oldest
   * first, all pages: the past event days a baseline leaves out, read without walking every event.
   */
  startingBetween(fromIso: string, toIso: string): Promise<EventWindow[]>;
}

/** When an event ran and where it stands, as the baseline's excluded days need it. */
export interface EventWindow {
  eventId: string;
  start: string;
  end: string;
  status: EventRecord['status'];
}

export type CommandStatus = 'PENDING' | 'PUBLISHED' | 'FAILED' | 'ACKNOWLEDGED' | 'DECLINED' | 'SUPERSEDED';

/** How many of an event's commands are in each status, per kind: `tally.DISPATCH.PUBLISHED`. */
export type CommandTally = Record<Command['kind'], Record<CommandStatus, number>>;

export interface CommandRecord {
  command: Command;
  status: CommandStatus;
  updatedAt: string;
  reason?: string | undefined;
}

/**
 * What a command write must still find on its event, or it is refused with a ConflictError: the
 * revision it belongs to and a status that allows it. A cancellation or a newer revision that
 * commits first makes every later write of the older one fail, so none can contradict it.
 */
export interface EventGuard {
  eventId: string;
  revision: number;
  statuses: readonly EventStatus[];
}

export interface CommandRepository {
  /**
   * Stores commands (new ones as PENDING); ids already stored are left as they are and reported as
   * `skipped`. With a guard, every write is conditional on the event (ConflictError when it moved).
   */
  putMany(
    records: readonly CommandRecord[],
    guard?: EventGuard,
  ): Promise<{ created: string[]; skipped: string[] }>;
  /**
   * Marks PENDING commands PUBLISHED and writes each one's bus message to the outbox in the same
   * transaction, conditional on the event (`guard`): a command is announced only while its revision
   * stands. Returns the ids that moved (others had moved already); ConflictError when the event did.
   */
  publish(commands: readonly Command[], at: string, guard: EventGuard): Promise<string[]>;
  get(commandId: string): Promise<CommandRecord | undefined>;
  /** Every command of an event, in id order, read strongly consistent (planning, evaluation). */
  ofEvent(eventId: string): Promise<CommandRecord[]>;
  /**
   * A page of an event's commands (at most 500, under 1 MB), for views; `cursor` continues. With
   * `parkIds`, only the commands of those parks, read from an index (eventually consistent).
   */
  pageOfEvent(eventId: string, page?: PageRequest, parkIds?: readonly string[]): Promise<Page<CommandRecord>>;
  /**
   * The event's commands counted by kind and status, exact: counters kept in the same transaction
   * as every write that stores a command or moves its status. A few small reads at any scale.
   */
  tally(eventId: string): Promise<CommandTally>;
  /**
   * The same counts for the commands of each of `parkIds` that holds any (a park manager's view),
   * counted from an index of the event's commands by park: eventually consistent, and read in
   * proportion to those parks' commands, not the event's.
   */
  tallyOfParks(eventId: string, parkIds: readonly string[]): Promise<Map<string, CommandTally>>;
  ofBuilding(buildingId: string, page?: PageRequest): Promise<Page<CommandRecord>>;
  /**
   * Moves a command to `to` if its status is one of `from`; returns false (and changes nothing) if
   * it is not. Idempotent deliveries rely on this.
   */
  transition(
    commandId: string,
    from: readonly CommandStatus[],
    to: CommandStatus,
    at: string,
    reason?: string,
    announce?: readonly BusMessage[],
  ): Promise<boolean>;
  /**
   * `transition` for many commands at once, as read (`records`: their status says which counter
   * each leaves); a command that moved since it was read is looked up again. Returns the ids that
   * moved. Used where a whole revision changes status (superseded, cancelled, declined by deadline).
   */
  transitionMany(
    records: readonly CommandRecord[],
    from: readonly CommandStatus[],
    to: CommandStatus,
    at: string,
    reason?: string,
  ): Promise<string[]>;
}

/** Reservations of one building, with the version that a commit must still find. */
export interface BuildingReservations {
  buildingId: string;
  version: number;
  reservations: Reservation[];
}

export interface ReservationRepository {
  /**
   * Reservations of each building, with each building's version: those of events overlapping
   * [fromMs, toMs) when a window is given, otherwise every one still standing (planning counts them
   * all, wherever they lie in time: one timeline per asset).
   */
  ofBuildings(
    buildingIds: readonly string[],
    fromMs?: number,
    toMs?: number,
  ): Promise<Map<string, BuildingReservations>>;
  /**
   * Replaces this event's reservations on the given buildings, atomically per building and only if
   * each building's version is unchanged since it was read; otherwise fails with a ConflictError
   * naming the buildings, having committed nothing for those.
   */
  commit(
    eventId: string,
    endMs: number,
    entries: readonly {
      buildingId: string;
      expectedVersion: number;
      reservations: Reservation[];
      /** Other events whose reservations on the building are all over: removed in the same update. */
      stale?: readonly string[];
    }[],
  ): Promise<void>;
  /** Removes every reservation of the event (cancellation, completion, before a re-plan). */
  release(eventId: string, buildingIds: readonly string[]): Promise<void>;
  /** Deletes every reservation of the building, whatever event holds it (the building is deleted). */
  deleteOf(buildingId: string): Promise<void>;
}

/** The buildings a settlement revision waits for data for, and those it settled without. */
export interface OpenSettlement {
  awaiting: AwaitingData[];
  withoutData: SettledWithoutData[];
}

export interface SettlementRepository {
  /**
   * Stores revision `revision` of an event's settlements: kept for audit under that revision, and
   * as the event's latest (what a park's totals follow), replacing the previous latest entirely.
   */
  put(
    eventId: string,
    revision: number,
    buildings: readonly BuildingSettlement[],
    parks: readonly ParkSettlement[],
    open?: OpenSettlement,
  ): Promise<void>;
  /** The latest settlements of an event, or those of one earlier revision, with what was open then. */
  ofEvent(
    eventId: string,
    revision?: number,
  ): Promise<{ buildings: BuildingSettlement[]; parks: ParkSettlement[] } & OpenSettlement>;
  /** What the latest settlement left open (buildings awaiting data, settled without it), alone. */
  open(eventId: string): Promise<OpenSettlement>;
  ofPark(parkId: string, page?: PageRequest): Promise<Page<ParkSettlement & { eventId: string }>>;
}

/** Result of publishing commands: nothing is silently dropped. */
export interface PublishResult {
  published: string[];
  failed: { commandId: string; error: string }[];
}

export interface CommandPublisher {
  /** Publishes each command as a `DispatchCommand` (or `CommandCancelled`) event. */
  publish(commands: readonly Command[]): Promise<PublishResult>;
}

/** Coordinator lifecycle events on the bus (DESIGN §4). */
export interface BusMessage {
  detailType: string;
  source: string;
  detail: { version: 1 } & Record<string, unknown>;
}

/** A message written to the outbox with the change it announces, not relayed to the bus yet. */
export interface OutboxEntry {
  id: string;
  createdAt: string;
  message: BusMessage;
}

/**
 * The transactional outbox: messages stored in the same transaction as the state change they
 * announce, relayed to the bus from the table's stream (and by the reconciler when a relay is late).
 */
export interface Outbox {
  /** Announces messages with no state change beside them (the reconciler's re-announcements). */
  put(messages: readonly BusMessage[]): Promise<void>;
  /** Entries written before `before` (ISO) that are still waiting, oldest first, at most `limit`. */
  due(before: string, limit: number): Promise<OutboxEntry[]>;
  /** Removes entries once the bus has accepted them. */
  remove(entries: readonly OutboxEntry[]): Promise<void>;
}

export interface EventPublisher {
  publish(messages: readonly BusMessage[]): Promise<void>;
}

export interface Scheduler {
  /** Runs `message` at `atMs`, once. The name makes it idempotent. */
  scheduleOnce(name: string, atMs: number, message: BusMessage): Promise<void>;
  cancel(name: string): Promise<void>;
}

/** Everything a use-case may need; handlers build it once per cold start. */
export type { OpenadrClient, OpenadrObject, OpenadrObjectType, OpenadrToken } from './openadr/store.ts';

export interface OpenadrRepository {
  putClient(client: OpenadrClient): Promise<void>;
  getClient(clientId: string): Promise<OpenadrClient | undefined>;
  deleteClient(clientId: string): Promise<void>;
  putToken(tokenHash: string, token: OpenadrToken): Promise<void>;
  getToken(tokenHash: string): Promise<OpenadrToken | undefined>;
  /** Failed token requests counted under `keyHash` in the fixed window starting at `windowStartMs`. */
  tokenFailures(keyHash: string, windowStartMs: number): Promise<number>;
  /** Counts one more failure there (atomically) and returns the count; it expires at `expiresAtMs`. */
  addTokenFailure(keyHash: string, windowStartMs: number, expiresAtMs: number): Promise<number>;
  /** Stores a new object; `ConflictError` when its id or its unique name is taken. */
  create(object: OpenadrObject): Promise<void>;
  /**
   * Replaces `previous` (compared on its `modificationDateTime`, so concurrent writers conflict);
   * a changed unique name moves. `ConflictError` on a taken name or a concurrent change.
   */
  replace<T extends OpenadrObjectType>(object: OpenadrObject<T>, previous: OpenadrObject<T>): Promise<void>;
  get<T extends OpenadrObjectType>(objectType: T, id: string): Promise<OpenadrObject<T> | undefined>;
  /**
   * Sets the VTN's bookkeeping of `object` if neither it nor the object changed since `object`
   * was read (compare-and-set); false when something did, so the caller reads again.
   */
  setInternal(object: OpenadrObject, internal: Record<string, unknown>): Promise<boolean>;
  /** Deletes the object and frees its name. */
  delete(object: OpenadrObject): Promise<void>;
  /** Every object of a type, oldest first. */
  list<T extends OpenadrObjectType>(objectType: T): Promise<OpenadrObject<T>[]>;
}

/** Where a webhook goes; OpenADR subscriptions give an HTTPS URL and an optional bearer token. */
export interface WebhookTarget {
  /** Must be `https:`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  bearerToken?: string | null | undefined;
  /** The HMAC key of the delivery's signature, known to the receiver alone (never sent). */
  signingSecret?: string | undefined;
}

export interface DeliveryResult {
  ok: boolean;
  /** Requests sent (0 when the target was refused before any). */
  attempts: number;
  /** The last HTTP status received. */
  status?: number;
  /** What went wrong, readable: `timeout after 10000 ms`, `status 503`, `refused: ...`. */
  error?: string;
}

export interface WebhookSender {
  /**
   * OpenADR 3.1 callback check: GET url with query `echo=<random>`; ok when the answer is 200 and
   * its body contains the random value. Never throws for network errors.
   */
  verify(target: WebhookTarget): Promise<DeliveryResult>;
  /**
   * POSTs the serialized JSON body with the bearer token, signed with the signing secret over a
   * timestamp, a delivery id (the same on every retry) and the body. Retries network errors,
   * timeouts, 408, 429 and 5xx with exponential backoff; any other answer is final.
   */
  deliver(target: WebhookTarget, body: string): Promise<DeliveryResult>;
}

export interface Ports {
  clock: Clock;
  parks: ParkRepository;
  bindings: BindingRepository;
  buildings: BuildingRepository;
  telemetry: TelemetryRepository;
  programs: ProgramRepository;
  calendars: CalendarRepository;
  events: EventRepository;
  commands: CommandRepository;
  reservations: ReservationRepository;
  settlements: SettlementRepository;
  openadr: OpenadrRepository;
  outbox: Outbox;
  webhooks: WebhookSender;
  commandPublisher: CommandPublisher;
  eventPublisher: EventPublisher;
  scheduler: Scheduler;
}

export type { Direction };
