/**
 * Hand-written edge cases for the OpenADR 3.1 VTN, each sent once over HTTP and printed with its
 * answer, checked as the fuzz checks its cases (never a 5xx, refusals as RFC 7807 problems, every
 * answer documented by openadr3.yaml): bearer tokens that cannot be HTTP header values, a form body
 * to a JSON operation and JSON credentials to the token endpoint, query values that coerce to
 * numbers they do not write, percent-encoding that does not decode.
 *
 * Seeded: FUZZ_SEED=<n> replays a run; FUZZ_TRACE=<operationId,…> prints those operations' cases.
 * Each file starts its own local VTN and world (test/support/openadr-fuzz/), and each test asserts
 * on the findings of its own cases; the file's tallies and findings are printed at its end.
 */
import { describe, it } from 'vitest';
import { check, collectFindings, expectNoFindings, fuzzFileHooks } from '../support/openadr-fuzz/checks.ts';
import { describeCase, send } from '../support/openadr-fuzz/transport.ts';
import {
  type Case,
  ids,
  owners,
  receiver,
  rt,
  SEED,
  secrets,
  VEN_CLIENT,
} from '../support/openadr-fuzz/world.ts';

describe('hand-written OpenADR 3.1 edge cases', () => {
  fuzzFileHooks(SEED);

  it('answers hand-written edge cases (each printed with its answer) as it answers the fuzz', async () => {
    const mine = collectFindings();
    const subscription = (bearerToken: string) =>
      JSON.stringify({
        clientName: 'fz-fixed',
        objectOperations: [
          { objects: ['EVENT'], operations: ['CREATE'], callbackUrl: `${receiver.url}fz-fixed`, bearerToken },
        ],
      });
    const own = ids.subscription.find((x) => owners.get(x) === 'ven') ?? 'missing';
    const json = { segments: {}, query: {}, contentType: 'application/json', refuse: false };
    const fixed: Case[] = [
      // A bearer token that cannot be an HTTP header value (it is sent as `authorization: Bearer …`).
      ...['内', '😀', 'a\nb', 'x\u0000', 'é'].map(
        (t): Case => ({
          ...json,
          op: 'createSubscription',
          who: 'ven',
          body: subscription(t),
          what: `bearerToken ${JSON.stringify(t)}`,
        }),
      ),
      {
        ...json,
        op: 'updateSubscription',
        who: 'ven',
        segments: { subscriptionID: own },
        body: subscription('内'),
        what: 'bearerToken "内"',
      },
      // A form-encoded body to a JSON operation; JSON credentials to the token endpoint.
      {
        ...json,
        op: 'createVen',
        who: 'ven',
        body: 'objectType=VEN_VEN_REQUEST&venName=fz-form',
        contentType: 'application/x-www-form-urlencoded',
        what: 'form-encoded body',
      },
      {
        ...json,
        op: 'fetchToken',
        who: 'none',
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: VEN_CLIENT,
          client_secret: secrets[VEN_CLIENT],
        }),
        what: 'JSON credentials',
      },
      // Query values that coerce to numbers they do not write.
      ...['limit=', 'limit=%20', 'skip=', 'limit=0x10', 'limit=1e1', 'limit=-0'].map(
        (rawQuery): Case => ({
          ...json,
          op: 'searchVens',
          who: 'bl',
          rawQuery,
          contentType: undefined,
          what: `query ${rawQuery}`,
        }),
      ),
      // Percent-encoding that does not decode, on an OpenADR path.
      ...['%zz', '%FF'].map(
        (seg): Case => ({
          ...json,
          op: 'searchProgramByProgramId',
          who: 'bl',
          segments: { programID: seg },
          contentType: undefined,
          what: 'undecodable path',
          refuse: true,
        }),
      ),
    ];
    for (const c of fixed) {
      await rt.idle();
      const a = await send(c);
      check(c, a);
      console.log(`hand-written: ${describeCase(c, a, 200)}`);
    }
    await rt.idle();
    expectNoFindings(mine);
  });
});
