/**
 * The local runtime's log lines carry two times: the real one (UTC, as the machine's clock says)
 * and the simulation clock's, in Beijing time as the console shows it, once the clock runs. With
 * the clock jumped ahead or running fast, the second says what a line is about.
 */
import { CHINA_OFFSET_MS } from '../../lib/domain/time.ts';

const SIM_WIDTH = 'sim 12-05 16:21:07'.length;

/** What `npm start` prints once, above its first line. */
export const LOG_LEGEND = 'log lines: real time (UTC), then the simulation clock (Beijing time) once it runs';

/** `08:21:07Z  sim 12-05 16:21:07  message`; blank where the simulated time is not known yet. */
export function logLine(message: string, simulatedMs?: number, realMs = Date.now()): string {
  const real = `${new Date(realMs).toISOString().slice(11, 19)}Z`;
  const sim =
    simulatedMs === undefined
      ? ' '.repeat(SIM_WIDTH)
      : `sim ${new Date(simulatedMs + CHINA_OFFSET_MS).toISOString().slice(5, 19).replace('T', ' ')}`;
  return `${real}  ${sim}  ${message}`;
}
