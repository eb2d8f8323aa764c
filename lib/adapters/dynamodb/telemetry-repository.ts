import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { BuildingState, MeterReading, readingKw } from '../../domain/model/telemetry.ts';
import { chinaDate, chinaMinuteOfDay, DAY_MS, toIso, toMs } from '../../domain/time.ts';
import type { BuildingTelemetry, TelemetryRepository } from '../../ports.ts';
import { seededCalendar } from '../calendar/chinese-days.ts';
import { backoff, batchGet, batchWrite, isConditionFailure, queryAll, sleep, stripKeys } from './batch.ts';
import { KEY_ATTRIBUTES, keys, TTL_ATTRIBUTE } from './table.ts';

/** Weight of a new reading in the planning profile's moving average. */
const PROFILE_WEIGHT = 0.3;
const SLOTS = 96;
const calendar = seededCalendar();
const isLikelyWorkday = (date: string) =>
  calendar.workdayOrUnknown(date) ?? [1, 2, 3, 4, 5].includes(new Date(`${date}T00:00:00Z`).getUTCDay());

/** 96 quarter-hour averages of the local day, kW, for workdays and for other days. */
const Profile = z.object({
  workday: z.array(z.number()).length(SLOTS),
  other: z.array(z.number()).length(SLOTS),
});
type Profile = z.infer<typeof Profile>;
const Version = z.number().int().min(0);
const OptionalMs = z.number().optional();

interface StateItem {
  state?: BuildingState | undefined;
  profile?: Profile | undefined;
  /** Interval start (epoch ms) of the newest reading folded into the profile. */
  profiledThroughMs?: number | undefined;
  version: number;
}

/** The state item's attributes, checked when read back (the state and profile are JSON strings). */
function readStateItem(item: Record<string, unknown> | undefined): StateItem {
  if (!item) return { version: 0 };
  return {
    state: item.state === undefined ? undefined : BuildingState.parse(JSON.parse(String(item.state))),
    profile: item.profile === undefined ? undefined : Profile.parse(JSON.parse(String(item.profile))),
    profiledThroughMs: OptionalMs.parse(item.profiledThroughMs),
    version: Version.parse(item.version ?? 0),
  };
}

/** The stored state item of a building (the profile, when known, rides along). */
export function stateItem(
  buildingId: string,
  next: Omit<StateItem, 'version'>,
  version: number,
): Record<string, unknown> {
  return {
    ...keys.state(buildingId),
    type: 'state',
    ...(next.state ? { state: JSON.stringify(next.state) } : {}),
    ...(next.profile ? { profile: JSON.stringify(next.profile) } : {}),
    ...(next.profiledThroughMs === undefined ? {} : { profiledThroughMs: next.profiledThroughMs }),
    version,
  };
}

/**
 * Telemetry: one item per building for its latest state and load profile (written under a
 * version, so concurrent reports never lose each other's changes), and one item per reading.
 *
 * Access patterns: latest state and profile of many buildings (`BLDG#id` / `#STATE`, BatchGet);
 * readings of a building by time range (`BLDG#id` / `READ#<UTC ISO start>`, a key-range query),
 * each reading expiring `retentionDays` after its interval starts (TTL attribute `ttl`, epoch s).
 */
