import {
  createBlEvent,
  deleteBlEvent,
  getBlEvent,
  listBlEvents,
  updateBlEvent,
} from '../../lib/app/openadr/bl-events.ts';
import { getVenEvent, listVenEvents } from '../../lib/app/openadr/ven-events.ts';
import { openadrHandler, paginate } from './handler.ts';

/**
 * Events, two views of one route: a BL's own events (each a FlexDR grid event), and a VEN's events
 * (its building's commands). Writes need `write_events`, which only a BL holds.
 */
export const { handler, makeHandler } = openadrHandler('events', {
  // The VEN view gets the whole query and pages itself.
  searchAllEvents: async ({ deps, caller, query }) =>
    caller.role === 'BL'
      ? paginate(await listBlEvents(deps, caller, query), query)
      : listVenEvents(deps, caller, query),
  createEvent: async ({ deps, caller, body }) => createBlEvent(deps, caller, body),
  searchEventsByID: async ({ deps, caller, params }) =>
    caller.role === 'BL'
      ? getBlEvent(deps, caller, params.eventID)
      : getVenEvent(deps, caller, params.eventID),
  updateEvent: async ({ deps, caller, params, body }) => updateBlEvent(deps, caller, params.eventID, body),
  deleteEvent: async ({ deps, caller, params }) => deleteBlEvent(deps, caller, params.eventID),
});
