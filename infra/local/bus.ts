/**
 * The in-process event bus. It takes PutEvents entries with EventBridge's own limits (10 entries
 * and 256 KB a call, a JSON-object detail, the right bus name), wraps each in the event envelope
 * EventBridge delivers, and hands it to every target whose rule pattern matches, with the same
 * pattern matcher the tests check against the EventBridge user guide. Deliveries are asynchronous
 * (PutEvents answers first), retried with backoff, and land in a dead-letter list when they keep
 * failing, as a rule's target with a DLQ would.
 */
import { randomUUID } from 'node:crypto';
import type { PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { matchesPattern } from '../../lib/adapters/local/event-pattern.ts';

export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface BusTarget {
  /** Rule name, for logs. */
  name: string;
  pattern: Record<string, unknown>;
  /** At most this many deliveries to the target at once (a queue's event source mapping). */
  maxConcurrency?: number | undefined;
  deliver(event: BusEvent): Promise<void>;
}

export interface DeadLetter {
  target: string;
  event: BusEvent;
  error: string;
  attempts: number;
}

export interface LocalBusOptions {
  busName: string;
  account: string;
  region: string;
  /** Event time (the simulation clock). */
  now: () => number;
  /** Attempts per delivery (EventBridge retries for up to 24 h; locally a few times). */
  attempts?: number;
  retryDelayMs?: number;
  concurrency?: number;
  onDelivered?: (event: BusEvent, target: string) => void;
  onDeadLetter?: (letter: DeadLetter) => void;
}

/** EventBridge's limit on one PutEvents call. */
export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

export class BusValidationError extends Error {
  override readonly name = 'ValidationException';
}

interface Job {
  target: BusTarget;
  event: BusEvent;
  /** Called once the delivery succeeded or was dead-lettered. */
  done: () => void;
}

export class LocalBus {
  private readonly targets: BusTarget[] = [];
  private readonly upstream: (() => Promise<boolean>)[] = [];
  private readonly queue: Job[] = [];
  private running = 0;
  /** Deliveries under way per target. */
  private readonly perTarget = new Map<BusTarget, number>();
  private waiters: (() => void)[] = [];
  private readonly history: BusEvent[] = [];
  readonly deadLetters: DeadLetter[] = [];
  /** Deliveries that failed and were tried again (or dead-lettered). */
  failedAttempts = 0;

  constructor(private readonly options: LocalBusOptions) {}

  addTarget(target: BusTarget): void {
    this.targets.push(target);
  }

  removeTarget(name: string): void {
    const i = this.targets.findIndex((t) => t.name === name);
    if (i >= 0) this.targets.splice(i, 1);
  }

  /** PutEvents: validates the call as a whole, then accepts or refuses each entry. */
  put(entries: readonly PutEventsRequestEntry[]): {
    FailedEntryCount: number;
    Entries: PutEventsResultEntry[];
  } {
    return this.accept(entries).result;
  }

  /**
   * PutEvents that answers once every accepted entry has been delivered to every matching target
   * (or dead-lettered): what the outbox's relay uses here, so a message leaves the outbox only
   * when its consumers have run and a process killed before that finds it there again.
   */
  async putDelivered(entries: readonly PutEventsRequestEntry[]): Promise<{
    FailedEntryCount: number;
    Entries: PutEventsResultEntry[];
  }> {
    const { result, delivered } = this.accept(entries);
    await Promise.all(delivered);
    return result;
  }

  private accept(entries: readonly PutEventsRequestEntry[]): {
    result: { FailedEntryCount: number; Entries: PutEventsResultEntry[] };
    delivered: Promise<void>[];
  } {
    if (entries.length === 0 || entries.length > MAX_ENTRIES)
      throw new BusValidationError(`PutEvents takes 1 to ${MAX_ENTRIES} entries, not ${entries.length}`);
    const size = entries.reduce((sum, e) => sum + entrySize(e), 0);
    if (size > MAX_REQUEST_BYTES)
      throw new BusValidationError(
        `the PutEvents request is ${size} bytes; the limit is ${MAX_REQUEST_BYTES}`,
      );
    let failed = 0;
    const delivered: Promise<void>[] = [];
    const results = entries.map((entry): PutEventsResultEntry => {
      const problem = this.check(entry);
      if (problem) {
        failed++;
        return { ErrorCode: 'MalformedDetail', ErrorMessage: problem };
      }
      const event = this.envelope(entry);
      delivered.push(this.publish(event));
      return { EventId: event.id };
    });
    return { result: { FailedEntryCount: failed, Entries: results }, delivered };
  }

  /**
   * Puts an event built here (a schedule firing); resolves once every matching target has had it
   * (delivered or dead-lettered).
   */
  publish(event: BusEvent): Promise<void> {
    this.history.push(event);
    if (this.history.length > 500) this.history.shift();
    const jobs: Promise<void>[] = [];
    for (const target of this.targets)
      if (matchesPattern(target.pattern, event))
        jobs.push(new Promise((done) => this.queue.push({ target, event, done })));
    this.pump();
    return Promise.all(jobs).then(() => undefined);
  }

  envelope(entry: Pick<PutEventsRequestEntry, 'Source' | 'DetailType' | 'Detail' | 'Resources'>): BusEvent {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType as string,
      source: entry.Source as string,
      account: this.options.account,
      time: new Date(this.options.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.options.region,
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail as string) as Record<string, unknown>,
    };
  }

  /** The last events put on the bus, newest last. */
  recent(limit = 100): BusEvent[] {
    return this.history.slice(-limit);
  }

  /**
   * Adds what feeds the bus from outside (the outbox's stream): `drain` hands over what it holds
   * and says whether there was anything, so {@link idle} waits for it too.
   */
  addUpstream(drain: () => Promise<boolean>): void {
    this.upstream.push(drain);
  }

  /** Resolves once nothing is queued or being delivered (and what deliveries caused is done too). */
  async idle(): Promise<void> {
    for (;;) {
      await this.queueIdle();
      let more = false;
      for (const drain of this.upstream) if (await drain()) more = true;
      if (!more && this.queue.length === 0 && this.running === 0) return;
    }
  }

  private queueIdle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private check(entry: PutEventsRequestEntry): string | undefined {
    if (
      entry.EventBusName &&
      entry.EventBusName !== this.options.busName &&
      !entry.EventBusName.endsWith(`/${this.options.busName}`)
    )
      return `no event bus '${entry.EventBusName}' (this one is '${this.options.busName}')`;
    if (!entry.Source) return 'Source is required';
    if (!entry.DetailType) return 'DetailType is required';
    if (!entry.Detail) return 'Detail is required';
    try {
      const detail: unknown = JSON.parse(entry.Detail);
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
        return 'Detail must be a JSON object';
    } catch {
      return 'Detail is not valid JSON';
    }
    return undefined;
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 4;
    while (this.running < limit) {
      // The oldest job whose target has room: a target at its own limit waits, others go on.
      const i = this.queue.findIndex(
        (j) => (this.perTarget.get(j.target) ?? 0) < (j.target.maxConcurrency ?? Number.POSITIVE_INFINITY),
      );
      if (i < 0) break;
      const job = this.queue.splice(i, 1)[0] as Job;
      this.running++;
      this.perTarget.set(job.target, (this.perTarget.get(job.target) ?? 0) + 1);
      void this.run(job).finally(() => {
        this.running--;
        this.perTarget.set(job.target, (this.perTarget.get(job.target) ?? 1) - 1);
        this.pump();
        if (this.queue.length === 0 && this.running === 0) {
          const waiters = this.waiters;
          this.waiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  private async run(job: Job): Promise<void> {
    try {
      await this.attempt(job);
    } finally {
      job.done();
    }
  }

  private async attempt({ target, event }: Job): Promise<void> {
    const attempts = this.options.attempts ?? 3;
    let error: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await target.deliver(event);
        this.options.onDelivered?.(event, target.name);
        return;
      } catch (e) {
        error = e;
        this.failedAttempts++;
        if (attempt < attempts)
          await new Promise((r) => setTimeout(r, (this.options.retryDelayMs ?? 200) * 2 ** (attempt - 1)));
      }
    }
    const letter = {
      target: target.name,
      event,
      error: String((error as Error)?.message ?? error),
      attempts,
    };
    this.deadLetters.push(letter);
    this.options.onDeadLetter?.(letter);
  }
}

function entrySize(e: PutEventsRequestEntry): number {
  // EventBridge counts Source, DetailType, Detail, Resources and 14 bytes for a Time.
  return (
    Buffer.byteLength(e.Source ?? '') +
    Buffer.byteLength(e.DetailType ?? '') +
    Buffer.byteLength(e.Detail ?? '') +
    (e.Resources ?? []).reduce((s, r) => s + Buffer.byteLength(r), 0) +
    (e.Time ? 14 : 0)
  );
}
