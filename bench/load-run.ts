/**
 * The runtime side of `bench/load.ts`, in its own process so that the load generator's own work
 * does not share the gateway's event loop: `node --import tsx bench/load-run.ts [startIso]`.
 * Starts the local runtime in memory (no simulator, the demo parks and programs seeded, the clock
 * paused at `startIso`), prints one JSON line `{ url, dynamodbEndpoint, now }`, and runs until its
 * standard input closes (or SIGTERM/SIGINT); then stops and prints `{ peakMb }`, the process's peak
 * resident memory (DynamoDB Local runs in its own JVM).
 */
import { startLocal } from '../infra/local/runtime.ts';
import { LOAD_RUNTIME } from './load.ts';

const startAt = process.argv[2] ? Date.parse(process.argv[2]) : undefined;
if (startAt !== undefined && !Number.isFinite(startAt)) throw new Error(`not an instant: ${process.argv[2]}`);

const rt = await startLocal({ ...LOAD_RUNTIME, ...(startAt !== undefined ? { startAt } : {}) });
console.log(JSON.stringify({ url: rt.url, dynamodbEndpoint: rt.dynamodbEndpoint, now: rt.now() }));

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await rt.stop();
  console.log(JSON.stringify({ peakMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
  process.exit(0);
};
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
