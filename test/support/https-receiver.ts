/**
 * A local HTTPS webhook receiver for tests: a fresh self-signed certificate for `localhost` and
 * `127.0.0.1` (made with the openssl CLI, so no dependency), every request recorded, and answers
 * that a test can script. By default it passes the OpenADR `echo` check and accepts every POST.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ReceiverAnswer {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Waits this long before answering (to provoke a client timeout). */
  delayMs?: number;
}

export type Responder = (request: ReceivedRequest) => ReceiverAnswer | Promise<ReceiverAnswer>;

export interface HttpsReceiver {
  /** `https://127.0.0.1:<port>/`. */
  url: string;
  /** The self-signed certificate (PEM), to trust as a CA. */
  ca: string;
  requests: ReceivedRequest[];
  /** Replaces how the following requests are answered. */
  respond(fn: Responder): void;
  close(): Promise<void>;
}

export interface HttpsReceiverOptions {
  respond?: Responder;
}

/** GET `?echo=x` answers 200 `x`; anything else answers 200 with an empty body. */
export const defaultResponder: Responder = (request) => ({
  status: 200,
  body: request.query.get('echo') ?? '',
});

/** Starts a receiver on 127.0.0.1 with a free port. */
export async function startHttpsReceiver(options: HttpsReceiverOptions = {}): Promise<HttpsReceiver> {
  const dir = await mkdtemp(join(tmpdir(), 'flexdr-receiver-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
  const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);

  const requests: ReceivedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let responder = options.respond ?? defaultResponder;

  const server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      const answer = await responder(received);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, answer.headers ?? {});
        res.end(answer.body ?? '');
      };
      if (!answer.delayMs) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, answer.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}/`,
    ca: cert,
    requests,
    respond(fn) {
      responder = fn;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
