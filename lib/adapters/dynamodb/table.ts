/**
 * The coordinator's single DynamoDB table, defined once: the CDK stack and the local runtime both
 * build it from `createTableInput`, and every repository takes its keys from `keys`.
 *
 * | access pattern | key |
 * |---|---|
 * | park by id; parks list | `PARK#id` / `#PARK`; GSI1 `PARKS` / id |
 * | building by id; buildings of a park | `BLDG#id` / `#BLDG`; GSI1 `PARK#park` / `BLDG#id` |
 * | buildings of a feeder; of a zone (scopes) | GSI2 `FEEDER#feeder` / id; GSI3 `ZONE#zone` / id |
 * | latest state and load profile of a building | `BLDG#id` / `#STATE` |
 * | readings of a building by time | `BLDG#id` / `READ#<UTC ISO start>` (TTL) |
 * | reservations of buildings in a window, with their versions | `BLDG#id` / `#RESV` (one item per building: `version` and one `r#<eventId>` attribute per event; BatchGet) |
 * | a user's park and building bindings, by token subject | `USER#subject` / `#BINDING` |
 * | program by id | `PROG#id` / `#PROG` |
 * | working calendar, every year; one year | `CAL#CN` / `YEAR#yyyy` |
 * | event by id; events newest first | `EVENT#id` / `#EVENT`; GSI1 `EVENTS` / `createdAt#id` |
 * | events by start (past event days of a baseline's lookback) | GSI2 `EVENTS#START` / `<UTC ISO start>#id` |
 * | commands of an event, in 16 shards by building | `EVENT#id#C#<shard>` / `CMD#commandId` |
 * | an event's command counts by kind and status, per shard | `EVENT#id#C#<shard>` / `#COUNT` |
 * | commands of an event in one park (its manager's view) | GSI3 `EVENT#id#PARK#park` / commandId |
 * | command by id | `CMD#commandId` / `#PTR` → its event and shard |
 * | commands of a building, newest first | GSI1 `BLDG#id#CMD` / `start#revision#commandId` |
 * | latest settlements of an event's buildings, and those awaiting data or settled without, in 16 shards | `EVENT#id#S#<shard>` / `SETTLE#BLDG#b`, `SETTLE#AWAIT#b`, `SETTLE#NODATA#b` |
 * | one settlement revision of them (audit) | `EVENT#id#S#<shard>` / `SETTLEREV#<rev>#BLDG#b`, … |
 * | latest settlements of an event's parks; one revision of them (sharded by park) | `EVENT#id#S#<shard>` / `SETTLE#PARK#p`; `SETTLEREV#<rev>#PARK#p` |
 * | settlements of a park, newest first | GSI1 `PARK#p#SETTLE` / `settledAt#eventId` |
 * | OpenADR object by type and id; objects of a type, oldest first | `OADR#TYPE#id` / `#OBJ`; GSI1 `OADR#TYPE` / `createdAt#id` |
 * | OpenADR unique names (programName, venName, a VEN's resourceName) | `OADRNAME#TYPE#name` / `#NAME` |
 * | OpenADR client (hashed secret, bindings) | `OADRCLIENT#id` / `#CLIENT` |
 * | OpenADR access token by its SHA-256 (TTL) | `OADRTOKEN#hash` / `#TOKEN` |
 * | failed token requests of a client id or an address, per fixed window (TTL) | `OADRFAIL#<SHA-256 of the key>` / `W#<window start ms>` |
 * | outbox: messages waiting for the bus, oldest first (TTL) | `OUTBOX#<shard 0–15>` / `createdAt#id` |
 *
 * The table's stream (new images) carries outbox items to the relay, which puts them on the bus.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Expiry attribute (epoch seconds), set on meter readings only. */
export const TTL_ATTRIBUTE = 'ttl';
/**
 * Global secondary indexes, each keyed `<name>pk` / `<name>sk` (strings) and projecting ALL (every
 * reader of an index needs the whole item, and the indexed items are small: JSON-string bodies).
 * GSI1 is overloaded (park's buildings, parks, events, a building's commands, a park's
 * settlements); GSI2 holds feeders (for scopes) and events by start; GSI3 zones, for scopes.
 */
export const INDEX = { gsi1: 'gsi1', gsi2: 'gsi2', gsi3: 'gsi3' } as const;

