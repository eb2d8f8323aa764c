import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { ClaimsAndScopeOverrideDetails } from 'aws-lambda';
import { coldStart, type Wiring } from '../commons/deps.ts';
import { logger, tracer } from '../commons/powertools.ts';
import { preTokenFunction as definition } from '../definitions.ts';
import { subjectOf, type TokenHookEvent, tokenOverrides } from './token-claims.ts';

/** The event Cognito sends and expects back, with the hook's answer in `response`. */
export type PreTokenEvent = TokenHookEvent & {
  response: { claimsAndScopeOverrideDetails?: ClaimsAndScopeOverrideDetails | null };
};

/**
 * Cognito's pre-token-generation trigger (V3: users' and machines' tokens): the caller's stored
 * bindings become the token's binding claims. A failed read fails the sign-in (Cognito answers an
 * error and the client retries) rather than issuing a token without its bindings.
 */
function preTokenHandler({ deps }: Wiring) {
  return middy(async (event: PreTokenEvent): Promise<PreTokenEvent> => {
    const subject = subjectOf(event);
    const binding = subject ? await deps.bindings.get(subject) : undefined;
    return { ...event, response: { claimsAndScopeOverrideDetails: tokenOverrides(event, binding) } };
  })
    .use(captureLambdaHandler(tracer, { captureResponse: definition.captureResponse }))
    .use(injectLambdaContext(logger));
}

export const makeHandler = preTokenHandler;

export const handler = coldStart(definition, makeHandler);
