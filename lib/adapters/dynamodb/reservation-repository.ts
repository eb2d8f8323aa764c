import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ConflictError } from '../../domain/errors.ts';
import type { Reservation } from '../../domain/flexibility.ts';
import { Direction } from '../../domain/model/common.ts';
import type { BuildingReservations, ReservationRepository } from '../../ports.ts';
import { batchGet, cancellationCodes, chunk, isConditionFailure, mapLimit } from './batch.ts';
import { keys } from './table.ts';

/** Each event's reservations on a building are one attribute of the building's reservation item. */
const ATTR = 'r#';
/** Buildings per transaction: TransactWriteItems takes at most 100 items, one per building here. */
const GROUP = 100;

/** What one event holds on one building, as stored (a JSON string), checked when read back. */
const StoredReservation = z.object({
  eventId: z.string(),
  assetId: z.string(),
  direction: Direction,
  startMs: z.number(),
  intervalMinutes: z.number(),
  kw: z.array(z.number()).readonly(),
  kwh: z.number(),
  recovery: z.boolean().optional(),
}) satisfies z.ZodType<Reservation>;
const Held = z.object({ startMs: z.number(), endMs: z.number(), reservations: z.array(StoredReservation) });
type Held = z.infer<typeof Held>;

/** One building of a commit, as the port defines it. */
type CommitEntry = Parameters<ReservationRepository['commit']>[2][number];

const Version = z.number().int().min(0);

/** A commit refused because these buildings' reservations changed since they were read. */
export class ReservationConflictError extends ConflictError {
  constructor(readonly buildingIds: readonly string[]) {
    super(
      `reservations changed meanwhile on ${buildingIds.length} building(s): ${buildingIds.slice(0, 5).join(', ')}${buildingIds.length > 5 ? ', …' : ''}; read them again and re-plan`,
    );
  }
}

/**
 * Reservations: one item per building (`BLDG#id` / `#RESV`) holding its version and, per event,
 * what that event committed (attribute `r#<eventId>`, a JSON string with the event's window).
 *
 * Access patterns: reservations of many buildings overlapping a window, with each building's
 * version, in one BatchGet per 100 buildings (planning reads a whole scope page at once; a query
 * per building would cost one round trip each); commit and release under the version.
 *
 * One item rather than an item per event keeps the version and the reservations it guards in
 * the same place, so one conditional update per building is atomic with no transaction inside a
 * building. The item holds the reservations of events not yet completed or cancelled (each
 * releases its own), a few kB per event, far under DynamoDB's 400 kB item limit.
 */
