/**
 * A user's bindings: the parks a park manager manages and the buildings a BMS speaks for. They live
 * in the coordinator's store, are changed only through the API (operators, and park managers within
 * their parks), and reach tokens through the identity provider's token hook (Cognito's
 * pre-token-generation trigger; the local token issuer), never through anything a user can write.
 */
import * as z from 'zod';
import { Id, Instant } from './common.ts';

/** What an operator or park manager sends: the whole set, replacing what was there. */
export const BindingInput = z.strictObject({
  parkIds: z.array(Id).max(100).default([]),
  buildingIds: z.array(Id).max(1_000).default([]),
});
export type BindingInput = z.infer<typeof BindingInput>;

/**
 * A stored binding. `userId` is the token's subject: a Cognito user's `sub`, a machine app client's
 * id (the `sub` of its client-credentials tokens), or an OIDC issuer's subject.
 */
export const UserBinding = z.strictObject({
  userId: Id,
  parkIds: z.array(Id).max(100),
  buildingIds: z.array(Id).max(1_000),
  updatedAt: Instant,
  /** The subject of the operator or park manager who wrote it. */
  updatedBy: z.string().min(1).max(256),
});
export type UserBinding = z.infer<typeof UserBinding>;
