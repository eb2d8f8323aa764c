/**
 * Property-based fuzzing of every OpenADR 3.1 operation of the VTN (`openadrOperations`) with
 * requests it may accept or refuse, over HTTP through the local gateway, as `fuzz.test.ts` does
 * for the native routes: valid-ish values from each operation's own zod schemas, with ids of
 * objects created first (and those the fuzz creates as it goes), real targets and callbacks that
 * pass the echo check, from a BL or a VEN token. Properties: every operation is reached; never a
 * 5xx; every 4xx an RFC 7807 problem; every answer documented by openadr3.yaml.
 *
 * Seeded: FUZZ_SEED=<n> replays a run; FUZZ_TRACE=<operationId,…> prints those operations' cases.
 * Each file starts its own local VTN and world (test/support/openadr-fuzz/), and each test asserts
 * on the findings of its own cases; the file's tallies and findings are printed at its end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraries, attempt } from '../support/openadr-fuzz/arbitraries.ts';
import {
  collectFindings,
  expectNoFindings,
  fuzzFileHooks,
  runBatch,
} from '../support/openadr-fuzz/checks.ts';
import {
  BATCH,
  call,
  opIds,
  rt,
  SEED,
  tokens,
  VALID_BATCHES,
  venEvents,
} from '../support/openadr-fuzz/world.ts';

describe('fuzzing every OpenADR 3.1 operation with valid-ish requests', () => {
  fuzzFileHooks(SEED);

  it('answers valid-ish requests to every operation without a 5xx, as the document says', async () => {
    const mine = collectFindings();
    // Each batch is drawn from the ids of the objects that exist by then (created ones join in).
    for (let i = 0; i < VALID_BATCHES; i++) {
      const w = arbitraries();
      const any = fc.oneof(...opIds.map((id) => attempt(w, id)));
      const [batch] = fc.sample(fc.array(any, { minLength: BATCH, maxLength: BATCH }), {
        seed: SEED + 1 + i,
        numRuns: 1,
      });
      await runBatch(batch ?? []);
      await rt.idle();
      const held = await call('GET', '/openadr3/events', tokens.ven);
      if (held.status === 200 && held.body.length > 0)
        venEvents.splice(0, venEvents.length, ...held.body.map((e: { id: string }) => e.id));
    }
    expect(mine.operations.size).toBe(opIds.length);
    expectNoFindings(mine);
  });
});
