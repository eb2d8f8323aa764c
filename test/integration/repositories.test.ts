/**
 * Every DynamoDB repository against a real DynamoDB Local: keys, indexes, pagination, conditions,
 * transactions and TTL as DynamoDB applies them. Each block has a fresh table of its own.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dynamoRepositories, type Repositories } from '../../lib/adapters/dynamodb/index.ts';
import { ReservationConflictError } from '../../lib/adapters/dynamodb/reservation-repository.ts';
import { keys } from '../../lib/adapters/dynamodb/table.ts';
import { commandId } from '../../lib/domain/commands.ts';
import { ConflictError, ValidationError } from '../../lib/domain/errors.ts';
import type { Reservation } from '../../lib/domain/flexibility.ts';
import { Building, type Park } from '../../lib/domain/model/building.ts';
import type { Command } from '../../lib/domain/model/command.ts';
import { GridEvent } from '../../lib/domain/model/grid-event.ts';
import { settleBuilding, settlePark } from '../../lib/domain/settlement.ts';
import { MINUTE_MS } from '../../lib/domain/time.ts';
import type { CommandRecord, CommandTally, EventRecord, Page, PageRequest } from '../../lib/ports.ts';
import { createTestTable, LOCAL_AWS, type TestTable } from '../support/dynamodb-local.ts';
import { buildingInput } from '../support/fixtures.ts';

const RETENTION_DAYS = 60;

/** A fresh table and repositories over it for one describe block; the clock ticks a minute a call. */
function useTable() {
  const ctx = {} as { table: TestTable; repos: Repositories };
  beforeAll(async () => {
    ctx.table = await createTestTable(inject('dynamodbEndpoint'));
    let now = Date.parse('2026-12-20T00:00:00Z');
    ctx.repos = dynamoRepositories(ctx.table.doc, ctx.table.tableName, {
      readingRetentionDays: RETENTION_DAYS,
      now: () => (now += MINUTE_MS),
    });
  });
  afterAll(async () => {
    await ctx.table?.drop();
  });
  return ctx;
}

/** Follows cursors to the end; returns every item and the number of pages. */
async function walk<T>(list: (page: PageRequest) => Promise<Page<T>>, limit: number) {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.cursor;
    pages++;
    expect(pages).toBeLessThan(100);
  } while (cursor);
  return { items, pages };
}

const park = (parkId: string): Park => ({ parkId, name: `Park ${parkId}`, zone: 'mengxi', city: 'Hohhot' });
const building = (buildingId: string, parkId: string, zone: string, feederId: string) =>
  Building.parse(buildingInput({ buildingId, parkId, zone, feederId }));

