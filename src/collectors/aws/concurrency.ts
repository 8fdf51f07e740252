/**
 * Run `fn` over items from a (possibly async, possibly endless-looking) source with at most `limit` in
 * flight, pulling the next item only when a slot frees up, so a 10,000-bucket listing never becomes 10,000
 * pending promises at once.
 */
export async function forEachBounded<T>(
  source: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let firstError: { error: unknown } | undefined;
  for await (const item of source) {
    if (firstError) break;
    const task: Promise<void> = fn(item)
      .catch((error: unknown) => {
        firstError ??= { error };
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (firstError) throw firstError.error;
}

/**
 * Stream the items of a paginated list call page by page. `fetchPage` receives the token of the page to
 * fetch (undefined for the first); a repeated token ends the walk rather than looping forever.
 */
export async function* paginate<P, T>(
  fetchPage: (token: string | undefined) => Promise<P>,
  itemsOf: (page: P) => readonly T[] | undefined,
  nextTokenOf: (page: P) => string | undefined,
): AsyncGenerator<T> {
  let token: string | undefined;
  const seen = new Set<string>();
  do {
    const page = await fetchPage(token);
    for (const item of itemsOf(page) ?? []) yield item;
    token = nextTokenOf(page) || undefined;
    if (token !== undefined) {
      if (seen.has(token)) return;
      seen.add(token);
    }
  } while (token !== undefined);
}

/** Whole days from `from` to `to`, never negative. */
export function daysBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 86_400_000));
}