export class DynamoReservationRepository implements ReservationRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Every building asked for is in the map; one with no item has version 0 and nothing reserved. */
  async ofBuildings(
    buildingIds: readonly string[],
    fromMs = Number.NEGATIVE_INFINITY,
    toMs = Number.POSITIVE_INFINITY,
  ): Promise<Map<string, BuildingReservations>> {
    const items = await batchGet(this.doc, this.table, [...new Set(buildingIds)].map(keys.reservations));
    const out = new Map<string, BuildingReservations>(
      buildingIds.map((id) => [id, { buildingId: id, version: 0, reservations: [] }]),
    );
    for (const item of items) {
      const id = String(item.pk).slice('BLDG#'.length);
      const reservations: Reservation[] = [];
      for (const [name, value] of Object.entries(item)) {
        if (!name.startsWith(ATTR)) continue;
        // Stored as a JSON string: far cheaper to write and read than nested maps of arrays.
        const held = Held.parse(JSON.parse(String(value)));
        if (held.startMs < toMs && held.endMs > fromMs) reservations.push(...held.reservations);
      }
      out.set(id, {
        buildingId: id,
        version: Version.parse(item.version ?? 0),
        reservations,
      });
    }
    return out;
  }

  /**
   * Sets this event's reservations on each building, if the building's version is still
   * `expectedVersion` (0: no reservation item yet), and bumps the version. An earlier commit of the
   * same event on a building is replaced, so a retry converges.
   *
   * Buildings go in transactions of 100 (4 in flight), each building one conditional update. A
   * transaction is all or nothing: when any of its buildings' versions moved (or another
   * transaction was writing one of them at that moment), none of its buildings is changed. Other
   * transactions of the same commit are not undone: they stay committed. After every transaction
   * has finished, a {@link ReservationConflictError} (a ConflictError) names the buildings whose
   * version moved, so the caller reads fresh versions and commits again; buildings that did
   * commit then carry a newer version and are simply replaced.
   *
   * @throws ReservationConflictError when any building's version moved.
   */
  async commit(eventId: string, endMs: number, entries: readonly CommitEntry[]): Promise<void> {
    const ids = entries.map((e) => e.buildingId);
    if (new Set(ids).size !== ids.length)
      throw new Error(`commit of '${eventId}' names a building twice: one entry per building`);
    const conflicts = await mapLimit(chunk(entries, GROUP), 4, async (group) => {
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: group.map((e) => ({ Update: this.hold(eventId, endMs, e) })),
          }),
        );
        return [];
      } catch (err) {
        const codes = cancellationCodes(err);
        if (!codes?.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) throw err;
        const moved = group.filter((_, i) => codes[i] === 'ConditionalCheckFailed').map((e) => e.buildingId);
        // Refused only because another transaction held an item at that moment: name them all.
        return moved.length > 0
          ? moved
          : group.filter((_, i) => codes[i] === 'TransactionConflict').map((e) => e.buildingId);
      }
    });
    const refused = conflicts.flat();
    if (refused.length > 0) throw new ReservationConflictError(refused);
  }

  /** The conditional update that sets one event's reservations on one building. */
  private hold(eventId: string, endMs: number, e: CommitEntry) {
    const startMs = Math.min(...e.reservations.map((r) => r.startMs), endMs);
    const stale = (e.stale ?? []).filter((id) => id !== eventId);
    return {
      TableName: this.table,
      Key: keys.reservations(e.buildingId),
      UpdateExpression:
        'SET #held = :held, version = if_not_exists(version, :zero) + :one, #type = :type' +
        (stale.length > 0 ? ` REMOVE ${stale.map((_, i) => `#stale${i}`).join(', ')}` : ''),
      ConditionExpression: e.expectedVersion === 0 ? 'attribute_not_exists(version)' : 'version = :expected',
      ExpressionAttributeNames: {
        '#held': `${ATTR}${eventId}`,
        '#type': 'type',
        ...Object.fromEntries(stale.map((id, i) => [`#stale${i}`, `${ATTR}${id}`])),
      },
      ExpressionAttributeValues: {
        ':held': JSON.stringify({ startMs, endMs, reservations: e.reservations } satisfies Held),
        ':zero': 0,
        ':one': 1,
        ':type': 'reservations',
        ...(e.expectedVersion === 0 ? {} : { ':expected': e.expectedVersion }),
      },
    };
  }

  /** The one item of the building's reservations; a plan that read its version then conflicts. */
  async deleteOf(buildingId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: keys.reservations(buildingId) }));
  }

  /**
   * Removes the event's reservations from each building and bumps the version of those that held
   * any (so a plan that read them before retries); buildings without any are left untouched.
   */
  async release(eventId: string, buildingIds: readonly string[]): Promise<void> {
    await mapLimit([...new Set(buildingIds)], 16, async (id) => {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: keys.reservations(id),
            UpdateExpression: 'REMOVE #held SET version = version + :one',
            ConditionExpression: 'attribute_exists(#held)',
            ExpressionAttributeNames: { '#held': `${ATTR}${eventId}` },
            ExpressionAttributeValues: { ':one': 1 },
          }),
        );
      } catch (e) {
        // Nothing held by this event here: nothing to release.
        if (!isConditionFailure(e)) throw e;
      }
    });
  }
}
