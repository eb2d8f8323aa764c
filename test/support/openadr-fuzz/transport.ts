import { Agent, request } from 'node:http';
import { fingerprintTables } from '../store-snapshot.ts';
import { queryString } from './arbitraries.ts';
import { type Answer, type Case, CONCURRENCY, dynamo, ops, rt, tokens } from './world.ts';

// ---- sending -------------------------------------------------------------------------------------

export const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function pathOf(c: Case): string {
  let path = `/openadr3${ops[c.op].path}`;
  for (const [p, seg] of Object.entries(c.segments)) path = path.replace(`{${p}}`, seg);
  return `${path}${queryString(c)}`;
}

export function bodyOf(c: Case): string | undefined {
  if (c.bigBody !== undefined) {
    const key = ops[c.op].body ? 'programName' : 'x';
    return `{"${key}":"${(c.bigChar ?? 'x').repeat(c.bigBody)}"}`;
  }
  return c.body;
}

function authOf(c: Case): string | undefined {
  if (c.who === 'bl' || c.who === 'ven') return `Bearer ${tokens[c.who]}`;
  return c.who === 'garbage' ? c.auth : undefined;
}

/** One request over node:http, which (unlike fetch) sends a body with GET and the path as written. */
export function send(c: Case): Promise<Answer> {
  const body = bodyOf(c);
  const headers: Record<string, string> = {};
  const auth = authOf(c);
  if (auth !== undefined) headers.authorization = auth;
  if (c.contentType) headers['content-type'] = c.contentType;
  const bytes = body === undefined ? undefined : Buffer.from(body, 'utf8');
  if (bytes) headers['content-length'] = String(bytes.length);
  const url = new URL(rt.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: ops[c.op].method, path: pathOf(c), headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            contentType: res.headers['content-type'],
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

/** The request (its body cut at `max` characters) and the answer. */
export const describeCase = (c: Case, a?: Answer, max = 300) =>
  `${ops[c.op].method} ${pathOf(c).slice(0, 240)} as ${c.who}${c.auth ? ` (${JSON.stringify(c.auth.slice(0, 40))})` : ''} [${c.what}; content-type ${JSON.stringify(c.contentType)}] body ${
    c.bigBody ? `<${c.bigBody} × ${c.bigChar}>` : JSON.stringify(c.body?.slice(0, max))
  }${a ? ` → ${a.status} ${a.text.slice(0, 400)}` : ''}`;

// ---- the store's fingerprint ---------------------------------------------------------------------

export const fingerprint = () => fingerprintTables(dynamo);
