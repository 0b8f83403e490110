/**
 * Calls `fn` for every value of an async iterable with at most `concurrency` calls in flight, pulling values only
 * as calls finish (flat memory). Rejects with the first error once the calls in flight have settled.
 */
export async function forEachBounded<T>(
  values: AsyncIterable<T>,
  concurrency: number,
  fn: (value: T) => Promise<void>,
): Promise<void> {
  const iterator = values[Symbol.asyncIterator]();
  let failed: unknown;
  let done = false;
  const worker = async () => {
    while (!done && failed === undefined) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        return;
      }
      try {
        await fn(next.value);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.floor(concurrency)) }, worker));
  if (failed !== undefined) throw failed;
}
