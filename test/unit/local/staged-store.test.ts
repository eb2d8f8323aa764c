import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFreshStore, moveStore, stagingFolder } from '../../../infra/local/staged-store.ts';

describe('staged store', () => {
  it('moves every file of the staging folder into the store folder and removes the staging folder', () => {
    // Prepare
    const root = mkdtempSync(join(tmpdir(), 'flexdr-staged-'));
    const staging = join(root, 'staging');
    const store = join(root, 'data', 'dynamodb');
    mkdirSync(staging);
    writeFileSync(join(staging, 'shared-local-instance.db'), 'tables');
    expect(isFreshStore(store)).toBe(true);

    // Act
    moveStore(staging, store);

    // Assess
    expect(readdirSync(store)).toEqual(['shared-local-instance.db']);
    expect(readFileSync(join(store, 'shared-local-instance.db'), 'utf8')).toBe('tables');
    expect(existsSync(staging)).toBe(false);
    expect(isFreshStore(store)).toBe(false);
  });

  it('takes a half-copied store for a fresh one', () => {
    const store = mkdtempSync(join(tmpdir(), 'flexdr-staged-'));
    writeFileSync(join(store, 'shared-local-instance.db.partial'), 'half');
    expect(isFreshStore(store)).toBe(true);
  });

  it.runIf(existsSync('/dev/shm'))('stages in RAM and removes what killed runs left there', () => {
    // Prepare: a folder of a process that no longer runs (pids stay below 2^22 on Linux)
    const stale = join('/dev/shm', 'flexdr-store-4194305-test');
    mkdirSync(stale, { recursive: true });

    // Act
    const folder = stagingFolder();

    // Assess
    expect(folder?.startsWith(`/dev/shm/flexdr-store-${process.pid}-`)).toBe(true);
    expect(existsSync(stale)).toBe(false);
    if (folder) rmSync(folder, { recursive: true });
  });
});
