/**
 * Rate limits of `POST /v1/enrol`, kept in this process's memory (each store process limits what it
 * answers; the enrolment secret's strength does the rest). Three budgets, checked before the secret:
 * - failures per source address: after `maxFailuresPerAddress` wrong secrets within `failureWindowSeconds`
 *   the address is refused until its oldest failure ages out (guessing the secret stays impractical);
 * - attempts per source address: a token bucket, so one office behind NAT can still enrol a wave of laptops;
 * - attempts overall: a token bucket over every address, so many addresses cannot multiply the rate.
 */
export interface EnrolmentLimits {
  maxFailuresPerAddress: number;
  failureWindowSeconds: number;
  perAddressPerSecond: number;
  perAddressBurst: number;
  overallPerSecond: number;
  overallBurst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Addresses tracked at most; the least recently seen are forgotten first. */
const MAX_ADDRESSES = 50_000;

export class EnrolmentLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly buckets = new Map<string, Bucket>();
  private overall: Bucket;

  constructor(
    private readonly limits: EnrolmentLimits,
    private readonly clock: () => number = () => Date.now(),
  ) {
    this.overall = { tokens: limits.overallBurst, at: clock() };
  }

  /** Takes one attempt from the budgets; returns the seconds to wait when a budget is spent. */
  attempt(address: string): { allowed: true } | { allowed: false; retryAfterSeconds: number; scope: string } {
    const now = this.clock();
    const failures = this.recentFailures(address, now);
    if (failures.length >= this.limits.maxFailuresPerAddress) {
      const waitMs = failures[0]! + this.limits.failureWindowSeconds * 1000 - now;
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
        scope: "address-failures",
      };
    }
    let bucket = this.buckets.get(address);
    if (!bucket) bucket = { tokens: this.limits.perAddressBurst, at: now };
    this.buckets.delete(address);
    this.buckets.set(address, bucket);
    if (this.buckets.size > MAX_ADDRESSES) this.buckets.delete(this.buckets.keys().next().value!);
    const perAddress = refill(bucket, now, this.limits.perAddressPerSecond, this.limits.perAddressBurst);
    if (perAddress < 1) {
      return {
        allowed: false,
        retryAfterSeconds: waitSeconds(perAddress, this.limits.perAddressPerSecond),
        scope: "address",
      };
    }
    const overall = refill(this.overall, now, this.limits.overallPerSecond, this.limits.overallBurst);
    if (overall < 1) {
      return {
        allowed: false,
        retryAfterSeconds: waitSeconds(overall, this.limits.overallPerSecond),
        scope: "overall",
      };
    }
    bucket.tokens -= 1;
    this.overall.tokens -= 1;
    return { allowed: true };
  }

  /** Records a wrong secret from this address. */
  failed(address: string): void {
    const now = this.clock();
    const list = this.recentFailures(address, now);
    list.push(now);
    this.failures.delete(address);
    this.failures.set(address, list);
    if (this.failures.size > MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
  }

  private recentFailures(address: string, now: number): number[] {
    const list = this.failures.get(address);
    if (!list) return [];
    const since = now - this.limits.failureWindowSeconds * 1000;
    while (list.length > 0 && list[0]! <= since) list.shift();
    if (list.length === 0) this.failures.delete(address);
    return list;
  }
}

function refill(bucket: Bucket, now: number, perSecond: number, burst: number): number {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
  bucket.at = now;
  return bucket.tokens;
}

function waitSeconds(tokens: number, perSecond: number): number {
  return Math.max(1, Math.ceil((1 - tokens) / perSecond));
}
