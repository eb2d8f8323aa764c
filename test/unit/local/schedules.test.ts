import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localSchedulerClient } from '../../../infra/local/aws-emulation.ts';
import { LocalSchedules, parseAt } from '../../../infra/local/schedules.ts';
import { EventBridgeScheduler } from '../../../lib/adapters/scheduler/eventbridge-scheduler.ts';

const T = Date.parse('2026-11-26T09:00:00Z');
const message = (eventId: string) => ({
  detailType: 'EvaluationDue',
  source: 'flexdr.scheduler',
  detail: { version: 1 as const, eventId },
});

function scheduler(store: LocalSchedules, now = T) {
  return new EventBridgeScheduler(localSchedulerClient(store, 'cn-north-1'), {
    group: 'flexdr',
    busArn: 'arn:aws:events:cn-north-1:000000000000:event-bus/flexdr',
    roleArn: 'arn:aws:iam::000000000000:role/r',
    now: () => now,
  });
}

describe('local schedules', () => {
  it('keeps what the Scheduler adapter creates, treats a second create as done and a missing delete as done', async () => {
    const store = LocalSchedules.open();
    const s = scheduler(store);
    await s.scheduleOnce('eval-e1', T + 3_600_000, message('e1'));
    await s.scheduleOnce('eval-e1', T + 7_200_000, message('e1'));
    expect(store.list()).toEqual([
      expect.objectContaining({
        name: 'eval-e1',
        group: 'flexdr',
        atMs: T + 3_600_000,
        detailType: 'EvaluationDue',
      }),
    ]);
    await s.cancel('eval-e1');
    await s.cancel('eval-e1');
    expect(store.list()).toEqual([]);
  });

  it('hands out due schedules once, earliest first', async () => {
    const store = LocalSchedules.open();
    const s = scheduler(store);
    await s.scheduleOnce('b', T + 2 * 3_600_000, message('b'));
    await s.scheduleOnce('a', T + 3_600_000, message('a'));
    await s.scheduleOnce('c', T + 5 * 3_600_000, message('c'));
    expect(store.next()).toBe(T + 3_600_000);
    const delivered: string[] = [];
    const deliver = async (d: { name: string }) => {
      delivered.push(d.name);
    };
    const due = await store.fireDue(T + 3 * 3_600_000, deliver);
    expect(due.map((d) => d.name)).toEqual(['a', 'b']);
    expect(delivered).toEqual(['a', 'b']);
    expect(JSON.parse(due[0]?.input ?? '')).toEqual({ version: 1, eventId: 'a' });
    expect(await store.fireDue(T + 3 * 3_600_000, deliver)).toEqual([]);
    expect(store.list().map((d) => d.name)).toEqual(['c']);
  });

  it('keeps a schedule until its delivery is done, and fires it again after a failed one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flexdr-schedules-'));
    const file = join(dir, 'schedules.json');
    const store = LocalSchedules.open(file);
    await scheduler(store).scheduleOnce('a', T + 3_600_000, message('a'));
    let release: () => void = () => {};
    const firing = store.fireDue(T + 3_600_000, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 10));
    // While it is being delivered: still on disk (a process killed now fires it again), not handed out twice.
    expect(
      LocalSchedules.open(file)
        .list()
        .map((d) => d.name),
    ).toEqual(['a']);
    expect(await store.fireDue(T + 3_600_000, async () => {})).toEqual([]);
    expect(store.next()).toBeUndefined();
    release();
    await firing;
    expect(LocalSchedules.open(file).list()).toEqual([]);

    await scheduler(store).scheduleOnce('b', T + 3_600_000, message('b'));
    await expect(
      store.fireDue(T + 3_600_000, async () => {
        throw new Error('bus down');
      }),
    ).rejects.toThrow('bus down');
    expect(store.list().map((d) => d.name)).toEqual(['b']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('survives a restart through its file, and names a corrupted file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flexdr-schedules-'));
    const file = join(dir, 'schedules.json');
    await scheduler(LocalSchedules.open(file)).scheduleOnce('eval-e2', T + 3_600_000, message('e2'));
    const reopened = LocalSchedules.open(file);
    expect(reopened.list().map((s) => s.name)).toEqual(['eval-e2']);
    writeFileSync(file, '[{"name": 3}]');
    expect(() => LocalSchedules.open(file)).toThrow(/schedules\.json is corrupted/);
  });

  it('reads at() expressions in UTC and refuses what it does not emulate', () => {
    expect(parseAt('at(2026-11-26T09:15:00)')).toBe(Date.parse('2026-11-26T09:15:00Z'));
    expect(() => parseAt('rate(5 minutes)')).toThrow(/supports at/);
    expect(() => parseAt('at(2026-11-26T09:15:00)', 'Asia/Shanghai')).toThrow(/in UTC/);
  });
});
