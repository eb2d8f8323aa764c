import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/sequencer.ts';

/**
 * One project per kind of test, so each can be run alone (`vitest run --project unit`). Two files
 * at a time: the files that wait on DynamoDB Local, a runtime or a browser leave a core idle, and
 * none shares a port, a folder or a table with another (free ports, temporary folders, tables
 * named per file; races and faults bring their own DynamoDB Local).
 */
export default defineConfig({
  test: {
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    projects: [
      // Pure and mock-only files share one module graph per worker (isolate: false): 28 s → 12 s here.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', isolate: false } },
      {
        test: {
          name: 'adapters',
          include: ['test/adapters/**/*.test.ts'],
          environment: 'node',
          isolate: false,
          setupFiles: ['test/adapters/setup.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'local',
          include: ['test/local/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      // Long runs kept out of `npm test` (its budget is 12 minutes on 2 cores): `npm run check:long`.
      ...(process.env.FLEXDR_LONG
        ? [
            {
              test: {
                name: 'long',
                include: ['test/long/**/*.test.ts'],
                environment: 'node',
                testTimeout: 600_000,
                hookTimeout: 180_000,
              },
            },
          ]
        : []),
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
