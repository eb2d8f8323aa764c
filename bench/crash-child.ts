/**
 * One local runtime in a process of its own, for the crash benchmark (bench/faults.ts): started on
 * a data folder, clock paused at a given time, the simulator answering every command; it prints
 * `READY <url> <operator token>` and then every log line, until it is killed.
 *
 * Usage: node --import tsx bench/crash-child.ts <dataDir> <startAtMs>
 */
import { startLocal } from '../infra/local/runtime.ts';

const [dataDir, startAt] = process.argv.slice(2);
if (!dataDir || !startAt) {
  process.stderr.write('usage: crash-child.ts <dataDir> <startAtMs>\n');
  process.exit(2);
}
const rt = await startLocal({
  dataDir,
  port: 0,
  speed: 0,
  startAt: Number(startAt),
  declineProbability: 0,
  log: (line) => process.stdout.write(`${line}\n`),
});
const operator = await rt.token({ role: 'operator' });
process.stdout.write(`READY ${rt.url} ${operator}\n`);
