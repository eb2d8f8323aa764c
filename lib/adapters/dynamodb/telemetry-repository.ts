import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isChinaWorkday } from '../../domain/calendar.ts';
import { BuildingState, MeterReading, readingKw } from '../../domain/model/telemetry.ts';
import { chinaDate, chinaMinuteOfDay, DAY_MS, toIso, toMs } from '../../domain/time.ts';
import type { BuildingTelemetry, TelemetryRepository } from '../../ports.ts';
import { batchGet, batchWrite, queryAll, stripKeys } from './batch.ts';
import { KEY_ATTRIBUTES, keys, TTL_ATTRIBUTE } from './table.ts';

/** Weight of a new reading in the planning profile's moving average. */
const PROFILE_WEIGHT = 0.3;
const SLOTS = 96;

interface StateItem {
  state?: BuildingState;
  profile?: { workday: number[]; other: number[] };
  version: number;
}

/** Workday per the Chinese calendar; Monday to Friday where its data stops. */
function workday(ms: number): boolean {
  try {
    return isChinaWorkday(chinaDate(ms));
  } catch {
    const day = new Date(ms + 8 * 3_600_000).getUTCDay();
    return day >= 1 && day <= 5;
  }
}

/** The stored state item of a building (the profile, when known, rides along). */
export function stateItem(
  buildingId: string,
  next: { state?: BuildingState | undefined; profile?: StateItem['profile'] | undefined },
  version: number,
): Record<string, unknown> {
  return {
    ...keys.state(buildingId),
    type: 'state',
    ...(next.state ? { state: JSON.stringify(next.state) } : {}),
    ...(next.profile ? { profile: JSON.stringify(next.profile) } : {}),
    version,
  };
}

/**
 * Telemetry: one item per building for its latest state and load profile (written under a
 * version, so concurrent reports never lose each other's changes), and one item per reading.
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
      const id = String(item.pk).slice('BLDG#'.length);
      out.set(id, {
        state: item.state ? BuildingState.parse(JSON.parse(String(item.state))) : undefined,
        profile: item.profile
          ? (JSON.parse(String(item.profile)) as BuildingTelemetry['profile'])
          : undefined,
      });
    }
    return out;
  }

  async putReadings(buildingId: string, readings: readonly MeterReading[]): Promise<void> {
    const sorted = [...readings].sort((a, b) => toMs(a.intervalStart) - toMs(b.intervalStart));
    await batchWrite(
      this.doc,
      this.table,
      sorted.map((r) => {
        const startMs = toMs(r.intervalStart);
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
      const profile = item.profile ?? { workday: [], other: [] };
      for (const r of sorted) {
        const ms = toMs(r.intervalStart);
        const kw = readingKw(r);
        const slots = workday(ms) ? profile.workday : profile.other;
        const slot = Math.floor(chinaMinuteOfDay(ms) / (1440 / SLOTS));
        if (slots.length === 0) slots.push(...new Array<number>(SLOTS).fill(kw));
        slots[slot] = (1 - PROFILE_WEIGHT) * (slots[slot] as number) + PROFILE_WEIGHT * kw;
      }
      // A day type never seen yet borrows the other's shape.
      return { ...item, profile };
    });
  }

  async readings(buildingId: string, fromMs: number, toMsExclusive: number): Promise<MeterReading[]> {
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

  /** Read-modify-write of the state item under its version, retried when someone wrote in between. */
  private async update(
    buildingId: string,
    change: (item: StateItem) => StateItem | undefined,
  ): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const res = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: keys.state(buildingId), ConsistentRead: true }),
      );
      const current: StateItem = res.Item
        ? {
            state: res.Item.state ? (JSON.parse(String(res.Item.state)) as BuildingState) : undefined,
            profile: res.Item.profile
              ? (JSON.parse(String(res.Item.profile)) as StateItem['profile'])
              : undefined,
            version: Number(res.Item.version ?? 0),
          }
        : { version: 0 };
      const next = change(structuredClone(current));
      if (!next) return;
      if (next.profile) {
        if (next.profile.workday.length === 0) next.profile.workday = [...next.profile.other];
        if (next.profile.other.length === 0) next.profile.other = [...next.profile.workday];
      }
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
        if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
      }
    }
    throw new Error(`building ${buildingId}: state kept changing under concurrent reports; try again`);
  }
}
