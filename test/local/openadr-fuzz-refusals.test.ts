/**
 * Fuzzing every OpenADR 3.1 operation of the VTN with requests it must refuse, over HTTP through
 * the local gateway: hostile path segments, query strings, raw bodies, tokens and bodies broken
 * on purpose from each operation's own zod schemas. Every one must be refused with an RFC 7807
 * problem the official document (openadr3.yaml) documents, never a 5xx, and a batch of refusals
 * must leave both tables as they were. Refusals by operations for which the document lists no 4xx
 * at all (`GET /auth/server`, `GET /notifiers`) cannot be documented: printed, not failed.
 *
 * Seeded: FUZZ_SEED=<n> replays a run; FUZZ_TRACE=<operationId,…> prints those operations' cases.
 * Each file starts its own local VTN and world (test/support/openadr-fuzz/), and each test asserts
 * on the findings of its own cases; the file's tallies and findings are printed at its end.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientCredentialRequest } from '../../lib/openadr/schemas.ts';
import {
  arbitraries,
  brokenOf,
  refusal,
  schemaRefuses,
  type World,
} from '../support/openadr-fuzz/arbitraries.ts';
import {
  collectFindings,
  expectNoFindings,
  fuzzFileHooks,
  runBatch,
} from '../support/openadr-fuzz/checks.ts';
import { describeCase } from '../support/openadr-fuzz/transport.ts';
import { BATCH, opIds, ops, REFUSAL_BATCHES, SEED } from '../support/openadr-fuzz/world.ts';

describe('fuzzing every OpenADR 3.1 operation with requests it must refuse', () => {
  let world: World;
  fuzzFileHooks(SEED);
  beforeAll(() => {
    world = arbitraries();
  });

  it('the generators: broken bodies and queries are refused by their own schema', () => {
    for (const id of opIds) {
      const op = ops[id];
      const body = id === 'fetchToken' ? ClientCredentialRequest : op.body;
      if (body)
        for (const v of fc.sample(brokenOf(body, world.options), { seed: SEED, numRuns: 30 }))
          expect(
            body.safeParse(JSON.parse(JSON.stringify(v) ?? 'null')).success,
            `${id} ${JSON.stringify(v)?.slice(0, 200)}`,
          ).toBe(false);
      const refused = refusal(world, id);
      if (refused)
        for (const c of fc.sample(refused, { seed: SEED, numRuns: 20 }))
          if (!c.what.includes('token')) expect(schemaRefuses(c), describeCase(c)).toBe(true);
    }
  });

  it('refuses every hostile request with an RFC 7807 problem, leaving the store as it was', async () => {
    const mine = collectFindings();
    const any = fc.oneof(...opIds.flatMap((id) => refusal(world, id) ?? []));
    const batches = fc.sample(fc.array(any, { minLength: BATCH, maxLength: BATCH }), {
      seed: SEED,
      numRuns: REFUSAL_BATCHES,
    });
    for (const batch of batches) await runBatch(batch);
    expectNoFindings(mine);
  });
});
