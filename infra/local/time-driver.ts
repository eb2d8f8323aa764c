/**
 * Time on this machine: the simulation clock moves, schedules that fall due put their message on
 * the bus, and the BMS simulator steps. `advance` jumps ahead stop by stop (every quarter hour and
 * every schedule on the way); `start` lets the clock run free, ticking once a second.
 */

import { errorMessage } from '../../lib/caught-errors.ts';
import type { LocalBus } from './bus.ts';
import type { SimulationClock } from './clock.ts';
import type { LocalSchedules } from './schedules.ts';
import type { SimulatorHandle } from './sim-driver.ts';

const QUARTER_MS = 15 * 60_000;

export interface TimeDriverOptions {
  clock: SimulationClock;
  schedules: LocalSchedules;
  bus: LocalBus;
  log: (line: string) => void;
}

export class TimeDriver {
  /** The BMS simulator, once started: it steps with the clock. */
  simulator: SimulatorHandle | undefined;
  private advancing: Promise<void> = Promise.resolve();
  private busy = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly o: TimeDriverOptions) {}

  /**
   * Puts the message of every schedule due by now on the bus; each schedule is removed once its
   * message has been delivered (a process killed meanwhile fires it again). Returns how many fired.
   */
  async fireDue(): Promise<number> {
    const fired = await this.o.schedules.fireDue(this.o.clock.now(), (s) => {
      this.o.log(`schedule ${s.name} fires`);
      return this.o.bus.publish(
        this.o.bus.envelope({ Source: s.source, DetailType: s.detailType, Detail: s.input }),
      );
    });
    return fired.length;
  }

  /** Moves the clock to `target` stop by stop: every quarter hour and every schedule on the way. */
  private async advanceTo(target: number): Promise<void> {
    const { clock, schedules, bus } = this.o;
    for (;;) {
      const now = clock.now();
      const nextQuarter = Math.floor(now / QUARTER_MS) * QUARTER_MS + QUARTER_MS;
      const nextSchedule = schedules.next();
      const stop = Math.min(
        target,
        nextQuarter,
        nextSchedule !== undefined && nextSchedule > now ? nextSchedule : target,
      );
      await clock.set(stop);
      await this.simulator?.stepTo(stop);
      await this.fireDue();
      await bus.idle();
      if (stop >= target) return;
    }
  }

  /** Jumps the clock ahead by `minutes`, one jump after another; resolves when the bus is quiet. */
  advance(minutes: number): Promise<void> {
    const run = this.advancing.then(async () => {
      this.busy = true;
      try {
        await this.advanceTo(this.o.clock.now() + minutes * 60_000);
      } finally {
        this.busy = false;
      }
    });
    this.advancing = run.catch(() => {});
    return run;
  }

  /** Free-running time: schedules fire and the simulator steps as the clock moves; the clock is saved. */
  start(): void {
    const tick = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void (async () => {
        await this.simulator?.stepTo(this.o.clock.now());
        await this.fireDue();
      })()
        .catch((e: unknown) => this.o.log(`tick failed: ${errorMessage(e)}`))
        .finally(() => {
          this.busy = false;
        });
    }, 1_000);
    const saver = setInterval(() => void this.o.clock.save().catch(() => {}), 10_000);
    this.timers.push(tick, saver);
  }

  /** Waits for a jump under way, stops the timers and saves the clock. */
  async stop(): Promise<void> {
    await this.advancing;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.o.clock.save();
  }
}
