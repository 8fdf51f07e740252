import type { Transaction } from "kysely";
import { enqueueAlerts } from "./alerts/route.js";
import type { StoreDb } from "./db/connect.js";
import type { Database } from "./db/schema.js";
import type { StoredDriftEvent } from "./drift.js";
import type { StoreOptions } from "./options.js";

/**
 * Raises `agent-silent` for each agent that missed its group's check-in window. The flag is set by a
 * conditional UPDATE … RETURNING, so with several store processes exactly one raises the event; it is
 * cleared when the agent is heard from again (report or heartbeat).
 */
export async function checkSilentAgents(
  store: StoreDb,
  options: StoreOptions,
  now: Date,
): Promise<StoredDriftEvent[]> {
  const candidates = await store.db
    .selectFrom("agents")
    .select(["id", "hostname", "group_name", "last_seen_at"])
    .where("silent_since", "is", null)
    .where("revoked_at", "is", null)
    .execute();
  const raised: StoredDriftEvent[] = [];
  for (const agent of candidates) {
    const windowSeconds = options.checkIn.groups[agent.group_name] ?? options.checkIn.defaultSeconds;
    const cutoff = new Date(now.getTime() - windowSeconds * 1000).toISOString();
    if (agent.last_seen_at >= cutoff) continue;
    const event = await claimAgentEvent(store, options, now, {
      type: "agent-silent",
      agentId: agent.id,
      flag: "silent_since",
      stillDue: { column: "last_seen_at", before: cutoff },
      message: `Agent ${agent.id} (${agent.hostname}, group ${agent.group_name}) has not checked in since ${agent.last_seen_at}; its window is ${windowSeconds}s.`,
    });
    if (event) raised.push(event);
  }
  return raised;
}

/**
 * Raises `agent-stuck` for each agent whose spool has kept growing (reported by its heartbeats) for longer
 * than `checkIn.stuckSeconds`: it is alive, but its reports are not getting through (a store that refuses
 * them, a full disk, a proxy). Once per episode, claimed like `agent-silent`; cleared when the spool drains.
 */
export async function checkStuckAgents(
  store: StoreDb,
  options: StoreOptions,
  now: Date,
): Promise<StoredDriftEvent[]> {
  const cutoff = new Date(now.getTime() - options.checkIn.stuckSeconds * 1000).toISOString();
  const candidates = await store.db
    .selectFrom("agents")
    .select(["id", "hostname", "group_name", "spool_depth", "last_error", "spool_growing_since"])
    .where("stuck_since", "is", null)
    .where("revoked_at", "is", null)
    .where("spool_growing_since", "is not", null)
    .where("spool_growing_since", "<", cutoff)
    .execute();
  const raised: StoredDriftEvent[] = [];
  for (const agent of candidates) {
    const event = await claimAgentEvent(store, options, now, {
      type: "agent-stuck",
      agentId: agent.id,
      flag: "stuck_since",
      stillDue: { column: "spool_growing_since", before: cutoff },
      message: `Agent ${agent.id} (${agent.hostname}, group ${agent.group_name}) is alive but its spool has grown since ${agent.spool_growing_since} to ${agent.spool_depth} report(s) without being delivered${agent.last_error ? `; its last error: ${agent.last_error}` : ""}.`,
    });
    if (event) raised.push(event);
  }
  return raised;
}

/** One agent event to raise once per episode, and the flag column that marks the episode as raised. */
interface AgentEventClaim {
  type: "agent-silent" | "agent-stuck";
  agentId: string;
  flag: "silent_since" | "stuck_since";
  /** Checked again in the UPDATE: the agent may have been heard from since it was selected. */
  stillDue: { column: "last_seen_at" | "spool_growing_since"; before: string };
  message: string;
}

/**
 * Sets the claim's flag with a conditional UPDATE … RETURNING (only where it is still unset and the agent is
 * still due) and, only when this process's UPDATE won, records the event in the same transaction: with
 * several store processes exactly one raises it. Undefined when another process (or fresh contact) won.
 */
async function claimAgentEvent(
  store: StoreDb,
  options: StoreOptions,
  now: Date,
  claim: AgentEventClaim,
): Promise<StoredDriftEvent | undefined> {
  return store.db.transaction().execute(async (trx) => {
    const won = await trx
      .updateTable("agents")
      .set(claim.flag, now.toISOString())
      .where("id", "=", claim.agentId)
      .where(claim.flag, "is", null)
      .where(claim.stillDue.column, "<", claim.stillDue.before)
      .returning("id")
      .executeTakeFirst();
    if (!won) return undefined;
    return recordAgentEvent(trx, options, now, claim.type, claim.agentId, claim.message);
  });
}

/** Stores one event about an agent (no resource, rule or report) and queues its alerts, in the caller's transaction. */
async function recordAgentEvent(
  trx: Transaction<Database>,
  options: StoreOptions,
  now: Date,
  type: "agent-silent" | "agent-stuck",
  agentId: string,
  message: string,
): Promise<StoredDriftEvent> {
  const row = {
    at: now.toISOString(),
    type,
    agent_id: agentId,
    resource_uid: null,
    rule_id: null,
    from_status: null,
    to_status: null,
    severity: "high",
    policy: null,
    controls: "",
    message,
    report_id: null,
    ledger_seq: null,
  };
  const inserted = await trx.insertInto("drift_events").values(row).returning("id").executeTakeFirstOrThrow();
  const stored: StoredDriftEvent = { ...row, id: Number(inserted.id) };
  await enqueueAlerts(trx, [stored], options.alerts, now);
  return stored;
}
