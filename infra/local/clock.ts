/**
 * The simulation clock of the local runtime. It runs at `speed` simulated seconds per real second
 * (1 by default) and can jump ahead; handlers, schedules and the BMS simulator all read it, so a
 * day of grid events can be played in a minute. Its state is kept in a file so a restart resumes
 * at the simulated time it stopped at (time stands still while the runtime is down).
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Clock } from '../../lib/ports.ts';

interface Saved {
  simMs: number;
  speed: number;
}

export class SimulationClock implements Clock {
  private simBase: number;
  private realBase: number;
  private rate: number;

  private constructor(
    saved: Saved,
    private readonly file: string | undefined,
  ) {
    this.simBase = saved.simMs;
    this.rate = saved.speed;
    this.realBase = Date.now();
  }

  /** Resumes from `file` when it exists, else starts at `startMs` (real time by default). */
  static open(
    file: string | undefined,
    defaults: { startMs?: number; speed?: number } = {},
  ): SimulationClock {
    const fresh: Saved = { simMs: defaults.startMs ?? Date.now(), speed: defaults.speed ?? 1 };
    if (!file) return new SimulationClock(fresh, undefined);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return new SimulationClock(fresh, file);
    }
    let saved: Partial<Saved>;
    try {
      saved = JSON.parse(text) as Partial<Saved>;
    } catch {
      throw new Error(`the clock file ${file} is corrupted (not JSON); delete it to restart at real time`);
    }
    if (!Number.isFinite(saved.simMs) || !Number.isFinite(saved.speed) || (saved.speed as number) < 0)
      throw new Error(
        `the clock file ${file} is corrupted (simMs, speed); delete it to restart at real time`,
      );
    return new SimulationClock(
      { simMs: saved.simMs as number, speed: defaults.speed ?? (saved.speed as number) },
      file,
    );
  }

  now(): number {
    return Math.floor(this.simBase + (Date.now() - this.realBase) * this.rate);
  }

  get speed(): number {
    return this.rate;
  }

  /** Changes the free-running rate from now on. */
  async setSpeed(speed: number): Promise<void> {
    this.rebase(this.now());
    this.rate = speed;
    await this.save();
  }

  /** Jumps to `ms` (never backwards). */
  async set(ms: number): Promise<void> {
    this.rebase(Math.max(ms, this.now()));
    await this.save();
  }

  async save(): Promise<void> {
    if (this.file)
      await writeFile(this.file, JSON.stringify({ simMs: this.now(), speed: this.rate } satisfies Saved));
  }

  private rebase(simMs: number): void {
    this.simBase = simMs;
    this.realBase = Date.now();
  }
}
