/**
 * The order test files start in: longest first, across projects, so the two workers finish
 * together instead of one running a long file alone at the end (vitest's own order runs the
 * projects by name, so `crash.test.ts` started last and ran alone for 50 s).
 *
 * A file's weight is its duration in vitest's cache when the run has one, else the seconds it took
 * in a clean-clone CI run on 2 cores with 2 workers (2026-12-07; files of 10 s and more), else a
 * guess by project. Only the order changes: every file still runs.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const MEASURED_SECONDS: Record<string, number> = {
  // clean-clone CI, 2026-12-07 (6271af2): files of 10 s and more; races at 30 runs a pair
  'test/local/province.test.ts': 150,
  'test/integration/faults.test.ts': 92,
  'test/local/runtime.test.ts': 89,
  'test/integration/races.test.ts': 72,
  'test/local/crash.test.ts': 72,
  'test/local/fuzz.test.ts': 71,
  'test/e2e/console.test.ts': 48,
  'test/integration/repositories.test.ts': 41,
  'test/local/tour.test.ts': 38,
  'test/local/openadr-authorization.test.ts': 34,
  'test/local/openadr-fuzz-valid.test.ts': 22,
  'test/local/store-restart.test.ts': 20,
  'test/local/authorization.test.ts': 19,
  'test/integration/calendar.test.ts': 18,
  'test/local/one-delivered.test.ts': 18,
  'test/integration/lifecycle.test.ts': 18,
  'test/integration/baseline-update.test.ts': 15,
  'test/integration/back-to-back.test.ts': 14,
  'test/local/openadr-fuzz-refusals.test.ts': 14,
  'test/local/openadr-same-plan.test.ts': 13,
  'test/unit/allocation.property.test.ts': 12,
  'test/integration/telemetry.test.ts': 11,
};

/** A file not measured: a local runtime starts in seconds; a unit file takes a fraction of one. */
const BY_PROJECT: Record<string, number> = {
  local: 6,
  e2e: 5,
  integration: 3,
  infra: 3,
  adapters: 0.5,
  unit: 0.5,
};

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const weight = (spec: TestSpecification): number => {
      const path = relative(root, spec.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`);
      if (cached && !cached.failed) return cached.duration / 1000;
      return MEASURED_SECONDS[path] ?? BY_PROJECT[spec.project.name] ?? 1;
    };
    const weights = new Map(files.map((f) => [f, weight(f)]));
    return [...files].sort((a, b) => (weights.get(b) ?? 0) - (weights.get(a) ?? 0));
  }
}
