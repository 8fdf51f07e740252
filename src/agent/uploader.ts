import { backoffDelay } from "./backoff.js";
import type { AgentLogger } from "./log.js";
import type { Spool } from "./spool.js";
import type { StoreClient } from "./store-client.js";

/**
 * Sends the spool to the store, oldest first, one report at a time. A report leaves the spool only after
 * the store acknowledged it (201 accepted, or 200 duplicate: it was accepted earlier and our ack was lost),
 * or refused it for good (a 4xx no retry can fix: moved to quarantine with a log line naming the status,
 * code and field, so it never blocks the reports behind it). While the store is unreachable (network, 5xx,
 * 408, 429) it retries with backoff; a heartbeat that gets through wakes it early.
 */
export interface UploaderOptions {
  spool: Spool;
  client: StoreClient;
  token: () => string;
  log: AgentLogger;
  retryMinMs: number;
  retryMaxMs: number;
}

export class Uploader {
  private running: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: UploaderOptions) {}

  /** Start a drain now (or once the current one ends). Resolves when the spool is drained or delivery paused. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.clearRetry();
    this.running = this.loop()
      .catch((error: unknown) => {
        // A failing disk or a bug must not take the agent down: say so and try again later.
        this.failures += 1;
        const delay = backoffDelay(this.failures, this.options.retryMinMs, this.options.retryMaxMs);
        this.options.log.error(
          { error: (error as Error).message, retryInMs: delay },
          "delivering the spool failed",
        );
        if (!this.stopped) this.scheduleRetry(delay);
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** True while a retry is waiting: the store was unreachable at the last attempt. */
  get waitingToRetry(): boolean {
    return this.retryTimer !== undefined;
  }

  /** Stop scheduling; the current request (if any) completes or is aborted by the client's signal. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearRetry();
    await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const paused = await this.drainOnce();
      if (paused) return;
    } while (this.again && !this.stopped);
  }

  /** Returns true when delivery paused (store unreachable, or stopping). */
  private async drainOnce(): Promise<boolean> {
    const { spool, client, log } = this.options;
    for (const id of await spool.ids()) {
      if (this.stopped) return true;
      const item = await spool.read(id);
      if (!item) continue;
      log.debug({ reportId: id }, "uploading report");
      const outcome = await client.sendReport(this.options.token(), item.body);
      if (outcome.kind === "accepted") {
        await spool.remove(id);
        this.failures = 0;
        log.info(
          { reportId: id, ledgerSeq: outcome.value.ledgerSeq, duplicate: outcome.value.duplicate === true },
          outcome.value.duplicate ? "report was already delivered; removed from spool" : "report delivered",
        );
        continue;
      }
      if (outcome.kind === "rejected") {
        // The store will never accept this body; keep it aside for a person instead of blocking the queue.
        log.error(
          {
            reportId: id,
            status: outcome.status,
            code: outcome.code,
            field: outcome.field,
            reason: outcome.reason,
          },
          "store refused report for good; quarantined, delivering the rest of the spool",
        );
        await spool.quarantine(id, `refused by the store: ${outcome.reason}`);
        continue;
      }
      if (this.stopped) {
        log.info({ reportId: id }, "upload interrupted by shutdown; report stays in the spool");
        return true;
      }
      this.failures += 1;
      const delay =
        outcome.retryAfterMs ?? backoffDelay(this.failures, this.options.retryMinMs, this.options.retryMaxMs);
      const usage = await spool.usage();
      log.warn(
        {
          reportId: id,
          reason: outcome.reason,
          status: outcome.status,
          retryInMs: delay,
          spooled: usage.reports,
        },
        "store unavailable; reports stay in the spool",
      );
      this.scheduleRetry(delay);
      return true;
    }
    return false;
  }

  private scheduleRetry(delayMs: number): void {
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.kick();
    }, delayMs);
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
