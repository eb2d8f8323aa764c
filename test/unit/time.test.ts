import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chinaDate, chinaMidnight, chinaMinuteOfDay, DAY_MS, toMs } from '../../lib/domain/time.ts';

// The China-time helpers under host zones on either side of UTC+8 (CI also runs this whole project
// under two of them). Each zone's sanity check proves the switch took: a rule written with local
// getters would then answer the host's day, not China's.
const ZONES = [
  // 16 h behind China in winter, 15 h in summer, with the US daylight-saving switches in March and November
  { zone: 'America/Los_Angeles', offsetMinutes: 480 },
  // UTC+14, 6 h ahead of China: its day starts at 18:00 China time
  { zone: 'Pacific/Kiritimati', offsetMinutes: -840 },
  { zone: 'UTC', offsetMinutes: 0 },
];

describe.each(ZONES)('China time on a host in $zone', ({ zone, offsetMinutes }) => {
  let previous: string | undefined;
  beforeAll(() => {
    previous = process.env.TZ;
    process.env.TZ = zone;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.TZ;
    else process.env.TZ = previous;
  });

  it('runs in the host zone it names', () => {
    // Prepare: a winter instant (no daylight saving anywhere in the list)
    const winter = new Date('2026-01-01T12:00:00Z');

    // Act: what local getters would be built on (minutes to add to local time to reach UTC)
    const offset = winter.getTimezoneOffset();

    // Assess
    expect(offset).toBe(offsetMinutes);
  });

  it('gives the China date and minute just after China midnight, when the host is still on the day before', () => {
    // Prepare: 00:30 on 2 January in China is 16:30Z on 1 January, 08:30 on 1 January in Los Angeles
    const at = toMs('2026-01-02T00:30:00+08:00');

    // Act
    const date = chinaDate(at);
    const minute = chinaMinuteOfDay(at);

    // Assess
    expect([date, minute]).toEqual(['2026-01-02', 30]);
  });

  it('gives the China date and minute just before China midnight, when the host is already on the day after', () => {
    // Prepare: 23:30 on 1 January in China is 05:30 on 2 January in Kiritimati
    const at = toMs('2026-01-01T23:30:00+08:00');

    // Act
    const date = chinaDate(at);
    const minute = chinaMinuteOfDay(at);

    // Assess
    expect([date, minute]).toEqual(['2026-01-01', 23 * 60 + 30]);
  });

  it('starts every China day of 2026 at 16:00Z the day before, daylight-saving switches abroad included', () => {
    // Prepare: each date of the year, from 1 January (whose China midnight is 2025-12-31T16:00Z)
    const first = Date.UTC(2025, 11, 31, 16);
    const dates = Array.from({ length: 365 }, (_, i) =>
      new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10),
    );

    // Act
    const midnights = dates.map(chinaMidnight);

    // Assess: 24 h apart, each the first minute of its own date and one minute after the previous date
    expect(midnights).toEqual(dates.map((_, i) => first + i * DAY_MS));
    expect(midnights.map(chinaDate)).toEqual(dates);
    expect(midnights.map(chinaMinuteOfDay).every((m) => m === 0)).toBe(true);
    expect(midnights.map((ms) => chinaDate(ms - 1))).toEqual(['2025-12-31', ...dates.slice(0, -1)]);
  });
});
