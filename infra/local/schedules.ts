/**
 * One-time schedules, as EventBridge Scheduler keeps them: created by name (a second create of the
 * same name is a conflict), deleted by name, and fired once at their time by putting their message
 * on the bus. Kept in a JSON file (written atomically) so that a restart still evaluates events
 * and enforces acknowledgement deadlines; in memory with `--in-memory`.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import * as z from 'zod';

const StoredSchedule = z.strictObject({
  name: z.string().min(1),
  group: z.string().min(1),
  atMs: z.number().int(),
  source: z.string().min(1),
  detailType: z.string().min(1),
  /** The message detail, as the JSON text the schedule's target input carries. */
  input: z.string(),
});
export type StoredSchedule = z.infer<typeof StoredSchedule>;

/** An error shaped like the Scheduler service's, so the adapter reacts to it as on AWS. */
export class SchedulerServiceError extends Error {
  constructor(
    override readonly name: 'ConflictException' | 'ResourceNotFoundException' | 'ValidationException',
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** `at(2026-11-26T09:00:00)` in UTC, the only expression the coordinator uses. */
export function parseAt(expression: string, timezone = 'UTC'): number {
  const m = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression);
  if (!m || timezone !== 'UTC')
    throw new SchedulerServiceError(
      'ValidationException',
      `the local scheduler supports at(yyyy-mm-ddThh:mm:ss) in UTC, not '${expression}' in ${timezone}`,
      400,
    );
  return Date.parse(`${m[1]}Z`);
}

export class LocalSchedules {
  private readonly byKey = new Map<string, StoredSchedule>();
  /** Schedules whose message is being delivered. */
  private readonly firing = new Set<string>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string | undefined) {}

  static open(file?: string): LocalSchedules {
    const store = new LocalSchedules(file);
    if (!file) return store;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return store;
    }
    const parsed = z.array(StoredSchedule).safeParse(JSON.parse(text || '[]'));
    if (!parsed.success)
      throw new Error(`the schedule file ${file} is corrupted: ${parsed.error.issues[0]?.message ?? ''}`);
    for (const s of parsed.data) store.byKey.set(key(s.group, s.name), s);
    return store;
  }

  async create(schedule: StoredSchedule): Promise<void> {
    const k = key(schedule.group, schedule.name);
    if (this.byKey.has(k))
      throw new SchedulerServiceError('ConflictException', `Schedule ${schedule.name} already exists.`, 409);
    this.byKey.set(k, StoredSchedule.parse(schedule));
    await this.persist();
  }

  async delete(group: string, name: string): Promise<void> {
    if (!this.byKey.delete(key(group, name)))
      throw new SchedulerServiceError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
    await this.persist();
  }

  /**
   * Fires the schedules due at `nowMs`, earliest first: each is removed (and the file saved) only
   * after `deliver` resolved, so a process killed while it fires finds it again at the next start
   * and fires it then; one that is firing is not handed out twice. Returns those fired.
   */
  async fireDue(nowMs: number, deliver: (s: StoredSchedule) => Promise<void>): Promise<StoredSchedule[]> {
    const due = [...this.byKey.values()]
      .filter((s) => s.atMs <= nowMs && !this.firing.has(key(s.group, s.name)))
      .sort((a, b) => a.atMs - b.atMs);
    await Promise.all(
      due.map(async (s) => {
        const k = key(s.group, s.name);
        this.firing.add(k);
        try {
          await deliver(s);
          // Deleted only if it is still the one that fired (not re-created meanwhile).
          if (this.byKey.get(k) === s) this.byKey.delete(k);
        } finally {
          this.firing.delete(k);
        }
      }),
    );
    if (due.length > 0) await this.persist();
    return due;
  }

  /** Time of the earliest schedule not firing, if any. */
  next(): number | undefined {
    let earliest: number | undefined;
    for (const s of this.byKey.values())
      if (!this.firing.has(key(s.group, s.name)) && (earliest === undefined || s.atMs < earliest))
        earliest = s.atMs;
    return earliest;
  }

  list(): StoredSchedule[] {
    return [...this.byKey.values()].sort((a, b) => a.atMs - b.atMs);
  }

  private persist(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    const text = JSON.stringify(this.list(), null, 1);
    // Writes are chained so the last one wins; each goes to a temporary file renamed into place.
    this.writing = this.writing.then(async () => {
      await writeFile(`${file}.tmp`, text);
      await rename(`${file}.tmp`, file);
    });
    return this.writing;
  }
}

const key = (group: string, name: string) => `${group}/${name}`;
