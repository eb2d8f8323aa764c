import { onCommandCancelled } from '../../lib/app/openadr/notify.ts';
import { busConsumer } from '../commons/bus.ts';
import { reportNotifications } from './openadr-notify-change.ts';

/** `CommandCancelled` → `EVENT DELETE` of the VEN event the cancellation ends. */
export const { handler, makeHandler } = busConsumer('openadr-notify-cancel', async (deps, detail) =>
  reportNotifications(`cancellation ${detail.command.commandId}`, await onCommandCancelled(deps, detail)),
);
