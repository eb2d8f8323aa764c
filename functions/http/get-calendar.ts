import { getCalendar } from '../../lib/app/calendar.ts';
import { httpRoute } from '../commons/http.ts';

/** GET /calendars: every year of the working calendar, entered or seeded. */
export const { handler, makeHandler } = httpRoute('get-calendar', {
  async run({ deps, who }) {
    return { statusCode: 200, body: await getCalendar(deps, who) };
  },
});
