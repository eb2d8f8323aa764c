/**
 * Runs `fn` over `items` with at most `limit` in flight. Every item runs, even after a failure;
 * then the first error, if any, is thrown. For independent work that must not be cut short by one
 * failure (webhook rounds to different subscribers, simulated buildings). DynamoDB batches, which
 * should stop at the first failure, use `mapLimit` in `lib/adapters/dynamodb/batch.ts`.
 */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}
