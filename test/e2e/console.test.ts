/**
 * The web console in a real browser against the local runtime (in-memory tables, seeded demo fleet,
 * BMS simulator): an operator issues an event through the form and follows it to delivery; a park
 * manager sees only their park. Chromium is the system's (`/usr/bin/chromium`), never downloaded.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { html, reportOf } from '../../infra/local/demo.ts';
import { type LocalRuntime, startLocal } from '../../infra/local/runtime.ts';
import { CHROMIUM, CHROMIUM_MISSING } from '../support/machine.ts';
import { readPng } from '../support/png.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const QUARTER_MS = 15 * 60_000;
const HOHHOT = 'hohhot-jinqiao';
const BAOTOU = 'baotou-rare-earth';

let runtime: LocalRuntime;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM_MISSING);
  [runtime, browser] = await Promise.all([
    startLocal({ port: 0, inMemory: true, simulator: true, seed: true, quiet: true, declineProbability: 0 }),
    chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    }),
  ]);
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

/** A fresh browser context (its own sessionStorage) at 1280 px, failing on any uncaught page error. */
async function openConsole(): Promise<{ context: BrowserContext; page: Page; errors: Error[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${runtime.url}/console/`);
  return { context, page, errors };
}

async function logInAs(page: Page, role: 'operator' | 'parkManager', text?: string): Promise<void> {
  let identity = page.locator(`[data-testid="identity"][data-role="${role}"]`);
  if (text) identity = identity.filter({ hasText: text });
  await identity.first().click();
  await page.getByTestId('who').waitFor();
}

const attribute = async (page: Page, testId: string, name: string) =>
  Number(await page.getByTestId(testId).getAttribute(name));

describe('web console', () => {
  it('an operator issues a peak-shaving event and sees it acknowledged and delivered', async () => {
    // Prepare
    const { context, page, errors } = await openConsole();
    await logInAs(page, 'operator');
    expect(await page.getByTestId('who').getAttribute('data-role')).toBe('operator');
    await page.getByTestId('nav-events').click();
    const form = page.getByTestId('event-form');
    await form.waitFor();

    // Act: the form's defaults (peak shaving, 1 h, next quarter hour + 15 min), scoped to one park.
    await form.locator(`[data-testid="form-park"][data-park-id="${HOHHOT}"]`).waitFor();
    for (const box of await form.getByTestId('form-park').all())
      await box.setChecked((await box.getAttribute('data-park-id')) === HOHHOT);
    // The clock runs freely between polls, so the default is checked against a window, not one instant.
    const start = Number(await page.getByTestId('form-start').inputValue());
    expect(start % QUARTER_MS).toBe(0);
    expect(start - runtime.now()).toBeGreaterThanOrEqual(QUARTER_MS - 5_000);
    expect(start - runtime.now()).toBeLessThanOrEqual(2 * QUARTER_MS);
    await page.getByTestId('form-suggest').click();
    await page.getByTestId('form-note').waitFor();
    const targetKw = Number(await page.getByTestId('form-target').inputValue());
    const eventId = await page.getByTestId('form-event-id').inputValue();
    await page.getByTestId('form-submit').click();

    // Assess: the event detail page, its commands acknowledged by the simulated BMS.
    const detail = page.locator(`[data-testid="event-detail"][data-event-id="${eventId}"]`);
    await detail.waitFor();
    expect(await detail.getAttribute('data-scope-parks')).toBe(HOHHOT);
    expect(targetKw).toBeGreaterThan(0);
    await expect
      .poll(() => attribute(page, 'count-acknowledged', 'data-value'), { timeout: 60_000, interval: 500 })
      .toBeGreaterThan(0);
    expect(await attribute(page, 'count-sent', 'data-value')).toBeGreaterThan(0);
    // The plan card in the event's own words, one building count with its meaning, the cost explained
    const planCard = (await page.getByTestId('plan-summary').textContent()) ?? '';
    expect(planCard).toContain('peak shaving');
    expect(planCard).toMatch(/Target up to [\d,]+ kW less import; planned up to [\d,]+ kW less import/);
    expect(planCard).not.toMatch(/valley|more import/i);
    const commanded = await attribute(page, 'plan-buildings', 'data-commanded');
    expect(await page.getByTestId('plan-buildings').textContent()).toContain(
      `${commanded} of the ${await attribute(page, 'plan-buildings', 'data-in-scope')} buildings in scope are commanded`,
    );
    expect(await page.getByTestId('plan-cost').textContent()).toMatch(
      /per kWh planned\): what the allocator minimises/,
    );
    // Every commanded building's command and its BMS's answer, building by building
    await expect
      .poll(() => page.locator('[data-testid="command-row"][data-status="ACKNOWLEDGED"]').count(), {
        timeout: 30_000,
      })
      .toBe(commanded);
    const rows = await page.getByTestId('command-row').evaluateAll((trs) =>
      trs.map((tr) => ({
        building: tr.getAttribute('data-building-id'),
        status: tr.getAttribute('data-status'),
        answer: tr.children[4]?.textContent,
      })),
    );
    expect(new Set(rows.map((r) => r.building)).size).toBe(commanded);
    for (const r of rows.filter((r) => r.status === 'ACKNOWLEDGED')) expect(r.answer).toBe('acknowledged');

    // Act: run the clock past the window with the header buttons.
    for (let i = 0; i < 2; i++) {
      await page.getByTestId('advance-60').click();
      await expect.poll(() => page.getByTestId('advance-60').isEnabled(), { timeout: 120_000 }).toBe(true);
    }

    // Assess: every interval of the window delivered, on the chart's card and in the table under it.
    const delivery = page.getByTestId('delivery');
    await expect
      .poll(() => attribute(page, 'delivery', 'data-delivered-intervals'), { timeout: 30_000, interval: 500 })
      .toBe(4);
    expect(Number(await delivery.getAttribute('data-intervals'))).toBe(4);
    const delivered = await page
      .getByTestId('delivery-row')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-delivered'))));
    expect(delivered).toHaveLength(4);
    expect(delivered.some((kw) => kw > 0)).toBe(true);
    await expect.poll(() => page.getByTestId('delivery-chart').locator('canvas').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${ARTIFACTS}console-operator.png`, fullPage: true });

    // Act and assess: later, the event settles and its settlement table appears.
    for (
      let i = 0;
      i < 6 && (await page.getByTestId('event-detail').getAttribute('data-status')) !== 'settled';
      i++
    ) {
      await page.getByTestId('advance-60').click();
      await expect.poll(() => page.getByTestId('advance-60').isEnabled(), { timeout: 120_000 }).toBe(true);
      await page.waitForTimeout(2_500);
    }
    await page.getByTestId('performance').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('performance-park').count()).toBe(1);
    // The legends show the latest values, not uPlot's "--", and the load chart says it is not from 0
    const legend = await page
      .getByTestId('delivery-chart')
      .locator('.u-series .u-value')
      .evaluateAll((els) => els.map((e) => e.textContent));
    expect(legend.length).toBe(4);
    for (const v of legend.slice(1)) expect(v).toMatch(/^[\d,.]+ kW$/);
    expect(legend[0]).toMatch(/^\d{4}-\d\d-\d\d ([01]\d|2[0-3]):\d\d$/);
    expect(await page.getByTestId('delivery').textContent()).toContain(
      'baseline against metered (kW, axis not from 0)',
    );
    await page.screenshot({ path: `${ARTIFACTS}console-event.png`, fullPage: true });
    expect(errors).toEqual([]);

    // Act: the demo's HTML report of this event, opened in the browser
    const op = await runtime.token({ role: 'operator' });
    const report = await reportOf(runtime.url, op, [eventId]);
    await page.setContent(html(report));

    // Assess: every commanded building with its answer, baseline against metered, legends with values
    const reportRows = await page
      .locator('tr[data-building-id]')
      .evaluateAll((trs) => trs.map((tr) => tr.children[1]?.textContent ?? ''));
    // The closed loop may have asked more buildings since the first plan; each answered, and is listed.
    const acknowledged = new Set(
      (report.events[0]?.commands ?? []).filter((c) => c.status === 'ACKNOWLEDGED').map((c) => c.buildingId),
    );
    expect(acknowledged.size).toBeGreaterThanOrEqual(commanded);
    expect(reportRows.length).toBeGreaterThanOrEqual(acknowledged.size);
    expect(reportRows.filter((a) => a.includes('acknowledged')).length).toBe(acknowledged.size);
    await expect.poll(() => page.locator('#load0 canvas').count()).toBe(1);
    expect(await page.locator('#load0').textContent()).toContain('metered kW');
    const reportLegend = await page
      .locator('#chart0 .u-series .u-value')
      .evaluateAll((els) => els.map((e) => e.textContent));
    for (const v of reportLegend.slice(1)) expect(v).toMatch(/^[\d,.]+ kW$/);
    expect(reportLegend[0]).toMatch(/ ([01]\d|2[0-3]):\d\d Beijing$/);
    await page.screenshot({ path: `${ARTIFACTS}report.png`, fullPage: true });
    await context.close();
  });

  it("a valley-filling event's plan card speaks of valley filling, not of a peak", async () => {
    // Prepare: a valley-filling event on the Hohhot park
    const op = await runtime.token({ role: 'operator' });
    const start = Math.ceil(runtime.now() / QUARTER_MS) * QUARTER_MS + 2 * QUARTER_MS;
    const eventId = `e2e-valley-${start}`;
    const created = await fetch(`${runtime.url}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        eventId,
        programId: 'mengxi-valley-2026',
        type: 'VALLEY_FILLING',
        start: new Date(start).toISOString(),
        end: new Date(start + 2 * QUARTER_MS).toISOString(),
        targetsKw: [100, 100],
        scope: { parkIds: [HOHHOT] },
        noticeAt: new Date(runtime.now()).toISOString(),
      }),
    });
    expect(created.status).toBe(201);
    const { context, page, errors } = await openConsole();
    await logInAs(page, 'operator');

    // Act
    await page.goto(`${runtime.url}/console/#/events/${encodeURIComponent(eventId)}`);
    const card = page.getByTestId('plan-summary');
    await card.waitFor({ timeout: 30_000 });

    // Assess
    const text = (await card.textContent()) ?? '';
    expect(await card.getAttribute('data-direction')).toBe('VALLEY_FILLING');
    expect(text).toContain('valley filling');
    expect(text).toContain('填谷');
    expect(text).toMatch(/Target up to 100 kW more import; planned up to [\d,]+ kW more import/);
    expect(text).not.toMatch(/peak|less import/i);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an operator sees an event awaiting data, evaluates it again, and enters a calendar year', async () => {
    // Prepare: a program whose baseline can find no eligible day (it skips all 30 days it looks
    // back over), so every building of its event awaits data after the window.
    const op = await runtime.token({ role: 'operator' });
    const call = (path: string, method: string, body: unknown) =>
      fetch(`${runtime.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const programId = 'e2e-no-baseline';
    const program = {
      programId,
      name: 'no baseline day can be found',
      baseline: { method: 'HIGH_K_OF_M', k: 1, m: 1, skipDays: 30, lookbackDays: 30 },
      settlement: { unit: 'YUAN_PER_KWH', price: 1, minRatio: 0.8, maxRatio: 1.2 },
    };
    expect((await call(`/programs/${programId}`, 'PUT', program)).status).toBe(200);
    const start = Math.ceil(runtime.now() / QUARTER_MS) * QUARTER_MS + QUARTER_MS;
    const eventId = `e2e-awaiting-${start}`;
    const created = await call('/events', 'POST', {
      eventId,
      programId,
      type: 'PEAK_SHAVING',
      start: new Date(start).toISOString(),
      end: new Date(start + 4 * QUARTER_MS).toISOString(),
      targetsKw: [50, 50, 50, 50],
      scope: { parkIds: [HOHHOT] },
      noticeAt: new Date(runtime.now()).toISOString(),
    });
    expect(created.status).toBe(201);
    await runtime.idle();
    await runtime.advance(3 * 60);
    const { context, page, errors } = await openConsole();
    await logInAs(page, 'operator');

    // Act
    await page.goto(`${runtime.url}/console/#/events/${encodeURIComponent(eventId)}`);
    const performance = page.getByTestId('performance');
    await performance.waitFor({ timeout: 30_000 });

    // Assess: the event is awaiting data, every commanded building listed with what it waits for
    expect(await page.getByTestId('event-detail').getAttribute('data-status')).toBe('awaiting-data');
    const needs = await page
      .getByTestId('awaiting-building')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-needs')));
    expect(needs.length).toBeGreaterThan(0);
    expect(new Set(needs)).toEqual(new Set(['readings']));
    expect(await page.getByTestId('awaiting-data').textContent()).toContain('no eligible day');

    // Act and assess: evaluating again writes revision 2, offered beside revision 1
    await page.getByTestId('reevaluate-event').click();
    await expect
      .poll(() => page.getByTestId('performance').getAttribute('data-revision'), { timeout: 20_000 })
      .toBe('2');
    const revisions = await page.getByTestId('settlement-revision').locator('option').count();
    expect(revisions).toBe(2);
    await page.screenshot({ path: `${ARTIFACTS}console-awaiting-data.png`, fullPage: true });

    // Act: enter a (fictional) calendar year on the Calendar page
    await page.getByTestId('nav-calendar').click();
    await page.getByTestId('calendar-years').waitFor();
    const years = await page
      .getByTestId('calendar-year')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-year'))));
    const next = Math.max(...years) + 1;
    await page.getByTestId('calendar-add-year').click();
    await page.getByTestId('calendar-source').fill('fictional dates for a browser test');
    await page.getByTestId('calendar-holidays').fill(`${next}-01-01\n${next}-05-01`);
    await page.getByTestId('calendar-save').click();

    // Assess: saved as version 1, listed first
    await expect
      .poll(() => page.getByTestId('calendar-saved').textContent(), { timeout: 10_000 })
      .toContain('v1');
    await expect
      .poll(() => page.getByTestId('calendar-year').first().getAttribute('data-year'))
      .toBe(String(next));
    expect(years[0]).toBeGreaterThanOrEqual(2026);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('names event types in Chinese, drawn as glyphs rather than empty boxes', async () => {
    // Prepare: an event in the operator's list
    const op = await runtime.token({ role: 'operator' });
    const start = Math.ceil(runtime.now() / QUARTER_MS) * QUARTER_MS + 2 * QUARTER_MS;
    const created = await fetch(`${runtime.url}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        eventId: `e2e-hanzi-${start}`,
        programId: 'mengxi-dr-2026',
        type: 'PEAK_SHAVING',
        start: new Date(start).toISOString(),
        end: new Date(start + QUARTER_MS).toISOString(),
        targetsKw: [10],
        scope: { parkIds: [BAOTOU] },
        noticeAt: new Date(runtime.now()).toISOString(),
      }),
    });
    expect(created.status).toBe(201);
    const { context, page, errors } = await openConsole();
    await logInAs(page, 'operator');

    // Act: the list's 削峰, screenshot
    await page.getByTestId('nav-events').click();
    const hanzi = page.getByTestId('event-list').getByTestId('direction-hanzi').first();
    await hanzi.waitFor();
    expect(await hanzi.textContent()).toBe('削峰');
    const png = await hanzi.screenshot({ path: `${ARTIFACTS}console-hanzi.png` });

    // Assess: ink on the paper, and 削 unlike 峰 (a missing glyph is the same box for both)
    const { ink, halvesDiffer } = glyphInk(png);
    expect(ink, 'no ink where 削峰 should be').toBeGreaterThan(30);
    expect(
      halvesDiffer,
      '削 and 峰 drawn alike: no CJK font (Debian: apt-get install fonts-noto-cjk)',
    ).toBeGreaterThan(0.25);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a park manager of baotou-rare-earth sees only that park', async () => {
    // Prepare
    const { context, page, errors } = await openConsole();

    // Act
    await logInAs(page, 'parkManager', BAOTOU);
    await page.getByTestId('park').first().waitFor();

    // Assess
    expect(await page.getByTestId('who').getAttribute('data-role')).toBe('parkManager');
    expect(await page.getByTestId('bindings').textContent()).toContain(BAOTOU);
    const parks = await page
      .getByTestId('park')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-park-id')));
    expect(parks).toEqual([BAOTOU]);
    expect(await page.locator(`[data-park-id="${HOHHOT}"]`).count()).toBe(0);
    await expect.poll(() => page.getByTestId('building-row').count()).toBeGreaterThan(0);

    await page.getByTestId('nav-flexibility').click();
    const options = () =>
      page
        .getByTestId('flex-park')
        .locator('option')
        .evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    await expect.poll(options).toEqual([BAOTOU]);
    expect(errors).toEqual([]);
    await context.close();
  });
});

/**
 * What a screenshot of two glyphs shows: how many pixels are dark, and the share of them that
 * differ between its left and right halves (two characters differ; two boxes for missing glyphs
 * do not).
 */
function glyphInk(png: Buffer): { ink: number; halvesDiffer: number } {
  const { width, height, luma } = readPng(png);
  const dark = (x: number, y: number) => (luma[y * width + x] ?? 255) < 128;
  const half = Math.floor(width / 2);
  let ink = 0;
  let differ = 0;
  let either = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < half; x++) {
      const left = dark(x, y);
      const right = dark(x + half, y);
      ink += Number(left) + Number(right);
      if (left || right) either++;
      if (left !== right) differ++;
    }
  return { ink, halvesDiffer: either === 0 ? 0 : differ / either };
}