describe('DynamoParkRepository', () => {
  const t = useTable();

  it('puts, gets, lists over several pages and deletes a park without buildings', async () => {
    const { parks } = t.repos;
    const ids = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
    await Promise.all(ids.map((id) => parks.put(park(id))));
    expect(await parks.get('p3')).toEqual(park('p3'));
    expect(await parks.get('nope')).toBeUndefined();

    const { items, pages } = await walk((p) => parks.list(p), 3);
    expect(pages).toBe(3);
    expect(items.map((p) => p.parkId).sort()).toEqual(ids);

    await parks.put({ ...park('p3'), name: 'renamed' });
    expect((await parks.get('p3'))?.name).toBe('renamed');
    await parks.delete('p7');
    expect(await parks.get('p7')).toBeUndefined();
  });

  it('refuses to delete a park that still has buildings', async () => {
    await t.repos.parks.put(park('busy'));
    await t.repos.buildings.put(building('bb1', 'busy', 'z', 'f'));
    await expect(t.repos.parks.delete('busy')).rejects.toBeInstanceOf(ConflictError);
    await t.repos.buildings.delete('bb1');
    await t.repos.parks.delete('busy');
    expect(await t.repos.parks.get('busy')).toBeUndefined();
  });

  it('refuses a cursor it did not make, and validates stored items when reading them back', async () => {
    await expect(t.repos.parks.list({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
    const forged = Buffer.from(JSON.stringify({ pk: 1 })).toString('base64url');
    await expect(t.repos.parks.list({ cursor: forged })).rejects.toBeInstanceOf(ValidationError);
    // An item written by something else, with a field the schema does not know.
    await t.table.doc.send(
      new PutCommand({
        TableName: t.table.tableName,
        Item: { ...keys.park('odd'), type: 'park', ...park('odd'), extra: true },
      }),
    );
    await expect(t.repos.parks.get('odd')).rejects.toThrow(/extra/);
  });
});

describe('DynamoBuildingRepository', () => {
  const t = useTable();
  // id: zone, feeder, park
  const fleet = {
    b01: ['z1', 'f1', 'p1'],
    b02: ['z1', 'f2', 'p1'],
    b03: ['z2', 'f1', 'p2'],
    b04: ['z2', 'f2', 'p2'],
    b05: ['z2', 'f3', 'p3'],
    b06: ['z2', 'f3', 'p3'],
    b07: ['z1', 'f3', 'p2'],
    b08: ['z2', 'f2', 'p3'],
    b09: ['z3', 'f4', 'p4'],
  } as const;
  beforeAll(async () => {
    await Promise.all(
      Object.entries(fleet).map(([id, [zone, feeder, parkId]]) =>
        t.repos.buildings.put(building(id, parkId, zone, feeder)),
      ),
    );
  });

  it('gets one building, many (each once, missing ones absent) and deletes', async () => {
    const { buildings } = t.repos;
    expect(await buildings.get('b03')).toEqual(building('b03', 'p2', 'z2', 'f1'));
    const many = await buildings.getMany(['b02', 'zz', 'b01', 'b02']);
    expect(many.map((b) => b.buildingId)).toEqual(['b02', 'b01']);
    await buildings.put(building('gone', 'p9', 'z9', 'f9'));
    await buildings.delete('gone');
    expect(await buildings.get('gone')).toBeUndefined();
  });

  it('lists the buildings of a park page by page', async () => {
    const { items, pages } = await walk((p) => t.repos.buildings.listByPark('p2', p), 2);
    expect(pages).toBe(2);
    expect(items.map((b) => b.buildingId).sort()).toEqual(['b03', 'b04', 'b07']);
  });

  it('lists a scope with overlapping (and repeated) selectors, each building exactly once', async () => {
    const scope = {
      zones: ['z1', 'z1'],
      feederIds: ['f1', 'f2'],
      parkIds: ['p2', 'p1'],
      buildingIds: ['b01', 'b05', 'b05', 'missing'],
    };
    // z1: b01 b02 b07; f1: b01 b03; f2: b02 b04 b08; p2: b03 b04 b07; p1: b01 b02; ids: b01 b05.
    const expected = ['b01', 'b02', 'b03', 'b04', 'b05', 'b07', 'b08'];
    for (const limit of [1, 2, 3, 500]) {
      const { items } = await walk((p) => t.repos.buildings.listByScope(scope, p), limit);
      const ids = items.map((b) => b.buildingId);
      expect(ids.length, `limit ${limit}`).toBe(new Set(ids).size);
      expect(ids.sort(), `limit ${limit}`).toEqual(expected);
    }
    const onlyIds = await walk((p) => t.repos.buildings.listByScope({ buildingIds: ['b09', 'b06'] }, p), 1);
    expect(onlyIds.items.map((b) => b.buildingId)).toEqual(['b09', 'b06']);
  });
});

describe('DynamoProgramRepository', () => {
  const t = useTable();

  it('puts and gets a program', async () => {
    const program = {
      programId: 'mengxi-peak',
      name: 'Peak',
      baseline: { method: 'PRE_EVENT' as const, minutesBefore: 15 },
      settlement: { unit: 'YUAN_PER_KWH' as const, price: 1.5, minRatio: 0.8, maxRatio: 1.2 },
    };
    await t.repos.programs.put(program);
    expect(await t.repos.programs.get('mengxi-peak')).toEqual(program);
    expect(await t.repos.programs.get('other')).toBeUndefined();
  });
});

const gridEvent = (eventId: string) =>
  GridEvent.parse({
    eventId,
    programId: 'p',
    type: 'PEAK_SHAVING',
    start: '2026-12-14T09:00:00.000Z',
    end: '2026-12-14T10:00:00.000Z',
    targetsKw: [1, 1, 1, 1],
    scope: { parkIds: ['p1'] },
    noticeAt: '2026-12-14T01:00:00.000Z',
  });
const eventRecord = (eventId: string, createdAt: string): EventRecord => ({
  event: gridEvent(eventId),
  revision: 1,
  status: 'received',
  version: 1,
  createdAt,
  updatedAt: createdAt,
  declinesPlannedAround: 0,
});

describe('DynamoEventRepository', () => {
  const t = useTable();

  it('creates an event once: a second create returns the stored record', async () => {
    const first = eventRecord('ev1', '2026-12-14T01:00:00.000Z');
    expect(await t.repos.events.create(first)).toEqual({ record: first, created: true });
    const again = await t.repos.events.create({
      ...first,
      status: 'planned',
      createdAt: '2026-12-14T02:00:00.000Z',
    });
    expect(again).toEqual({ record: first, created: false });
    expect(await t.repos.events.get('ev1')).toEqual(first);
    expect(await t.repos.events.get('ev-none')).toBeUndefined();
  });

  it('updates only the version it read', async () => {
    const { events } = t.repos;
    const stored = eventRecord('ev2', '2026-12-14T01:00:00.000Z');
    await events.create(stored);
    const planned: EventRecord = {
      ...stored,
      status: 'planned',
      version: 2,
      plan: {
        revision: 1,
        targetsKw: [1, 1, 1, 1],
        procuredKw: [1, 1, 1, 1],
        expectedKw: [1, 1, 1, 0.5],
        shortfallKw: [0, 0, 0, 0.5],
        costYuan: 1.25,
        buildingsInScope: 3,
        buildingsCommanded: 2,
        plannedAt: '2026-12-14T01:01:00.000Z',
      },
    };
    await events.update(planned);
    // A second writer that read version 1 too.
    await expect(events.update({ ...stored, status: 'cancelled', version: 2 })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(events.update({ ...planned, version: 4 })).rejects.toBeInstanceOf(ConflictError);
    await expect(events.update(eventRecord('ev-none', stored.createdAt))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(await events.get('ev2')).toEqual(planned);
  });

  it('lists events newest first, page by page', async () => {
    const ids = ['l1', 'l2', 'l3', 'l4', 'l5'];
    for (const [i, id] of ids.entries())
      await t.repos.events.create(eventRecord(id, `2026-12-15T0${i}:00:00.000Z`));
    const { items, pages } = await walk((p) => t.repos.events.list(p), 2);
    expect(pages).toBeGreaterThanOrEqual(3);
    const listed = items.map((r) => r.event.eventId);
    expect(listed.slice(0, 5)).toEqual(['l5', 'l4', 'l3', 'l2', 'l1']);
    expect(new Set(listed)).toEqual(new Set([...ids, 'ev1', 'ev2']));
  });

  it('reads the events starting in a span by their instant, whatever offset they were written in', async () => {
    const at = (eventId: string, start: string, end: string): EventRecord => ({
      ...eventRecord(eventId, '2026-12-01T00:00:00.000Z'),
      event: { ...gridEvent(eventId), start, end },
    });
    await t.repos.events.create(at('s-before', '2026-12-10T23:00:00.000Z', '2026-12-11T00:00:00.000Z'));
    // 2026-12-11T09:00Z written in Beijing time: its string sorts after the UTC instants around it.
    await t.repos.events.create(at('s-beijing', '2026-12-11T17:00:00+08:00', '2026-12-11T18:00:00+08:00'));
    await t.repos.events.create({
      ...at('s-first', '2026-12-11T00:00:00.000Z', '2026-12-11T01:00:00.000Z'),
      status: 'cancelled',
    });
    await t.repos.events.create(at('s-at-end', '2026-12-12T09:00:00.000Z', '2026-12-12T10:00:00.000Z'));

    const found = await t.repos.events.startingBetween(
      '2026-12-11T00:00:00.000Z',
      '2026-12-12T09:00:00.000Z',
    );

    expect(found).toEqual([
      {
        eventId: 's-first',
        start: '2026-12-11T00:00:00.000Z',
        end: '2026-12-11T01:00:00.000Z',
        status: 'cancelled',
      },
      {
        eventId: 's-beijing',
        start: '2026-12-11T17:00:00+08:00',
        end: '2026-12-11T18:00:00+08:00',
        status: 'received',
      },
    ]);
  });
});

/** A command with `n` intervals of non-trivial values (so many of them make a big event). */
function command(eventId: string, buildingId: string, revision: number, start: string, n = 4): Command {
  const series = Array.from({ length: n }, (_, i) => Math.round((100 + i * 1.234567) * 1000) / 1000);
  return {
    commandId: commandId(eventId, buildingId, revision),
    eventId,
    revision,
    kind: 'DISPATCH',
    buildingId,
    parkId: 'p1',
    bmsIntegrationId: 'bms1',
    direction: 'PEAK_SHAVING',
    start,
    intervalMinutes: 15,
    limitType: 'MAX_IMPORT',
    gridLimitKw: series,
    baselineKw: series,
    responseKw: series,
    assets: [
      { assetId: 'bat', action: 'discharge', kw: series },
      { assetId: 'tank', action: 'heaterOff', kw: series },
    ],
  };
}
const pending = (c: Command, updatedAt = '2026-12-14T01:00:00.000Z'): CommandRecord => ({
  command: c,
  status: 'PENDING',
  updatedAt,
});

/**
 * A DocumentClient on its own connection whose BatchGet answers "nothing stored": a repository on
 * it behaves like a writer that looked for existing commands just before another writer stored
 * them, so only the conditional writes stand between it and an overwrite.
 */
function blindToBatchGet(endpoint: string) {
  const client = new DynamoDBClient({ endpoint, ...LOCAL_AWS });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  let blinded = 0;
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchGetItemCommand') return next(args);
      blinded++;
      return { output: { Responses: {}, $metadata: {} }, response: {} };
    },
    { step: 'initialize', name: 'blindBatchGet' },
  );
  return { doc, blinded: () => blinded, destroy: () => client.destroy() };
}

describe('DynamoCommandRepository', () => {
  const t = useTable();
  const start = '2026-12-14T09:00:00.000Z';

  it('stores new commands, leaves existing ones as they are, and finds them by id, event and building', async () => {
    const { commands } = t.repos;
    const [a, b, c] = ['b1', 'b2', 'b3'].map((id) => command('ev1', id, 1, start)) as [
      Command,
      Command,
      Command,
    ];
    await commands.putMany([pending(a), pending(b), pending(a)]);
    expect(await commands.transition(a.commandId, ['PENDING'], 'PUBLISHED', '2026-12-14T01:01:00.000Z')).toBe(
      true,
    );
    // A retried plan: the same ids again (as PENDING, with new times) and one new command.
    await commands.putMany([
      pending(a, '2026-12-14T02:00:00.000Z'),
      pending(b, '2026-12-14T02:00:00.000Z'),
      pending(c),
    ]);
    expect(await commands.get(a.commandId)).toEqual({
      command: a,
      status: 'PUBLISHED',
      updatedAt: '2026-12-14T01:01:00.000Z',
    });
    expect(await commands.get(b.commandId)).toEqual(pending(b));
    expect(await commands.get(c.commandId)).toEqual(pending(c));
    expect(await commands.get('unknown')).toBeUndefined();
    expect((await commands.ofEvent('ev1')).map((r) => r.command.buildingId).sort()).toEqual([
      'b1',
      'b2',
      'b3',
    ]);
  });

  it('never overwrites a command a racing writer stored first', async () => {
    const { commands } = t.repos;
    const blind = blindToBatchGet(inject('dynamodbEndpoint'));
    try {
      const late = dynamoRepositories(blind.doc, t.table.tableName, {
        readingRetentionDays: 1,
        now: Date.now,
      }).commands;
      const records = Array.from({ length: 120 }, (_, i) => pending(command('race', `rb${i}`, 1, start)));
      await commands.putMany(records.slice(0, 80));
      const moved = await commands.transitionMany(
        records.slice(0, 80),
        ['PENDING'],
        'ACKNOWLEDGED',
        '2026-12-14T01:05:00.000Z',
      );
      expect(moved).toHaveLength(80);
      // The late writer sees nothing stored: its transactions of 50 are refused and it falls back to
      // one conditional write per command, storing the 40 new ones only.
      await late.putMany(records);
      expect(blind.blinded()).toBeGreaterThan(0);
      const stored = await commands.ofEvent('race');
      expect(stored).toHaveLength(120);
      const statuses = new Map(stored.map((r) => [r.command.buildingId, r.status]));
      for (let i = 0; i < 120; i++) expect(statuses.get(`rb${i}`)).toBe(i < 80 ? 'ACKNOWLEDGED' : 'PENDING');
      // Both writers at once on fresh ids: each command stored once, no error.
      const twice = Array.from({ length: 60 }, (_, i) => pending(command('race2', `rc${i}`, 1, start)));
      const results = await Promise.allSettled([
        late.putMany(twice),
        late.putMany(twice),
        commands.putMany(twice),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(await commands.ofEvent('race2')).toHaveLength(60);
    } finally {
      blind.destroy();
    }
  });

  it('moves a status only from the allowed ones', async () => {
    const { commands } = t.repos;
    const c = command('ev-t', 'b1', 1, start);
    await commands.putMany([pending(c)]);
    expect(
      await commands.transition(c.commandId, ['PUBLISHED'], 'ACKNOWLEDGED', '2026-12-14T01:02:00.000Z'),
    ).toBe(false);
    expect(
      await commands.transition(c.commandId, ['PENDING', 'FAILED'], 'PUBLISHED', '2026-12-14T01:02:00.000Z'),
    ).toBe(true);
    expect(await commands.transition(c.commandId, ['PENDING'], 'PUBLISHED', '2026-12-14T01:03:00.000Z')).toBe(
      false,
    );
    expect(
      await commands.transition(
        c.commandId,
        ['PUBLISHED'],
        'DECLINED',
        '2026-12-14T01:04:00.000Z',
        'no battery',
      ),
    ).toBe(true);
    expect(await commands.get(c.commandId)).toEqual({
      command: c,
      status: 'DECLINED',
      updatedAt: '2026-12-14T01:04:00.000Z',
      reason: 'no battery',
    });
    expect(await commands.transition('unknown', ['PENDING'], 'PUBLISHED', '2026-12-14T01:04:00.000Z')).toBe(
      false,
    );

    // Many at once, as read before one of them failed: only those in an allowed status move, even
    // when others in the same batch do not.
    const many = ['m1', 'm2', 'm3'].map((id) => command('ev-m', id, 1, start));
    await commands.putMany(many.map((m) => pending(m)));
    await commands.transition(
      (many[1] as Command).commandId,
      ['PENDING'],
      'FAILED',
      '2026-12-14T01:05:00.000Z',
    );
    const ids = many.map((m) => m.commandId);
    expect(
      (
        await commands.transitionMany(
          many.map((m) => pending(m)),
          ['PENDING'],
          'PUBLISHED',
          '2026-12-14T01:06:00.000Z',
        )
      ).sort(),
    ).toEqual([ids[0], ids[2]].sort());
  });

  it("returns all of an event's commands past DynamoDB's 1 MB page, and a building's newest first", async () => {
    const { commands } = t.repos;
    // 400 commands of 96 intervals: more than 1 MB, so the query needs several pages.
    const big = Array.from({ length: 400 }, (_, i) => command('ev-big', `bb${i}`, 1, start, 96));
    expect(JSON.stringify(big).length).toBeGreaterThan(1_100_000);
    await commands.putMany(big.map((c) => pending(c)));
    const all = await commands.ofEvent('ev-big');
    expect(all).toHaveLength(400);
    expect(new Set(all.map((r) => r.command.commandId)).size).toBe(400);

    const days = ['2026-12-14', '2026-12-15', '2026-12-16'];
    for (const [i, d] of days.entries())
      await commands.putMany([pending(command(`ev-day${i}`, 'hist', 1, `${d}T09:00:00.000Z`))]);
    await commands.putMany([pending(command('ev-day2', 'hist', 2, '2026-12-16T09:00:00.000Z'))]);
    const { items, pages } = await walk((p) => commands.ofBuilding('hist', p), 2);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(items.map((r) => `${r.command.eventId}/${r.command.revision}`)).toEqual([
      'ev-day2/2',
      'ev-day2/1',
      'ev-day1/1',
      'ev-day0/1',
    ]);
  });
  it('counts commands exactly in the writes that store and move them, and pages them by shard and by park', async () => {
    const { commands } = t.repos;
    const inPark = (c: Command, i: number): Command => ({ ...c, parkId: `tp${i % 5}` });
    const all = Array.from({ length: 60 }, (_, i) => inPark(command('ev-tally', `tb${i}`, 1, start), i));
    // Stored twice at once: each command is counted once, by the write that stored it.
    await Promise.all([
      commands.putMany(all.map((c) => pending(c))),
      commands.putMany(all.map((c) => pending(c))),
    ]);
    const published = await commands.transitionMany(
      all.map((c) => pending(c)),
      ['PENDING'],
      'PUBLISHED',
      '2026-12-14T01:01:00.000Z',
    );
    expect(published).toHaveLength(60);
    // Answers racing on the same shards' counters, some twice; then a whole-revision move.
    const answers = all.slice(0, 36).flatMap((c, i) => [c, ...(i % 3 === 0 ? [c] : [])]);
    await Promise.all(
      answers.map((c, i) =>
        commands.transition(
          c.commandId,
          ['PUBLISHED'],
          i % 4 === 0 ? 'DECLINED' : 'ACKNOWLEDGED',
          '2026-12-14T01:02:00.000Z',
        ),
      ),
    );
    await commands.transitionMany(
      (await commands.ofEvent('ev-tally')).filter((r) => r.status === 'PUBLISHED'),
      ['PUBLISHED'],
      'SUPERSEDED',
      '2026-12-14T01:03:00.000Z',
    );
    const stored = await commands.ofEvent('ev-tally');
    const counted = (records: readonly CommandRecord[]) => {
      const n: Record<string, number> = {};
      for (const r of records) n[r.status] = (n[r.status] ?? 0) + 1;
      return n;
    };
    const nonZero = (tally: CommandTally) =>
      Object.fromEntries(Object.entries(tally.DISPATCH).filter(([, v]) => v !== 0));
    const tally = await commands.tally('ev-tally');
    expect(nonZero(tally)).toEqual(counted(stored));
    expect(Object.values(tally.CANCEL).every((v) => v === 0)).toBe(true);
    expect(tally.DISPATCH.SUPERSEDED).toBe(24);

    const parks = await commands.tallyOfParks('ev-tally', ['tp1', 'tp3', 'nowhere']);
    expect([...parks.keys()].sort()).toEqual(['tp1', 'tp3']);
    for (const p of ['tp1', 'tp3'])
      expect(nonZero(parks.get(p) as CommandTally)).toEqual(
        counted(stored.filter((r) => r.command.parkId === p)),
      );

    // Pages: every command once, across the shards; a park's alone through the index.
    const { items } = await walk((p) => commands.pageOfEvent('ev-tally', p), 7);
    expect(items.map((r) => r.command.commandId).sort()).toEqual(all.map((c) => c.commandId).sort());
    const ofPark = await walk((p) => commands.pageOfEvent('ev-tally', p, ['tp2']), 9);
    expect(ofPark.items.map((r) => r.command.commandId).sort()).toEqual(
      all
        .filter((c) => c.parkId === 'tp2')
        .map((c) => c.commandId)
        .sort(),
    );
  });
});

describe('DynamoReservationRepository', () => {
  const t = useTable();
  const from = Date.parse('2026-12-14T10:00:00Z');
  const to = Date.parse('2026-12-14T12:00:00Z');
  const held = (eventId: string, kw: number, startMs = from): Reservation[] => [
    {
      eventId,
      assetId: 'bat',
      direction: 'PEAK_SHAVING',
      startMs,
      intervalMinutes: 15,
      kw: [kw, kw],
      kwh: kw / 2,
    },
  ];

  it('commits under the version, replaces the same event, filters by window and releases', async () => {
    const { reservations } = t.repos;
    expect(await reservations.ofBuildings(['r1'], from, to)).toEqual(
      new Map([['r1', { buildingId: 'r1', version: 0, reservations: [] }]]),
    );
    await reservations.commit('ev1', to, [
      { buildingId: 'r1', expectedVersion: 0, reservations: held('ev1', 10) },
    ]);
    // Committing the same event again replaces its reservations (a retry converges).
    await reservations.commit('ev1', to, [
      { buildingId: 'r1', expectedVersion: 1, reservations: held('ev1', 20) },
    ]);
    await reservations.commit('ev2', to + 3_600_000, [
      { buildingId: 'r1', expectedVersion: 2, reservations: held('ev2', 5, to) },
    ]);
    let r1 = (await reservations.ofBuildings(['r1'], from, to)).get('r1');
    expect(r1?.version).toBe(3);
    expect(r1?.reservations).toEqual(held('ev1', 20));
    // [to, to + 1 h) overlaps ev2 only; [from − 1 h, from) overlaps neither.
    r1 = (await reservations.ofBuildings(['r1'], to, to + 3_600_000)).get('r1');
    expect(r1?.reservations.map((r) => r.eventId)).toEqual(['ev2']);
    expect((await reservations.ofBuildings(['r1'], from - 3_600_000, from)).get('r1')?.reservations).toEqual(
      [],
    );
    expect(
      (await reservations.ofBuildings(['r1'], from, to + 3_600_000))
        .get('r1')
        ?.reservations.map((r) => r.eventId)
        .sort(),
    ).toEqual(['ev1', 'ev2']);

    await reservations.release('ev1', ['r1', 'never-reserved']);
    const after = await reservations.ofBuildings(['r1', 'never-reserved'], from, to + 3_600_000);
    expect(after.get('r1')).toEqual({ buildingId: 'r1', version: 4, reservations: held('ev2', 5, to) });
    expect(after.get('never-reserved')).toEqual({
      buildingId: 'never-reserved',
      version: 0,
      reservations: [],
    });
    // Releasing again changes nothing, not even the version.
    await reservations.release('ev1', ['r1']);
    expect((await reservations.ofBuildings(['r1'], from, to)).get('r1')?.version).toBe(4);
  });

  it('refuses a stale version with a ConflictError naming the building, committing nothing for it', async () => {
    const { reservations } = t.repos;
    await reservations.commit('ev1', to, [
      { buildingId: 's1', expectedVersion: 0, reservations: held('ev1', 10) },
    ]);
    const stale = reservations.commit('ev2', to, [
      { buildingId: 's2', expectedVersion: 0, reservations: held('ev2', 7) },
      { buildingId: 's1', expectedVersion: 0, reservations: held('ev2', 7) },
    ]);
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toMatchObject({ buildingIds: ['s1'] });
    const now = await reservations.ofBuildings(['s1', 's2'], from, to);
    expect(now.get('s1')).toEqual({ buildingId: 's1', version: 1, reservations: held('ev1', 10) });
    // s2 shared the refused transaction: nothing committed for it either.
    expect(now.get('s2')).toEqual({ buildingId: 's2', version: 0, reservations: [] });
  });

  it('lets exactly one of two concurrent commits on a building win; the loser retries with fresh versions', async () => {
    const { reservations } = t.repos;
    const read = await reservations.ofBuildings(['c1'], from, to);
    const version = read.get('c1')?.version ?? -1;
    const results = await Promise.allSettled(
      ['evA', 'evB'].map((eventId) =>
        reservations.commit(eventId, to, [
          { buildingId: 'c1', expectedVersion: version, reservations: held(eventId, 1) },
        ]),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect(lost?.status === 'rejected' && lost.reason).toBeInstanceOf(ReservationConflictError);
    const loser = results[0]?.status === 'rejected' ? 'evA' : 'evB';
    const fresh = (await reservations.ofBuildings(['c1'], from, to)).get('c1');
    expect(fresh?.version).toBe(1);
    await reservations.commit(loser, to, [
      { buildingId: 'c1', expectedVersion: 1, reservations: held(loser, 1) },
    ]);
    const both = (await reservations.ofBuildings(['c1'], from, to)).get('c1');
    expect(both?.version).toBe(2);
    expect(both?.reservations.map((r) => r.eventId).sort()).toEqual(['evA', 'evB']);
  });

  it('commits more buildings than one transaction holds', async () => {
    const ids = Array.from({ length: 230 }, (_, i) => `g${i}`);
    await t.repos.reservations.commit(
      'ev-wide',
      to,
      ids.map((buildingId) => ({ buildingId, expectedVersion: 0, reservations: held('ev-wide', 3) })),
    );
    const read = await t.repos.reservations.ofBuildings(ids, from, to);
    expect([...read.values()].every((b) => b.version === 1 && b.reservations.length === 1)).toBe(true);
    await t.repos.reservations.release('ev-wide', ids);
    const released = await t.repos.reservations.ofBuildings(ids, from, to);
    expect([...released.values()].every((b) => b.version === 2 && b.reservations.length === 0)).toBe(true);
  });
});

describe('DynamoSettlementRepository', () => {
  const t = useTable();
  const rules = { unit: 'YUAN_PER_KWH' as const, price: 1.5, minRatio: 0.8, maxRatio: 1.2 };
  const settle = (buildingId: string, parkId: string, actual: number | null) =>
    settleBuilding({
      buildingId,
      parkId,
      direction: 'PEAK_SHAVING',
      rules,
      intervalMinutes: 15,
      declaredKw: [10, 10],
      baselineKw: [100, 100],
      actualKw: [90, actual],
    });

  it("stores an event's settlements and lists a park's newest first, each event once", async () => {
    const { settlements } = t.repos;
    for (const eventId of ['e1', 'e2', 'e3']) {
      const buildings = [settle('b1', 'sp', 91), settle('b2', 'sp', null), settle('b3', 'other', 88)];
      await settlements.put(eventId, 1, buildings, [
        settlePark('sp', buildings.slice(0, 2)),
        settlePark('other', buildings.slice(2)),
      ]);
    }
    const e2 = await settlements.ofEvent('e2');
    expect(e2.buildings.map((b) => b.buildingId).sort()).toEqual(['b1', 'b2', 'b3']);
    expect(e2.buildings.find((b) => b.buildingId === 'b2')).toEqual(settle('b2', 'sp', null));
    expect(e2.parks.map((p) => p.parkId).sort()).toEqual(['other', 'sp']);
    expect(await settlements.ofEvent('none')).toEqual({
      buildings: [],
      parks: [],
      awaiting: [],
      withoutData: [],
    });

    // Settling e1 again makes it the newest, without a second entry.
    const again = [settle('b1', 'sp', 80), settle('b2', 'sp', 80)];
    await settlements.put('e1', 2, again, [settlePark('sp', again)]);
    const { items, pages } = await walk((p) => settlements.ofPark('sp', p), 2);
    expect(pages).toBe(2);
    expect(items.map((s) => s.eventId)).toEqual(['e1', 'e3', 'e2']);
    expect(items[0]).toEqual({ ...settlePark('sp', again), eventId: 'e1' });
  });

  it('keeps every settlement revision readable while the latest replaces the previous one whole', async () => {
    // Prepare: revision 1 settles b1 (park sp) and b3 (park other) while b2 awaits readings;
    // revision 2 settles only b1, again, and b2 without its data
    const { settlements } = t.repos;
    const first = [settle('b1', 'sp', 91), settle('b3', 'other', 88)];
    const b2 = {
      buildingId: 'b2',
      parkId: 'sp',
      needs: 'readings' as const,
      missingIntervals: 2,
      reason: 'late',
    };
    await settlements.put(
      'rev',
      1,
      first,
      [settlePark('sp', first.slice(0, 1)), settlePark('other', first.slice(1))],
      { awaiting: [b2], withoutData: [] },
    );
    expect(await settlements.open('rev')).toEqual({ awaiting: [b2], withoutData: [] });
    const second = [settle('b1', 'sp', 70)];
    const b2Settled = { ...b2, settledAs: 'MISSING_AS_ZERO' as const };

    // Act
    await settlements.put('rev', 2, second, [settlePark('sp', second)], {
      awaiting: [],
      withoutData: [b2Settled],
    });
    const latest = await settlements.ofEvent('rev');
    const one = await settlements.ofEvent('rev', 1);
    const two = await settlements.ofEvent('rev', 2);
    const other = await walk((p) => settlements.ofPark('other', p), 10);

    // Assess: the latest is revision 2 alone (b3, park 'other' and b2's wait gone from it, and from
    // the park's list), while revision 1 still reads back as it was written
    expect(latest).toEqual({
      buildings: second,
      parks: [settlePark('sp', second)],
      awaiting: [],
      withoutData: [b2Settled],
    });
    expect(await settlements.open('rev')).toEqual({ awaiting: [], withoutData: [b2Settled] });
    expect(one.awaiting).toEqual([b2]);
    expect(two).toEqual(latest);
    expect(one.buildings.map((b) => b.buildingId).sort()).toEqual(['b1', 'b3']);
    expect(one.buildings.find((b) => b.buildingId === 'b1')).toEqual(first[0]);
    expect(one.parks.map((p) => p.parkId).sort()).toEqual(['other', 'sp']);
    expect(other.items.map((s) => s.eventId)).not.toContain('rev');
  });
});
