import * as z from 'zod';

/** A local date in China, `YYYY-MM-DD`, that exists in the Gregorian calendar. */
export const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine((d) => {
    const ms = Date.parse(`${d}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === d;
  }, 'not a date in the calendar');

/** The UTC weekday (0 Sunday … 6 Saturday) of a `YYYY-MM-DD` date: the same in every zone. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/**
 * What an operator enters for one year, from the State Council's notice (国务院办公厅关于…部分节假日
 * 安排的通知): the public holidays (every day off of each holiday block, weekend days included) and
 * the adjusted working days (调休: weekend days worked instead).
 */
export const CalendarYearInput = z
  .strictObject({
    /** Where the dates come from, e.g. the notice's number (国办发明电〔2026〕N号). */
    source: z.string().min(1).max(300),
    holidays: z.array(LocalDate).max(120),
    /** Weekend days that are working days (调休). */
    workdays: z.array(LocalDate).max(60),
  })
  .superRefine((y, ctx) => {
    const holidays = new Set(y.holidays);
    y.workdays.forEach((d, i) => {
      if (holidays.has(d))
        ctx.addIssue({ code: 'custom', path: ['workdays', i], message: `${d} is also listed as a holiday` });
      const weekday = weekdayOf(d);
      if (weekday !== 0 && weekday !== 6)
        ctx.addIssue({
          code: 'custom',
          path: ['workdays', i],
          message: `${d} is a weekday; an adjusted working day (调休) is a Saturday or Sunday`,
        });
    });
  });
export type CalendarYearInput = z.infer<typeof CalendarYearInput>;

/** One year of the working calendar as stored: the input, its year, and its revision. */
export const CalendarYear = z.strictObject({
  year: z.number().int().min(1990).max(2200),
  source: z.string().min(1).max(300),
  holidays: z.array(LocalDate),
  workdays: z.array(LocalDate),
  /** 0 for a year seeded from the `chinese-days` package; 1, 2, … for each operator entry. */
  version: z.number().int().min(0),
  updatedAt: z.iso.datetime({ offset: true }).optional(),
  updatedBy: z.string().max(300).optional(),
});
export type CalendarYear = z.infer<typeof CalendarYear>;

/** The version of one calendar year that a computation used. */
export interface CalendarVersionUsed {
  year: number;
  version: number;
  source: string;
}
