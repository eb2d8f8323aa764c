/**
 * POST /flexibility through the real handler on DynamoDB Local: a window that has ended by the
 * clock is refused with the clock's time, as POST /events refuses one; one still to come is served.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { batteryInput, buildingInput } from '../support/fixtures.ts';
import { Harness, operator } from './harness.ts';

const NOW = '2026-12-07T15:00:00+08:00';
const query = (start: string, end: string) => ({
  body: { scope: { parkIds: ['window-park'] }, start, end, intervalMinutes: 15 },
});

let h: Harness;
beforeAll(async () => {
  h = await Harness.startAt(NOW);
  await h.http('put-park', operator, {
    params: { parkId: 'window-park' },
    body: { parkId: 'window-park', name: 'Window park', zone: 'mengxi', city: 'Hohhot' },
  });
  await h.http('put-building', operator, {
    params: { buildingId: 'window-b1' },
    body: buildingInput({ buildingId: 'window-b1', parkId: 'window-park', assets: [batteryInput] }),
  });
});
afterAll(() => h?.stop());

it('refuses a window that has ended by the clock, naming the clock’s time, and serves one still to come', async () => {
  // Act
  const past = await h.http(
    'query-flexibility',
    operator,
    query('2026-12-07T13:00:00+08:00', '2026-12-07T14:00:00+08:00'),
  );
  const endingNow = await h.http(
    'query-flexibility',
    operator,
    query('2026-12-07T14:00:00+08:00', '2026-12-07T15:00:00+08:00'),
  );
  const under = await h.http(
    'query-flexibility',
    operator,
    query('2026-12-07T14:45:00+08:00', '2026-12-07T15:15:00+08:00'),
  );

  // Assess
  expect(past.status).toBe(400);
  expect(past.body.message).toBe(
    "the window ended at 2026-12-07T14:00:00+08:00, before the coordinator's clock (now 2026-12-07T07:00:00.000Z): ask for one that ends later",
  );
  expect(endingNow.status).toBe(400);
  expect(under.status).toBe(200);
  expect(under.body.total.PEAK_SHAVING.kw).toHaveLength(2);
});
