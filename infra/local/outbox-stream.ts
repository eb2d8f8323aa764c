/**
 * The outbox's relay on this machine, fed as on AWS: DynamoDB Local's stream of the table is read
 * shard by shard (GetRecords, as the Lambda event source mapping does) and each batch of records is
 * handed, as a `DynamoDBStreamEvent`, to the relay function built from its definition. The relay
 * removes an entry only once the in-process bus has delivered it, so entries a killed process left
 * are still in the table: `sweep` hands them to the same relay at the next start.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { errorMessage } from '../../lib/caught-errors.ts';
import type { Outbox } from '../../lib/ports.ts';
import { LOCAL_AWS } from './dynamodb-local.ts';
import type { LocalFunction } from './functions.ts';

export interface OutboxStreamOptions {
  endpoint: string;
  table: string;
  relay: LocalFunction;
  /** The outbox itself, for the sweep. */
  outbox: Outbox;
  log: (line: string) => void;
  /** Milliseconds between polls of a quiet stream. */
  pollMs?: number;
}

/** Turns on the table's stream where a store created before it had none. */
export async function ensureStream(client: DynamoDBClient, table: string): Promise<string> {
  const described = await client.send(new DescribeTableCommand({ TableName: table }));
  if (described.Table?.StreamSpecification?.StreamEnabled && described.Table.LatestStreamArn)
    return described.Table.LatestStreamArn;
  const updated = await client.send(
    new UpdateTableCommand({
      TableName: table,
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  const arn = updated.TableDescription?.LatestStreamArn;
  if (!arn) throw new Error(`DynamoDB Local gave table '${table}' no stream`);
  return arn;
}

export class OutboxStream {
  private readonly dynamo: DynamoDBClient;
  private readonly streams: DynamoDBStreamsClient;
  private arn = '';
  /** Open shards and where reading them has got to. */
  private readonly iterators = new Map<string, string>();
  private readonly known = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly o: OutboxStreamOptions) {
    const config = { endpoint: o.endpoint, ...LOCAL_AWS };
    this.dynamo = new DynamoDBClient(config);
    this.streams = new DynamoDBStreamsClient(config);
  }

  /** Reads from the stream's end from now on (what is older is the sweep's). */
  async start(): Promise<void> {
    this.arn = await ensureStream(this.dynamo, this.o.table);
    await this.discover('LATEST');
    const loop = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        void this.poll()
          .catch(async (e: unknown) => {
            this.o.log(`outbox stream: ${errorMessage(e)}; reading it again from its end`);
            await this.recover().catch(() => {});
          })
          .finally(loop);
      }, this.o.pollMs ?? 50);
    };
    loop();
  }

  /**
   * After the store restarted (its stream's shards and iterators are gone): read from the end of
   * the stream again and sweep what is still in the outbox, so nothing is lost or replayed twice.
   */
  async recover(): Promise<void> {
    this.iterators.clear();
    this.known.clear();
    this.arn = await ensureStream(this.dynamo, this.o.table);
    await this.discover('LATEST');
    const swept = await this.sweep();
    if (swept > 0) this.o.log(`outbox: ${swept} waiting entries relayed after the store restarted`);
  }

  /** Hands every entry still in the outbox to the relay (what a killed process left). */
  async sweep(): Promise<number> {
    let relayed = 0;
    for (;;) {
      const due = await this.o.outbox.due('9999', 500);
      if (due.length === 0) return relayed;
      const records = due.map(
        (e, i): DynamoDBRecord => ({
          eventName: 'INSERT',
          dynamodb: {
            SequenceNumber: String(i),
            NewImage: marshall({
              type: 'outbox',
              id: e.id,
              createdAt: e.createdAt,
              body: JSON.stringify(e.message),
            }) as never,
          },
        }),
      );
      await this.invoke(records);
      relayed += due.length;
    }
  }

  /**
   * Reads what the stream holds now and waits until the relay has handed it to the bus; true
   * when there was anything (the caller waits for the bus and asks again).
   */
  async drain(): Promise<boolean> {
    // A pass already under way may have read the shards before the caller's write: let it finish,
    // then read again, so what was written before this call is always in the pass it waits for.
    const earlier = this.polling ? await this.polling.catch(() => 0) : 0;
    return earlier + (await this.poll()) > 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling?.catch(() => 0);
    this.dynamo.destroy();
    this.streams.destroy();
  }

  private async discover(position: 'LATEST' | 'TRIM_HORIZON'): Promise<void> {
    const shards = (await this.streams.send(new DescribeStreamCommand({ StreamArn: this.arn })))
      .StreamDescription?.Shards;
    for (const shard of shards ?? []) {
      const id = shard.ShardId;
      if (!id || this.known.has(id)) continue;
      this.known.add(id);
      // A shard that opens after the start was written after it: read it whole.
      const it = await this.streams.send(
        new GetShardIteratorCommand({ StreamArn: this.arn, ShardId: id, ShardIteratorType: position }),
      );
      if (it.ShardIterator) this.iterators.set(id, it.ShardIterator);
    }
  }

  /** One pass over the open shards; several callers share a pass under way. */
  private poll(): Promise<number> {
    this.polling ??= this.pass().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pass(): Promise<number> {
    let read = 0;
    let closed = false;
    for (const [shard, iterator] of [...this.iterators]) {
      const res = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      const records = (res.Records ?? []).filter(isOutboxInsert);
      if (res.NextShardIterator) this.iterators.set(shard, res.NextShardIterator);
      else {
        this.iterators.delete(shard);
        closed = true;
      }
      // A shard's batches one after another, in the stream's order, as Lambda's mapping takes them.
      if (records.length > 0) {
        read += records.length;
        await this.invoke(records.map(toLambdaRecord));
      }
    }
    if (closed || this.iterators.size === 0) await this.discover('TRIM_HORIZON');
    return read;
  }

  /** Invokes the relay with a batch, and again with what it reports failed (as the mapping retries). */
  private async invoke(records: DynamoDBRecord[]): Promise<void> {
    let batch = records;
    for (let attempt = 1; batch.length > 0; attempt++) {
      const event: DynamoDBStreamEvent = { Records: batch };
      const res = (await this.o.relay.invoke(event)) as DynamoDBBatchResponse;
      const first = res.batchItemFailures[0]?.itemIdentifier;
      if (first === undefined) return;
      if (attempt >= 8) {
        this.o.log(`outbox relay gave up on ${batch.length} entries after ${attempt} attempts`);
        return;
      }
      batch = batch.slice(batch.findIndex((r) => r.dynamodb?.SequenceNumber === first));
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}

function isOutboxInsert(r: _Record): boolean {
  return r.eventName === 'INSERT' && r.dynamodb?.NewImage?.type?.S === 'outbox';
}

function toLambdaRecord(r: _Record): DynamoDBRecord {
  return {
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: r.dynamodb?.SequenceNumber ?? '',
      NewImage: r.dynamodb?.NewImage as Record<string, AttributeValue> as never,
    },
  };
}
