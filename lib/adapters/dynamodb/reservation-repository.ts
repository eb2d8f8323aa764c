import { type DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/errors.ts';
import type { Reservation } from '../../domain/flexibility.ts';
import type { BuildingReservations, ReservationRepository } from '../../ports.ts';
import { batchGet, mapLimit } from './batch.ts';
import { keys } from './table.ts';

/** Each event's reservations on a building are one attribute of the building's reservation item. */
const ATTR = 'r#';

interface Held {
  startMs: number;
  endMs: number;
  reservations: Reservation[];
}

/**
 * Reservations: one item per building holding a version and, per event, what it committed. A
 * commit writes a group of buildings in one transaction, each only if its version is the one read;
 * so two plans racing for the same battery cannot both commit, and the loser re-plans.
 */
export class DynamoReservationRepository implements ReservationRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async ofBuildings(
    buildingIds: readonly string[],
    fromMs: number,
    toMs: number,
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
        const held = JSON.parse(String(value)) as Held;
        if (held.startMs < toMs && held.endMs > fromMs) reservations.push(...held.reservations);
      }
      out.set(id, { buildingId: id, version: Number(item.version ?? 0), reservations });
    }
    return out;
  }

  /**
   * Commits in transactions of up to 100 buildings. When a building's version moved, its whole
   * transaction is refused (earlier transactions stay committed; committing the same event again
   * replaces them) and a ConflictError names the buildings.
   */
  async commit(
    eventId: string,
    endMs: number,
    entries: readonly { buildingId: string; expectedVersion: number; reservations: Reservation[] }[],
  ): Promise<void> {
    const groups: (typeof entries)[number][][] = [];
    for (let i = 0; i < entries.length; i += 100) groups.push(entries.slice(i, i + 100));
    await mapLimit(groups, 4, async (group) => {
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: group.map((e) => {
              const startMs = Math.min(...e.reservations.map((r) => r.startMs), endMs);
              return {
                Update: {
                  TableName: this.table,
                  Key: keys.reservations(e.buildingId),
                  UpdateExpression:
                    'SET #held = :held, version = if_not_exists(version, :zero) + :one, #type = :type',
                  ConditionExpression:
                    e.expectedVersion === 0 ? 'attribute_not_exists(version)' : 'version = :expected',
                  ExpressionAttributeNames: { '#held': `${ATTR}${eventId}`, '#type': 'type' },
                  ExpressionAttributeValues: {
                    ':held': JSON.stringify({ startMs, endMs, reservations: e.reservations } satisfies Held),
                    ':zero': 0,
                    ':one': 1,
                    ':type': 'reservations',
                    ...(e.expectedVersion === 0 ? {} : { ':expected': e.expectedVersion }),
                  },
                },
              };
            }),
          }),
        );
      } catch (err) {
        const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
        if ((err as { name?: string }).name === 'TransactionCanceledException' && reasons) {
          const moved = group
            .filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed')
            .map((e) => e.buildingId);
          if (moved.length > 0)
            throw new ConflictError(
              `reservations changed meanwhile on ${moved.slice(0, 5).join(', ')}${moved.length > 5 ? ', …' : ''}`,
            );
        }
        throw err;
      }
    });
  }

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
        if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
      }
    });
  }
}