export class DynamoTelemetryRepository implements TelemetryRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  async putState(state: BuildingState): Promise<void> {
    await this.update(state.buildingId, (item) => {
      // An older report arriving late does not replace a newer one.
      if (item.state && toMs(item.state.at) > toMs(state.at)) return undefined;
      return { ...item, state };
    });
  }

  async getTelemetry(buildingIds: readonly string[]): Promise<Map<string, BuildingTelemetry>> {
    const items = await batchGet(this.doc, this.table, [...new Set(buildingIds)].map(keys.state));
    const out = new Map<string, BuildingTelemetry>();
    for (const item of items) {
      const { state, profile } = readStateItem(item);
      out.set(String(item.pk).slice('BLDG#'.length), { state, profile });
    }
    return out;
  }

  /**
   * Stores each reading as its own item keyed by building and interval start (normalised to UTC),
   * so a re-send overwrites; within one call the last reading of an interval wins. Then folds the
   * readings into the building's profile: per local quarter hour of workdays or other days, an
   * exponential moving average with weight 0.3 for each new reading. Only readings newer than the
   * newest one folded so far count, which keeps a re-send from weighing twice; a late backfill of
   * older intervals is stored (baselines and settlement read it) but leaves the profile alone.
   */
  async putReadings(buildingId: string, readings: readonly MeterReading[]): Promise<void> {
    const byStart = new Map<number, MeterReading>();
    for (const r of readings) byStart.set(toMs(r.intervalStart), r);
    const sorted = [...byStart.entries()].sort(([a], [b]) => a - b);
    if (sorted.length === 0) return;
    await batchWrite(
      this.doc,
      this.table,
      sorted.map(([startMs, r]) => {
        const reading = { ...r, intervalStart: toIso(startMs) };
        return {
          PutRequest: {
            Item: {
              ...keys.reading(buildingId, reading.intervalStart),
              type: 'reading',
              ...reading,
              [TTL_ATTRIBUTE]: Math.floor((startMs + this.retentionDays * DAY_MS) / 1000),
            },
          },
        };
      }),
    );
    await this.update(buildingId, (item) => {
      const fresh = sorted.filter(
        ([ms]) => item.profiledThroughMs === undefined || ms > item.profiledThroughMs,
      );
      if (fresh.length === 0) return undefined;
      const profile = item.profile ?? { workday: [], other: [] };
      for (const [ms, r] of fresh) {
        const kw = readingKw(r);
        const slots = isLikelyWorkday(chinaDate(ms)) ? profile.workday : profile.other;
        const slot = Math.floor(chinaMinuteOfDay(ms) / (1440 / SLOTS));
        // The first reading of a day type seeds all its slots, so planning has a level to start from.
        if (slots.length === 0) slots.push(...new Array<number>(SLOTS).fill(kw));
        slots[slot] = (1 - PROFILE_WEIGHT) * (slots[slot] as number) + PROFILE_WEIGHT * kw;
      }
      // A day type never seen yet borrows the other's shape.
      if (profile.workday.length === 0) profile.workday = [...profile.other];
      if (profile.other.length === 0) profile.other = [...profile.workday];
      return { ...item, profile, profiledThroughMs: (fresh.at(-1) as [number, MeterReading])[0] };
    });
  }

  async readings(buildingId: string, fromMs: number, toMsExclusive: number): Promise<MeterReading[]> {
    if (!(toMsExclusive > fromMs)) return [];
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': `BLDG#${buildingId}`,
        ':from': keys.reading(buildingId, toIso(fromMs)).sk,
        ':to': keys.reading(buildingId, toIso(toMsExclusive - 1)).sk,
      },
      ConsistentRead: true,
    });
    return items.map((i) => MeterReading.parse(stripKeys(i, KEY_ATTRIBUTES)));
  }

  /**
   * Read-modify-write of the state item under its version, retried with backoff when another
   * report wrote in between; `change` returns undefined when there is nothing to write.
   */
  private async update(
    buildingId: string,
    change: (item: StateItem) => StateItem | undefined,
  ): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const res = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: keys.state(buildingId), ConsistentRead: true }),
      );
      const current = readStateItem(res.Item);
      const next = change(structuredClone(current));
      if (!next) return;
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: stateItem(buildingId, next, current.version + 1),
            ConditionExpression: current.version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
            ...(current.version === 0 ? {} : { ExpressionAttributeValues: { ':v': current.version } }),
          }),
        );
        return;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        await sleep(backoff(attempt, 10));
      }
    }
    throw new Error(`building ${buildingId}: state kept changing under concurrent reports; try again`);
  }
}
