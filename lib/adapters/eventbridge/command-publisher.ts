import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Command } from '../../domain/model/command.ts';
import { commandMessage } from '../../messages.ts';
import type { CommandPublisher, PublishResult } from '../../ports.ts';
import { type PutEventsOptions, putEntries } from './put-events.ts';

/** Turns a command into its bus entry: routing ids at the top of the detail, so rules can match them. */
export function commandEntry(command: Command, busName: string): PutEventsRequestEntry {
  const m = commandMessage(command);
  return {
    EventBusName: busName,
    Source: m.source,
    DetailType: m.detailType,
    Detail: JSON.stringify(m.detail),
  };
}

/** Publishes commands on the bus; what finally fails is returned, never dropped. */
export class EventBridgeCommandPublisher implements CommandPublisher {
  /** Entries that failed in the last call, for the PutEventsFailedEntries metric. */
  lastFailedEntries = 0;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly options: PutEventsOptions = {},
  ) {}

  async publish(commands: readonly Command[]): Promise<PublishResult> {
    const outcome = await putEntries(
      this.client,
      commands.map((c) => commandEntry(c, this.busName)),
      this.options,
    );
    this.lastFailedEntries = outcome.failed.length;
    return {
      published: outcome.succeeded.map((i) => (commands[i] as Command).commandId),
      failed: outcome.failed.map((f) => ({
        commandId: (commands[f.index] as Command).commandId,
        error: `${f.code}: ${f.message}`,
      })),
    };
  }
}
