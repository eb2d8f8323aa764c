/**
 * A PutEvents endpoint on loopback for benchmarks: answers every entry as put, after `delayMs`
 * (EventBridge's own latency, roughly), and counts the calls and entries it took.
 */
import { createServer } from 'node:http';
import { freePort } from '../infra/local/dynamodb-local.ts';

export interface PutEventsStub {
  url: string;
  /** PutEvents calls and entries answered so far. */
  readonly calls: number;
  readonly entries: number;
  close(): void;
}

export async function startPutEventsStub(delayMs = 30): Promise<PutEventsStub> {
  const counts = { calls: 0, entries: 0 };
  const port = await freePort();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const count = (JSON.parse(body) as { Entries: unknown[] }).Entries.length;
      const call = ++counts.calls;
      counts.entries += count;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({
            FailedEntryCount: 0,
            Entries: Array.from({ length: count }, (_, i) => ({ EventId: `e${call}-${i}` })),
          }),
        );
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}`,
    get calls() {
      return counts.calls;
    },
    get entries() {
      return counts.entries;
    },
    close: () => server.close(),
  };
}
