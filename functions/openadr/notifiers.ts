import { openadrHandler } from './handler.ts';

/** `GET /notifiers`: webhooks only; FlexDR runs no MQTT broker, so the MQTT binding is absent. */
export const { handler, makeHandler } = openadrHandler('notifiers', {
  listAllNotifiers: async () => ({ WEBHOOK: true }),
});
