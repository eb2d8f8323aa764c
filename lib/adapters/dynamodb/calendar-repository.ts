import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { WorkCalendar } from '../../domain/calendar.ts';
import { ConflictError } from '../../domain/errors.ts';
import { CalendarYear } from '../../domain/model/calendar.ts';
import type { BusMessage, CalendarRepository } from '../../ports.ts';
import { chineseDaysYears } from '../calendar/chinese-days.ts';
import { queryAll, stripKeys } from './batch.ts';
import { putAnnounced } from './outbox.ts';
import { KEY_ATTRIBUTES, keys } from './table.ts';

/**
 * The working calendar: one item per year an operator entered (`CAL#CN` / `YEAR#yyyy`), over the
 * years seeded from `chinese-days` (version 0, never written: the package is the seed, so a newer
 * package brings its years without a migration, and a stored year always wins over it). The whole
 * calendar is one small partition (a few hundred dates), read with one strongly consistent query.
 */
export class DynamoCalendarRepository implements CalendarRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async load(): Promise<WorkCalendar> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.calendarYears().pk },
      ConsistentRead: true,
    });
    const years = new Map(chineseDaysYears().map((y) => [y.year, y]));
    for (const item of items) {
      const year = CalendarYear.parse(stripKeys(item, KEY_ATTRIBUTES));
      years.set(year.year, year);
    }
    return new WorkCalendar([...years.values()]);
  }

  async get(year: number): Promise<CalendarYear | undefined> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.calendarYear(year), ConsistentRead: true }),
    );
    if (res.Item) return CalendarYear.parse(stripKeys(res.Item, KEY_ATTRIBUTES));
    return chineseDaysYears().find((y) => y.year === year);
  }

  async put(year: CalendarYear, announce: readonly BusMessage[] = []): Promise<void> {
    const first = year.version <= 1;
    const stored = await putAnnounced(
      this.doc,
      this.table,
      this.now,
      { ...keys.calendarYear(year.year), type: 'calendarYear', ...CalendarYear.parse(year) },
      first
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': year.version - 1 } },
      announce,
    );
    if (!stored)
      throw new ConflictError(
        `calendar ${year.year} changed since it was read (expected version ${year.version - 1}); read it and try again`,
      );
  }
}
