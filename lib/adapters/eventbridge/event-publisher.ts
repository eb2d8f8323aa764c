import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { BusMessage, EventPublisher } from '../../ports.ts';
import { type PutEventsOptions, putEntries } from './put-events.ts';

/**
 * Publishes lifecycle messages. If any finally fails it throws, naming them: the caller's retry
 * (Lambda's, or the client's) then repeats an idempotent step rather than lose the message.
 */
export class EventBridgeEventPublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly options: PutEventsOptions = {},
  ) {}

  async publish(messages: readonly BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const outcome = await putEntries(
      this.client,
      messages.map((m) => ({
        EventBusName: this.busName,
        Source: m.source,
        DetailType: m.detailType,
        Detail: JSON.stringify(m.detail),
      })),
      this.options,
    );
    if (outcome.failed.length > 0)
      throw new Error(
        `could not publish ${outcome.failed.map((f) => `${messages[f.index]?.detailType} (${f.code})`).join(', ')}`,
      );
  }
}
