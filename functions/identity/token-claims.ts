/**
 * What the token hook writes into a token, from the caller and their stored binding: pure, shared by
 * Cognito's pre-token-generation trigger (`pre-token.ts`) and the local token issuer.
 */
import type { ClaimsAndScopeOverrideDetails } from 'aws-lambda';
import type { UserBinding } from '../../lib/domain/model/binding.ts';
import { BINDING_CLAIMS } from '../commons/claims.ts';

/** A V2 (users) or V3 (users and machines) pre-token-generation event, as far as the hook reads it. */
export interface TokenHookEvent {
  triggerSource: string;
  callerContext: { clientId: string };
  request: { userAttributes: Record<string, string> };
}

/** Cognito's trigger source for a machine's client-credentials token (V3 events only). */
export const CLIENT_CREDENTIALS = 'TokenGeneration_ClientCredentials';

/**
 * Whose binding the token gets: a user's `sub`, or for a machine's client-credentials token its app
 * client's id (which Cognito also makes that token's `sub`). Undefined when the event names neither.
 */
export function subjectOf(event: TokenHookEvent): string | undefined {
  const subject =
    event.triggerSource === CLIENT_CREDENTIALS
      ? event.callerContext.clientId
      : event.request.userAttributes.sub;
  return subject === undefined || subject === '' ? undefined : subject;
}

/** The binding claims of a token: each list comma-separated, an empty list left out. */
export function bindingClaims(
  binding: Pick<UserBinding, 'parkIds' | 'buildingIds'> | undefined,
): Record<string, string> {
  const claims: Record<string, string> = {};
  if (binding?.parkIds.length) claims[BINDING_CLAIMS.parkIds] = binding.parkIds.join(',');
  if (binding?.buildingIds.length) claims[BINDING_CLAIMS.buildingIds] = binding.buildingIds.join(',');
  return claims;
}

/**
 * The trigger's answer: the stored bindings as claims of the access token (and of the ID token, for
 * users: machines get none), every binding claim the store does not hold suppressed, so nothing but
 * the store ever fills them.
 */
export function tokenOverrides(
  event: TokenHookEvent,
  binding: Pick<UserBinding, 'parkIds' | 'buildingIds'> | undefined,
): ClaimsAndScopeOverrideDetails {
  const add = bindingClaims(binding);
  const suppress = Object.values(BINDING_CLAIMS).filter((c) => !(c in add));
  const token = {
    ...(Object.keys(add).length > 0 ? { claimsToAddOrOverride: add } : {}),
    ...(suppress.length > 0 ? { claimsToSuppress: suppress } : {}),
  };
  return event.triggerSource === CLIENT_CREDENTIALS
    ? { accessTokenGeneration: token }
    : { idTokenGeneration: token, accessTokenGeneration: token };
}
