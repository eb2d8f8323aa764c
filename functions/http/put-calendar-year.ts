import { putCalendarYear } from '../../lib/app/calendar.ts';
import { httpRoute } from '../commons/http.ts';

/** PUT /calendars/{year}: a year's holidays and adjusted working days (operator). */
export const { handler, makeHandler } = httpRoute('put-calendar-year', {
  async run({ deps, who, params, body }) {
    return { statusCode: 200, body: await putCalendarYear(deps, who, params.year, body) };
  },
});
