/**
 * BMS integrations on this machine: a signed webhook each (the bus's target posts every command
 * and cancellation of the integration's buildings), or pull mode (commands read through the API).
 */
import { integrationPattern } from '../../functions/routes.ts';
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  sign,
  TIMESTAMP_HEADER,
} from '../../lib/adapters/webhook/signature.ts';
import type { LocalBus } from './bus.ts';

/** How a BMS integration receives its commands here. */
export type LocalIntegration = { mode: 'webhook'; url: string; secret: string } | { mode: 'pull' };

export class LocalIntegrations {
  private readonly integrations = new Map<string, LocalIntegration>();

  constructor(private readonly bus: LocalBus) {}

  /** Sets (or replaces) how integration `id` receives its commands. */
  set(id: string, integration: LocalIntegration): void {
    this.integrations.set(id, integration);
    this.bus.removeTarget(`bms:${id}`);
    if (integration.mode !== 'webhook') return;
    this.bus.addTarget({
      name: `bms:${id}`,
      pattern: integrationPattern(id),
      deliver: async (event) => {
        const body = JSON.stringify(event);
        const timestamp = Math.floor(Date.now() / 1000);
        const res = await fetch(integration.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            // The bus message's id names the delivery: the same on the bus's retries.
            [SIGNATURE_HEADER]: sign(integration.secret, timestamp, event.id, body),
            [TIMESTAMP_HEADER]: String(timestamp),
            [DELIVERY_HEADER]: event.id,
          },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        if (!res.ok) throw new Error(`webhook ${integration.url} answered ${res.status}`);
      },
    });
  }
}
