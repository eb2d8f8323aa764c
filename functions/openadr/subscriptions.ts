import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  searchSubscriptions,
  updateSubscription,
} from '../../lib/app/openadr/subscriptions.ts';
import { openadrHandler, paginate } from './handler.ts';

/**
 * `/subscriptions`: webhooks for object changes and for a VEN's events. Callbacks are https and
 * echo-verified on create and update; a VEN reads and writes its own, a BL reads all and writes
 * its own.
 */
export const { handler, makeHandler } = openadrHandler('subscriptions', {
  searchSubscriptions: async ({ deps, caller, query }) =>
    paginate(await searchSubscriptions(deps, caller, query), query),
  createSubscription: ({ deps, caller, body }) => createSubscription(deps, caller, body),
  searchSubscriptionByID: ({ deps, caller, params }) => getSubscription(deps, caller, params.subscriptionID),
  updateSubscription: ({ deps, caller, params, body }) =>
    updateSubscription(deps, caller, params.subscriptionID, body),
  deleteSubscription: ({ deps, caller, params }) => deleteSubscription(deps, caller, params.subscriptionID),
});
