import type { GenericResourceSummary } from "./arm.js";

/**
 * A subscription's resource list as it arrives, page by page, read by every resource type at once: each type
 * starts reading its resources while later pages are still being fetched (reads overlap listing, as one
 * 2,000-resource subscription lists in 20 sequential pages). Every reader sees every item once, in order; a
 * page that fails ends every reader with that error.
 */
export class SubscriptionListing {
  private readonly items: GenericResourceSummary[] = [];
  private finished = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void)[] = [];

  add(page: readonly GenericResourceSummary[]): void {
    this.items.push(...page);
    this.notify();
  }

  finish(): void {
    this.finished = true;
    this.notify();
  }

  fail(error: unknown): void {
    this.failure = { error };
    this.notify();
  }

  /** The resources of one ARM type (lower case), as they are listed. */
  async *ofType(armType: string): AsyncIterable<GenericResourceSummary> {
    for (let i = 0; ; ) {
      while (i < this.items.length) {
        const item = this.items[i++] as GenericResourceSummary;
        if (item.type.toLowerCase() === armType) yield item;
      }
      if (this.failure) throw this.failure.error;
      if (this.finished) return;
      await new Promise<void>((resolve) => this.wake.push(resolve));
    }
  }

  /** Every resource of one ARM type, once the list is complete. */
  async allOfType(armType: string): Promise<GenericResourceSummary[]> {
    const out: GenericResourceSummary[] = [];
    for await (const item of this.ofType(armType)) out.push(item);
    return out;
  }

  private notify(): void {
    const waiting = this.wake;
    this.wake = [];
    for (const resolve of waiting) resolve();
  }
}
