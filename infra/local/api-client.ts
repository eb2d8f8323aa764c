/** A JSON call to the FlexDR API, as the demo, the seeding and the standalone simulator make it. */
export async function apiCall<T>(
  url: string,
  method: string,
  path: string,
  options: { token?: string | undefined; body?: unknown } = {},
): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Every item of a paged answer: asks for each page with the cursor the last one gave, until none.
 * `page` returns the items of one page and its cursor.
 */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; cursor?: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    all.push(...next.items);
    cursor = next.cursor;
  } while (cursor);
  return all;
}

/** The query string that asks for the page after `cursor` (500 items, the most a page holds). */
const pageQuery = (cursor: string | undefined): string =>
  `?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

/**
 * Every command of an event, page after page of `GET /events/{eventId}/plan`; `get` makes the GET
 * of a path and answers the route's body.
 */
export function allPlanCommands<T>(
  eventId: string,
  get: (path: string) => Promise<{ commands?: T[]; cursor?: string | undefined }>,
): Promise<T[]> {
  return allPages((cursor) =>
    get(`/events/${eventId}/plan${pageQuery(cursor)}`).then((p) => ({
      items: p.commands ?? [],
      cursor: p.cursor,
    })),
  );
}
