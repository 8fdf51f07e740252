import type { Transaction } from "kysely";
import { SEVERITY_ORDER, type Severity } from "../../core/finding.js";
import type { Database } from "../db/schema.js";
import { decodeControls, type StoredDriftEvent } from "../drift.js";
import { activeExceptions, exceptionFor } from "../exceptions.js";
import type { AlertsOptions } from "../options.js";

/** What a channel renders: one drift event with the context a reader needs. */
export interface AlertMessage {
  eventId: number;
  type: string;
  at: string;
  agentId: string;
  resourceUid: string | null;
  ruleId: string | null;
  from: string | null;
  to: string | null;
  severity: Severity;
  policy: string | null;
  controls: string[];
  message: string;
  reportId: string | null;
  ledgerSeq: number | null;
  dedupKey: string;
}

export function dedupKeyOf(
  event: Pick<StoredDriftEvent, "type" | "agent_id" | "resource_uid" | "rule_id">,
): string {
  if (event.type === "agent-silent") return `agent:${event.agent_id}`;
  if (event.type === "agent-stuck") return `agent-stuck:${event.agent_id}`;
  return `${event.resource_uid}/${event.rule_id}`;
}

const OPPOSITE: Record<string, string> = { regressed: "resolved", resolved: "regressed" };

export function toAlertMessage(event: StoredDriftEvent): AlertMessage {
  return {
    eventId: event.id,
    type: event.type,
    at: event.at,
    agentId: event.agent_id,
    resourceUid: event.resource_uid,
    ruleId: event.rule_id,
    from: event.from_status,
    to: event.to_status,
    severity: event.severity as Severity,
    policy: event.policy,
    controls: decodeControls(event.controls),
    message: event.message,
    reportId: event.report_id,
    ledgerSeq: event.ledger_seq,
    dedupKey: dedupKeyOf(event),
  };
}

/** The channels an event goes to under the configured routes (each channel once). */
export function channelsFor(event: StoredDriftEvent, options: AlertsOptions): string[] {
  const channels = new Set<string>();
  for (const route of options.routes) {
    if (!route.events.includes(event.type as (typeof route.events)[number])) continue;
    if (SEVERITY_ORDER[event.severity as Severity] < SEVERITY_ORDER[route.minSeverity]) continue;
    if (route.policies && (!event.policy || !route.policies.includes(event.policy))) continue;
    for (const channel of route.channels) if (options.channels[channel]) channels.add(channel);
  }
  return [...channels];
}

/**
 * Puts the alerts for new drift events in the outbox, in the same transaction as the events. Against the
 * last alert actually raised for the same pair and channel: the opposite change within the flap window is
 * held back (`flapping`), the same change within the dedup window is dropped (`duplicate`). Both stay in
 * the table as `suppressed` so the decision is visible.
 */
export async function enqueueAlerts(
  trx: Transaction<Database>,
  events: readonly StoredDriftEvent[],
  options: AlertsOptions,
  now: Date,
): Promise<number> {
  if (options.routes.length === 0) return 0;
  let queued = 0;
  const nowIso = now.toISOString();
  // A failure covered by an approved store exception is an accepted risk: recorded, not sent.
  const excepted = events.some((e) => e.to_status === "fail") ? await activeExceptions(trx, now) : [];
  for (const event of events) {
    const exception =
      event.to_status === "fail" && event.resource_uid && event.rule_id
        ? exceptionFor(excepted, event.rule_id, event.resource_uid)
        : undefined;
    for (const channel of channelsFor(event, options)) {
      const message = toAlertMessage(event);
      const last = await trx
        .selectFrom("alerts")
        .select(["event_type", "created_at"])
        .where("dedup_key", "=", message.dedupKey)
        .where("channel", "=", channel)
        .where("status", "!=", "suppressed")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      const ageSeconds = last
        ? (now.getTime() - Date.parse(last.created_at)) / 1000
        : Number.POSITIVE_INFINITY;
      let status = options.channels[channel]?.digest ? "digest" : "pending";
      let reason: string | null = null;
      if (exception) {
        status = "suppressed";
        reason = `excepted: ${exception.owner} until ${exception.expires} (exception ${exception.id})`;
      } else if (last && OPPOSITE[event.type] === last.event_type && ageSeconds < options.flapWindowSeconds) {
        status = "suppressed";
        reason = `flapping: ${last.event_type} ${Math.round(ageSeconds)}s earlier`;
      } else if (last && last.event_type === event.type && ageSeconds < options.dedupWindowSeconds) {
        status = "suppressed";
        reason = `duplicate of an alert ${Math.round(ageSeconds)}s earlier`;
      }
      await trx
        .insertInto("alerts")
        .values({
          event_id: event.id,
          channel,
          dedup_key: message.dedupKey,
          event_type: event.type,
          status,
          reason,
          attempts: 0,
          next_attempt_at: nowIso,
          claimed_by: null,
          claimed_until: null,
          last_error: null,
          payload: JSON.stringify(message),
          created_at: nowIso,
          sent_at: null,
        })
        .execute();
      if (status !== "suppressed") queued += 1;
    }
  }
  return queued;
}
