/** The local store as the tests compare it: every item of some tables, read by paged Scans. */
import { createHash } from 'node:crypto';
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';

/** The tables of the local runtime: the main one and the idempotency records. */
export const STORE_TABLES = ['flexdr', 'flexdr-idempotency'] as const;

/** JSON with object keys sorted, so equal items print equally (binary as base64). */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v).toString('base64'));
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** Every item of `table`, page by page, read consistently. */
async function scanAll(client: DynamoDBClient, table: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every item of each table, each as stable JSON, sorted. */
export async function snapshotTables(
  client: DynamoDBClient,
  tables: readonly string[] = STORE_TABLES,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of tables) out[table] = (await scanAll(client, table)).map(stableJson).sort();
  return out;
}

/** Per table of `after`, the items added and removed since `before` (none before when undefined). */
export function storeChanges(
  before: Record<string, string[]> | undefined,
  after: Record<string, string[]>,
): { table: string; added: string[]; removed: string[] }[] {
  return Object.keys(after).map((table) => {
    const was = new Set(before?.[table]);
    const is = new Set(after[table]);
    return {
      table,
      added: [...is].filter((i) => !was.has(i)),
      removed: [...was].filter((i) => !is.has(i)),
    };
  });
}

/** A table's item count and a hash of its items (as {@link stableJson}, sorted). */
async function tableFingerprint(client: DynamoDBClient, table: string): Promise<string> {
  const items = (await scanAll(client, table)).map(stableJson).sort();
  return `${items.length}:${createHash('sha256').update(items.join('\n')).digest('hex').slice(0, 16)}`;
}

/** The fingerprints of the tables, space-separated: equal exactly when no item changed. */
export async function fingerprintTables(
  client: DynamoDBClient,
  tables: readonly string[] = STORE_TABLES,
): Promise<string> {
  return (await Promise.all(tables.map((t) => tableFingerprint(client, t)))).join(' ');
}
