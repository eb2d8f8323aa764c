/** The working calendar: operators enter each year's holiday arrangement; events waiting on it settle. */
import { calendarYearFrom } from '../domain/calendar.ts';
import type { CalendarYear, CalendarYearInput } from '../domain/model/calendar.ts';
import { toIso } from '../domain/time.ts';
import { message } from '../messages.ts';
import { type Principal, requireRole } from './auth.ts';
import type { Deps } from './config.ts';

/** Entering a year reads and writes the calendar and announces the events that waited for it. */
type CalendarEntry = Pick<Deps, 'calendars' | 'clock' | 'events' | 'outbox'>;

/** The calendar as the API shows it: every year held, oldest first, and the range they cover. */
export interface CalendarView {
  firstYear?: number | undefined;
  lastYear?: number | undefined;
  years: CalendarYear[];
}

/** Every year of the working calendar (entered or seeded), for operators and park managers. */
export async function getCalendar(deps: Pick<Deps, 'calendars'>, who: Principal): Promise<CalendarView> {
  requireRole(who, 'operator', 'parkManager');
  const years = (await deps.calendars.load()).list();
  return { firstYear: years[0]?.year, lastYear: years.at(-1)?.year, years };
}

/**
 * Enters or amends one year of the working calendar (the State Council's notice).
 * 1. Only operators; every date must lie in the year.
 * 2. Store it as the year's next version, if nobody changed the year since it was read (409 else).
 * 3. Every event awaiting this year's calendar is evaluated again (`EvaluationDue`), so what waited
 *    for it settles now.
 */
export async function putCalendarYear(
  deps: CalendarEntry,
  who: Principal,
  year: number,
  input: CalendarYearInput,
): Promise<{ calendar: CalendarYear; reevaluating: string[] }> {
  requireRole(who, 'operator');
  const previous = await deps.calendars.get(year);
  const next = calendarYearFrom(year, input, previous, toIso(deps.clock.now()), who.subject);
  // The year and the re-evaluations it starts are stored together (the outbox): up to 99 in the
  // same transaction; beyond that the rest follow through the outbox at once (and the hourly
  // re-run of waiting events covers a crash in between).
  const waiting = await eventsAwaitingCalendar(deps, year);
  const due = waiting.map((eventId) => message('EvaluationDue', { version: 1, eventId }));
  await deps.calendars.put(next, due.slice(0, 99));
  if (due.length > 99) await deps.outbox.put(due.slice(99));
  return { calendar: next, reevaluating: waiting };
}

/** Ids of the events with a building waiting for `year`'s calendar. */
async function eventsAwaitingCalendar(deps: Pick<Deps, 'events'>, year: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.events.list({ limit: 200, cursor });
    cursor = page.cursor;
    for (const r of page.items)
      if (r.status === 'awaiting-data' && r.awaiting?.calendarYears.includes(year)) ids.push(r.event.eventId);
  } while (cursor);
  return ids;
}
