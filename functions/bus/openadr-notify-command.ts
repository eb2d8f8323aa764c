import { onCommand } from '../../lib/app/openadr/notify.ts';
import { busConsumer } from '../commons/bus.ts';
import { reportNotifications } from './openadr-notify-change.ts';

/** `DispatchCommand` → the building's VENs' event (`EVENT CREATE` or `UPDATE`); receipt acknowledges it. */
export const { handler, makeHandler } = busConsumer('openadr-notify-command', async (deps, detail) =>
  reportNotifications(`command ${detail.command.commandId}`, await onCommand(deps, detail)),
);
