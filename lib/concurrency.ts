/**
 * Bounded concurrency: one worker pool and the two policies the code needs on a failure.
 * - {@link mapLimit} stops starting new items after the first failure (DynamoDB batches, benchmark
 *   and test drivers: the rest would be wasted work).
 * - {@link eachLimited} runs every item whatever fails (independent work that must not be cut
 *   short by one failure: webhook rounds to different subscribers, simulated buildings).
 * Both throw the first error only once the calls in flight have settled, so nothing is still
 * running unobserved when the caller sees it.
 */

/** Runs `fn` over `items` with at most `limit` workers; the first error, if any, once all settled. */
async function runPool<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
  stopOnFailure: boolean,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !(stopOnFailure && failure)) {
      const i = next++;
      try {
        await fn(items[i] as T, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (failure) throw failure.error;
}

/**
 * Runs `fn` over `items` with at most `limit` in flight and answers the results in the order of
 * `items`. After a failure no new item starts.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  await runPool(
    items,
    limit,
    async (item, i) => {
      out[i] = await fn(item, i);
    },
    true,
  );
  return out;
}

/** Runs `fn` over `items` with at most `limit` in flight. Every item runs, even after a failure. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  await runPool(items, limit, fn, false);
}