/**
 * The CreateTable input of the table: `pk`/`sk` strings, the three GSIs, on-demand billing. The
 * CDK stack builds the table from it (adding point-in-time recovery and TTL on
 * {@link TTL_ATTRIBUTE}); the local runtime and the tests create it on DynamoDB Local, then
 * enable TTL with UpdateTimeToLive.
 */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const key = (pk: string, sk: string) => [
    { AttributeName: pk, KeyType: 'HASH' as const },
    { AttributeName: sk, KeyType: 'RANGE' as const },
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk'].map(
      (name) => ({
        AttributeName: name,
        AttributeType: 'S' as const,
      }),
    ),
    KeySchema: key('pk', 'sk'),
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    GlobalSecondaryIndexes: (['gsi1', 'gsi2', 'gsi3'] as const).map((g) => ({
      IndexName: INDEX[g],
      KeySchema: key(`${g}pk`, `${g}sk`),
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}

/** A revision in a sort key: six digits, so keys sort by number. */
export const pad = (n: number) => String(n).padStart(6, '0');

/**
 * Shards of an event's commands. One partition key takes about 1,000 writes a second; an event over
 * 100,000 buildings stores ~62,000 commands and moves each through 2–3 statuses, so one key would
 * take minutes and throttle. 16 keys take the plan in seconds and keep each under the limit.
 */
export const COMMAND_SHARDS = 16;

/** The shard of a building's commands (FNV-1a of its id): every revision of a building lands in one. */
export function commandShard(buildingId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < buildingId.length; i++) {
    h ^= buildingId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % COMMAND_SHARDS;
}

/** Key builders, the only place key strings are spelled. */
export const keys = {
  park: (id: string) => ({ pk: `PARK#${id}`, sk: '#PARK' }),
  parksIndex: (id: string) => ({ gsi1pk: 'PARKS', gsi1sk: id }),
  building: (id: string) => ({ pk: `BLDG#${id}`, sk: '#BLDG' }),
  buildingIndexes: (b: { buildingId: string; parkId: string; feederId: string; zone: string }) => ({
    gsi1pk: `PARK#${b.parkId}`,
    gsi1sk: `BLDG#${b.buildingId}`,
    gsi2pk: `FEEDER#${b.feederId}`,
    gsi2sk: b.buildingId,
    gsi3pk: `ZONE#${b.zone}`,
    gsi3sk: b.buildingId,
  }),
  state: (id: string) => ({ pk: `BLDG#${id}`, sk: '#STATE' }),
  reading: (id: string, startIso: string) => ({ pk: `BLDG#${id}`, sk: `READ#${startIso}` }),
  reservations: (id: string) => ({ pk: `BLDG#${id}`, sk: '#RESV' }),
  binding: (userId: string) => ({ pk: `USER#${userId}`, sk: '#BINDING' }),
  program: (id: string) => ({ pk: `PROG#${id}`, sk: '#PROG' }),
  calendarYears: () => ({ pk: 'CAL#CN' }),
  calendarYear: (year: number) => ({ pk: 'CAL#CN', sk: `YEAR#${year}` }),
  event: (id: string) => ({ pk: `EVENT#${id}`, sk: '#EVENT' }),
  eventsIndex: (createdAt: string, id: string) => ({ gsi1pk: 'EVENTS', gsi1sk: `${createdAt}#${id}` }),
  /** `startIso` is UTC (`toIso`), so keys sort by time whatever offset the operator wrote. */
  eventsByStart: (startIso: string, id: string) => ({ gsi2pk: 'EVENTS#START', gsi2sk: `${startIso}#${id}` }),
  commandShard: (eventId: string, shard: number) => `EVENT#${eventId}#C#${shard}`,
  command: (eventId: string, shard: number, commandId: string) => ({
    pk: `EVENT#${eventId}#C#${shard}`,
    sk: `CMD#${commandId}`,
  }),
  commandCounter: (eventId: string, shard: number) => ({ pk: `EVENT#${eventId}#C#${shard}`, sk: '#COUNT' }),
  commandsOfPark: (eventId: string, parkId: string, commandId: string) => ({
    gsi3pk: `EVENT#${eventId}#PARK#${parkId}`,
    gsi3sk: commandId,
  }),
  commandPointer: (commandId: string) => ({ pk: `CMD#${commandId}`, sk: '#PTR' }),
  commandsOfBuilding: (c: { buildingId: string; start: string; revision: number; commandId: string }) => ({
    gsi1pk: `BLDG#${c.buildingId}#CMD`,
    gsi1sk: `${c.start}#${pad(c.revision)}#${c.commandId}`,
  }),
  settlementShard: (eventId: string, shard: number) => `EVENT#${eventId}#S#${shard}`,
  parkSettlement: (eventId: string, parkId: string) => ({
    pk: `EVENT#${eventId}#S#${commandShard(parkId)}`,
    sk: `SETTLE#PARK#${parkId}`,
  }),
  settlementRevision: (eventId: string, revision: number, kind: 'PARK', id: string) => ({
    pk: `EVENT#${eventId}#S#${commandShard(id)}`,
    sk: `SETTLEREV#${pad(revision)}#${kind}#${id}`,
  }),
  parkSettlementsIndex: (parkId: string, settledAt: string, eventId: string) => ({
    gsi1pk: `PARK#${parkId}#SETTLE`,
    gsi1sk: `${settledAt}#${eventId}`,
  }),
  openadrObject: (type: string, id: string) => ({ pk: `OADR#${type}#${id}`, sk: '#OBJ' }),
  openadrObjectsIndex: (type: string, createdAt: string, id: string) => ({
    gsi1pk: `OADR#${type}`,
    gsi1sk: `${createdAt}#${id}`,
  }),
  openadrName: (type: string, name: string) => ({ pk: `OADRNAME#${type}#${name}`, sk: '#NAME' }),
  openadrClient: (id: string) => ({ pk: `OADRCLIENT#${id}`, sk: '#CLIENT' }),
  openadrToken: (hash: string) => ({ pk: `OADRTOKEN#${hash}`, sk: '#TOKEN' }),
  outbox: (shard: number, createdAt: string, id: string) => ({
    pk: `OUTBOX#${shard}`,
    sk: `${createdAt}#${id}`,
  }),
  openadrFailures: (keyHash: string, windowStartMs: number) => ({
    pk: `OADRFAIL#${keyHash}`,
    sk: `W#${windowStartMs}`,
  }),
} as const;

/** Attributes that are keys, stripped before an item is parsed back into a domain object. */
export const KEY_ATTRIBUTES = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  TTL_ATTRIBUTE,
  'type',
];
