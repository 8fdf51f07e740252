import type { FastifyBaseLogger } from "fastify";
import { buildDigests, dispatchOutbox } from "./alerts/outbox.js";
import { issueCheckpoint } from "./checkpoints.js";
import type { StoreContext } from "./context.js";
import { runRetention } from "./retention.js";
import { checkSilentAgents, checkStuckAgents } from "./silence.js";
import { publishPendingCheckpoints, witnessClient } from "./witness.js";

/**
 * The store's scheduled work: outbox delivery, check-in windows, the daily digest, retention and signed
 * checkpoints of the ledger tree (when it grew). Each
 * loop never overlaps itself, and everything it does is claimed in the database, so any number of store
 * processes may run the same loops.
 */
export function startBackgroundJobs(ctx: StoreContext, log: FastifyBaseLogger): { stop(): Promise<void> } {
  const { options, store } = ctx;
  const running = new Set<Promise<unknown>>();
  const timers: NodeJS.Timeout[] = [];

  const every = (name: string, ms: number, job: () => Promise<unknown>) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const run = job()
        .catch((error: unknown) => log.error({ err: error, job: name }, "background job failed"))
        .finally(() => {
          busy = false;
          running.delete(run);
        });
      running.add(run);
    }, ms);
    timer.unref();
    timers.push(timer);
  };

  if (Object.keys(options.alerts.channels).length > 0) {
    every("outbox", options.alerts.pollIntervalMs, () =>
      dispatchOutbox(store, options.alerts, {
        instanceId: ctx.instanceId,
        now: ctx.now,
        metrics: ctx.metrics,
        log: (msg) => log.warn(msg),
      }),
    );
    let lastDigestDay = "";
    every("digest", 60_000, async () => {
      const now = ctx.now();
      const day = now.toISOString().slice(0, 10);
      if (now.getUTCHours() !== options.alerts.digestHourUtc || day === lastDigestDay) return;
      lastDigestDay = day;
      await buildDigests(store, options.alerts, now);
    });
  }
  every("check-in", options.checkIn.intervalMs, async () => {
    await checkSilentAgents(store, options, ctx.now());
    await checkStuckAgents(store, options, ctx.now());
  });
  every("checkpoint", options.checkpoints.intervalMs, async () => {
    const { issued, checkpoint } = await issueCheckpoint(
      store.db,
      ctx.signer.signer,
      ctx.signer.origin,
      ctx.now(),
    );
    if (issued && checkpoint) log.info({ size: checkpoint.size }, "signed a ledger checkpoint");
  });
  const witness = options.witness;
  if (witness) {
    const client = witnessClient(witness);
    every("witness", witness.intervalMs, async () => {
      const published = await publishPendingCheckpoints(store.db, await client, witness, ctx.now, log);
      if (published > 0)
        log.info({ published, bucket: witness.bucket }, "archived checkpoints to the S3 witness");
    });
  }
  const days = options.retention.days;
  if (days) {
    every("retention", options.retention.intervalMs, async () => {
      const result = await runRetention(store.db, store.dialect, { days, now: ctx.now() });
      if (result.disposal) log.info({ disposal: result.disposal }, "retention disposed of evidence");
    });
  }

  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}
