/**
 * What `GET /events/{id}` shows a park manager of an event that spans parks: like `/plan` and
 * `/delivery`, nothing of the other parks (no event-wide targets, a scope naming only their own
 * parks that the event reached), and nothing at all of an event that reached none of theirs.
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../lib/app/auth.ts';
import type { Deps } from '../../lib/app/config.ts';
import { getEventStatus, tallyOf } from '../../lib/app/events.ts';
import { NotFoundError } from '../../lib/domain/errors.ts';
import { GridEvent } from '../../lib/domain/model/grid-event.ts';
import type { CommandRecord, EventRecord } from '../../lib/ports.ts';
import { peakEventInput } from '../support/fixtures.ts';
import { peakCommand } from './openadr/support.ts';

const event = GridEvent.parse({
  ...peakEventInput,
  scope: { parkIds: ['park-a', 'park-b'], buildingIds: ['b-c1'], feederIds: ['f-b'] },
});
const record: EventRecord = {
  event,
  revision: 1,
  status: 'dispatched',
  version: 3,
  createdAt: '2026-01-15T01:00:00.000Z',
  updatedAt: '2026-01-15T01:05:00.000Z',
  declinesPlannedAround: 0,
};
const dispatched = (buildingId: string, parkId: string): CommandRecord => ({
  command: peakCommand({ commandId: `${event.eventId}.${buildingId}.r1`, buildingId, parkId }),
  status: 'ACKNOWLEDGED',
  updatedAt: '2026-01-15T01:06:00.000Z',
});

const commands = [dispatched('b-a1', 'park-a'), dispatched('b-b1', 'park-b'), dispatched('b-c1', 'park-c')];
const deps = {
  events: { get: async (id: string) => (id === event.eventId ? structuredClone(record) : undefined) },
  commands: {
    tally: async () => tallyOf(commands),
    tallyOfParks: async (_: string, parkIds: readonly string[]) =>
      new Map(
        parkIds.flatMap((p) => {
          const ofPark = commands.filter((c) => c.command.parkId === p);
          return ofPark.length > 0 ? [[p, tallyOf(ofPark)] as const] : [];
        }),
      ),
  },
} as unknown as Deps;

const manager = (...parkIds: string[]): Principal => ({
  subject: 'pm',
  role: 'parkManager',
  parkIds,
  buildingIds: [],
});

describe('event details by reader', () => {
  it('shows a park manager no event-wide targets and a scope of their own reached parks only', async () => {
    // Act
    const view = await getEventStatus(deps, manager('park-a', 'park-z'), event.eventId);

    // Assess
    expect(view.event.targetsKw).toBeUndefined();
    expect(view.event.scope).toEqual({ parkIds: ['park-a'] });
    expect(JSON.stringify(view)).not.toMatch(/park-b|park-c|b-c1|f-b/);
    expect(view.plan).toBeUndefined();
    expect(view.commands.sent).toBe(1);
    expect(view.event).toMatchObject({ eventId: event.eventId, start: event.start, end: event.end });
  });

  it('shows an operator the whole event', async () => {
    // Act
    const view = await getEventStatus(
      deps,
      { subject: 'op', role: 'operator', parkIds: [], buildingIds: [] },
      event.eventId,
    );

    // Assess
    expect(view.event).toEqual(event);
    expect(view.commands.sent).toBe(3);
  });

  it('hides an event from a manager none of whose parks it reached', async () => {
    // Act
    const refusal = await getEventStatus(deps, manager('park-z'), event.eventId).catch((e: unknown) => e);

    // Assess
    expect(refusal).toBeInstanceOf(NotFoundError);
  });
});
