import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { WorkCalendar } from '../../domain/calendar.ts';
import { weekdayOf } from '../../domain/model/calendar.ts';
import { BuildingState, MeterReading, readingKw } from '../../domain/model/telemetry.ts';
import { chinaDate, chinaMinuteOfDay, DAY_MS, toIso, toMs } from '../../domain/time.ts';
import type { BuildingTelemetry, LoadProfile, TelemetryRepository } from '../../ports.ts';
import { backoff, batchGet, batchWrite, isConditionFailure, queryAll, sleep, stripKeys } from './batch.ts';
import { KEY_ATTRIBUTES, keys, TTL_ATTRIBUTE } from './table.ts';

/** Weight of a new reading in the planning profile's moving average. */
const PROFILE_WEIGHT = 0.3;
const SLOTS = 96;

/** 96 quarter-hour averages of the local day, kW, or none yet. */
const Slots = z
  .array(z.number())
  .refine((a) => a.length === 0 || a.length === SLOTS, `expected 0 or ${SLOTS} slots`);
/** The stored profile; `byWeekday` is absent in profiles written before it existed. */
const Profile = z.object({
  workday: Slots,
  other: Slots,
  byWeekday: z.array(Slots).length(7).optional(),
});
type Profile = LoadProfile;
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
 * `profile` with `readings` (interval start in epoch ms, oldest first) folded in. The first
 * reading of a kind of day seeds all its slots, so planning has a level to start from; a
 * workday or other-day profile never seen yet borrows the other's shape (both stay empty while
 * the calendar knew none of the days). Values are kept to the watt, which keeps the item small.
 */
function foldReadings(
  stored: Profile | undefined,
  readings: readonly (readonly [number, MeterReading])[],
  calendar: WorkCalendar,
): Profile {
  const profile: { workday: number[]; other: number[]; byWeekday: number[][] } = {
    workday: stored?.workday ?? [],
    other: stored?.other ?? [],
    byWeekday: stored?.byWeekday ?? Array.from({ length: 7 }, () => []),
  };
  const fold = (slots: number[], slot: number, kw: number) => {
    if (slots.length === 0) slots.push(...new Array<number>(SLOTS).fill(kw));
    slots[slot] =
      Math.round(((1 - PROFILE_WEIGHT) * (slots[slot] as number) + PROFILE_WEIGHT * kw) * 1000) / 1000;
  };
  for (const [ms, r] of readings) {
    const kw = readingKw(r);
    const date = chinaDate(ms);
    const slot = Math.floor(chinaMinuteOfDay(ms) / (1440 / SLOTS));
    fold(profile.byWeekday[weekdayOf(date)] as number[], slot, kw);
    const workday = calendar.workdayOrUnknown(date);
    if (workday !== undefined) fold(workday ? profile.workday : profile.other, slot, kw);
  }
  if (profile.workday.length === 0) profile.workday = [...profile.other];
  if (profile.other.length === 0) profile.other = [...profile.workday];
  return profile;
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
    /** The coordinator's clock: what is stamped later than it cannot have been measured yet. */
    private readonly now: () => number,
  ) {}

  /**
   * Keeps the newest state: an older report arriving late does not replace it. A stored state
   * stamped later than the clock (a BMS clock gone wrong before reports from the future were
   * refused) is no measurement, so any report replaces it rather than being dropped behind it.
   */
  async putState(state: BuildingState): Promise<void> {
    await this.update(state.buildingId, (item) => {
      const stored = item.state ? toMs(item.state.at) : undefined;
      if (stored !== undefined && stored > toMs(state.at) && stored <= this.now()) return undefined;
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
   * readings into the building's profile, per local quarter hour, as an exponential moving average
   * with weight 0.3 for each new reading: always into the profile of its China weekday, and into
   * the workday or other-day profile only when `calendar` holds its year (a year it lacks is never
   * guessed as Monday to Friday).
   *
   * Only readings newer than the newest one folded so far count, which keeps a re-send from
   * weighing twice; a late backfill of older intervals is stored (baselines and settlement read
   * it) but leaves the profile alone. The profile learns only from intervals that started within
   * the retention horizon before the clock: readings stamped in the future are stored but not
   * folded, and a stored watermark later than the clock is ignored, so none can freeze it.
   */
  async putReadings(
    buildingId: string,
    readings: readonly MeterReading[],
    calendar: WorkCalendar,
  ): Promise<void> {
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
      const nowMs = this.now();
      const through =
        item.profiledThroughMs !== undefined && item.profiledThroughMs <= nowMs
          ? item.profiledThroughMs
          : undefined;
      const horizonMs = nowMs - this.retentionDays * DAY_MS;
      const fresh = sorted.filter(
        ([ms]) => ms >= horizonMs && ms <= nowMs && (through === undefined || ms > through),
      );
      if (fresh.length === 0) return undefined;
      const profile = foldReadings(item.profile, fresh, calendar);
      return { ...item, profile, profiledThroughMs: (fresh.at(-1) as [number, MeterReading])[0] };
    });
  }

  /**
   * The state item, then every reading (keys only, page by page, deleted 25 at a time): a
   * building's 120 days of 15-minute readings are some 11,500 items.
   */
  async deleteOf(buildingId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: keys.state(buildingId) }));
    const readings = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :read)',
      ExpressionAttributeValues: { ':pk': keys.state(buildingId).pk, ':read': 'READ#' },
      ProjectionExpression: 'pk, sk',
    });
    await batchWrite(
      this.doc,
      this.table,
      readings.map((k) => ({ DeleteRequest: { Key: { pk: k.pk, sk: k.sk } } })),
    );
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
