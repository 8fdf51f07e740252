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
 * Run `fn` over items that each belong to a lane (S3 buckets to their region): at most `perLane(lane)` items
 * of one lane in flight, lanes independent of each other, and at most `waitingLimit` items pulled from `source` but
 * not yet started. Each started item holds its state (replies, facts) until its last call returns, so the
 * number in flight is kept just large enough to keep the lane's API limiter busy: more only makes every item
 * wait longer in the limiter's queue, long enough for its state to outlive young-generation collections and
 * pile up as old-generation garbage (10,000 buckets: 311 MB peak RSS with 32 buckets in flight, 280 MB with 4).
 */
export async function forEachBoundedPerLane<T>(
  source: Iterable<T> | AsyncIterable<T>,
  laneOf: (item: T) => string,
  perLane: (lane: string) => number,
  waitingLimit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const lanes = new Map<string, { active: number; limit: number; queue: T[] }>();
  let waiting = 0;
  let inFlight = 0;
  let firstError: { error: unknown } | undefined;
  let sourceError: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const settled = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });
  const start = (lane: { active: number; limit: number; queue: T[] }, item: T): void => {
    lane.active += 1;
    inFlight += 1;
    fn(item)
      .catch((error: unknown) => {
        firstError ??= { error };
      })
      .finally(() => {
        lane.active -= 1;
        inFlight -= 1;
        if (lane.queue.length > 0 && !firstError) {
          waiting -= 1;
          start(lane, lane.queue.shift() as T);
        }
        const resume = wake;
        wake = undefined;
        resume?.();
      });
  };
  try {
    for await (const item of source) {
      if (firstError) break;
      const key = laneOf(item);
      let lane = lanes.get(key);
      if (!lane) {
        lane = { active: 0, limit: Math.max(1, perLane(key)), queue: [] };
        lanes.set(key, lane);
      }
      if (lane.active < lane.limit) start(lane, item);
      else {
        lane.queue.push(item);
        waiting += 1;
      }
      while (waiting >= waitingLimit && !firstError) await settled();
    }
  } catch (error) {
    // The source failed (a list page could not be read): what was already pulled still runs, then it throws.
    sourceError = { error };
  }
  while (inFlight > 0) await settled();
  if (sourceError) throw sourceError.error;
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
