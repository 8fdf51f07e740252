import type { Selectable } from "kysely";
import type { StoreDb } from "../db/connect.js";
import type { AlertsTable } from "../db/schema.js";

export type ClaimedAlert = Omit<Selectable<AlertsTable>, "id"> & { id: number };

import type { StoreMetrics } from "../metrics.js";
import type { AlertsOptions } from "../options.js";
import { deliver } from "./deliver.js";
import type { AlertMessage } from "./route.js";

/**
 * Claims due outbox rows for this process. On PostgreSQL the candidate rows are locked with
 * FOR UPDATE SKIP LOCKED inside one UPDATE … RETURNING, so two store processes never claim the same row;
 * SQLite has one writer, which makes the same statement atomic. A claim is a lease: a row whose claimant
 * died becomes claimable again when the lease runs out.
 */
export async function claimAlerts(
  store: StoreDb,
  instanceId: string,
  now: Date,
  options: Pick<AlertsOptions, "leaseSeconds">,
  limit = 20,
): Promise<ClaimedAlert[]> {
  const nowIso = now.toISOString();
  const until = new Date(now.getTime() + options.leaseSeconds * 1000).toISOString();
  let candidates = store.db
    .selectFrom("alerts")
    .select("id")
    .where((eb) =>
      eb.or([
        eb.and([eb("status", "=", "pending"), eb("next_attempt_at", "<=", nowIso)]),
        eb.and([eb("status", "=", "sending"), eb("claimed_until", "<", nowIso)]),
      ]),
    )
    .orderBy("id")
    .limit(limit);
  if (store.dialect === "postgres") candidates = candidates.forUpdate().skipLocked();
  const rows = await store.db
    .updateTable("alerts")
    .set((eb) => ({
      status: "sending",
      claimed_by: instanceId,
      claimed_until: until,
      attempts: eb("attempts", "+", 1),
    }))
    .where("id", "in", candidates)
    .returningAll()
    .execute();
  return rows
    .map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) }))
    .sort((a, b) => a.id - b.id);
}

export function backoffSeconds(attempt: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 2 ** Math.max(0, attempt - 1), 3600);
}

export interface DispatchResult {
  sent: number;
  retried: number;
  failed: number;
}

/** One pass of the outbox: claim, deliver, record. Returns what happened (tests drive this directly). */
export async function dispatchOutbox(
  store: StoreDb,
  options: AlertsOptions,
  context: {
    instanceId: string;
    now: () => Date;
    metrics?: StoreMetrics;
    log?: (msg: string, err?: unknown) => void;
  },
): Promise<DispatchResult> {
  const result: DispatchResult = { sent: 0, retried: 0, failed: 0 };
  const claimed = await claimAlerts(store, context.instanceId, context.now(), options);
  for (const row of claimed) {
    const channel = options.channels[row.channel];
    const payload = JSON.parse(row.payload) as AlertMessage | { digest: AlertMessage[] };
    const digest = "digest" in payload;
    const alerts = digest ? payload.digest : [payload];
    try {
      if (!channel) throw new Error(`channel ${row.channel} is no longer configured`);
      await deliver(channel, alerts, { linkBase: options.linkBaseUrl, digest });
      await store.db
        .updateTable("alerts")
        .set({ status: "sent", sent_at: context.now().toISOString(), claimed_until: null, last_error: null })
        .where("id", "=", row.id)
        .where("claimed_by", "=", context.instanceId)
        .execute();
      result.sent += 1;
      context.metrics?.alerts.inc({ channel: row.channel, outcome: "sent" });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const final = row.attempts >= options.maxAttempts;
      const next = new Date(
        context.now().getTime() + backoffSeconds(row.attempts, options.retryBaseSeconds) * 1000,
      );
      await store.db
        .updateTable("alerts")
        .set({
          status: final ? "failed" : "pending",
          next_attempt_at: next.toISOString(),
          claimed_until: null,
          last_error: message.slice(0, 500),
        })
        .where("id", "=", row.id)
        .where("claimed_by", "=", context.instanceId)
        .execute();
      if (final) result.failed += 1;
      else result.retried += 1;
      context.metrics?.alerts.inc({ channel: row.channel, outcome: final ? "failed" : "retry" });
      context.log?.(`alert ${row.id} to ${row.channel} failed (attempt ${row.attempts}): ${message}`, error);
    }
  }
  return result;
}

/**
 * Gathers the alerts held for digest channels into one outbox row per channel. The rows are moved from
 * `digest` to `digested` by one UPDATE … RETURNING, so two processes never put the same alert in two digests.
 */
export async function buildDigests(store: StoreDb, options: AlertsOptions, now: Date): Promise<number> {
  let digests = 0;
  for (const [name, channel] of Object.entries(options.channels)) {
    if (!channel.digest) continue;
    await store.db.transaction().execute(async (trx) => {
      const rows = await trx
        .updateTable("alerts")
        .set({ status: "digested" })
        .where("channel", "=", name)
        .where("status", "=", "digest")
        .returning(["id", "payload"])
        .execute();
      if (rows.length === 0) return;
      const alerts = rows
        .sort((a, b) => Number(a.id) - Number(b.id))
        .map((r) => JSON.parse(r.payload) as AlertMessage);
      const nowIso = now.toISOString();
      await trx
        .insertInto("alerts")
        .values({
          event_id: null,
          channel: name,
          dedup_key: `digest:${name}:${nowIso.slice(0, 10)}`,
          event_type: "digest",
          status: "pending",
          reason: null,
          attempts: 0,
          next_attempt_at: nowIso,
          claimed_by: null,
          claimed_until: null,
          last_error: null,
          payload: JSON.stringify({ digest: alerts }),
          created_at: nowIso,
          sent_at: null,
        })
        .execute();
      digests += 1;
    });
  }
  return digests;
}
