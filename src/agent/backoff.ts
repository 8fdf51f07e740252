/**
 * Exponential backoff with full jitter: after n consecutive failures wait a random time in
 * [0, min(max, min * 2^n)], never less than `minMs`, so a fleet coming back online does not retry in step.
 */
export function backoffDelay(
  failures: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(failures, 30));
  return Math.max(minMs, Math.round(random() * ceiling));
}
