import { defineConfig } from 'vitest/config';

/**
 * One project per kind of test, so each can be run alone (`vitest run --project unit`).
 * Integration and infra tests arrive with the serverless core and the CDK app.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
    ],
  },
});
