import type { Transaction } from "kysely";
import type { Finding } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import type { CurrentStateTable, Database, DriftEventsTable } from "./db/schema.js";
import type { DriftEventType } from "./options.js";

export type DriftEventRow = Omit<DriftEventsTable, "id">;
export type StoredDriftEvent = DriftEventRow & { id: number };

/** `|iso27001-2022:A.8.24|…|` so a single LIKE '%|control|%' finds a control in both dialects. */
export function encodeControls(controls: readonly string[]): string {
  return controls.length === 0 ? "" : `|${controls.join("|")}|`;
}

export function decodeControls(encoded: string): string[] {
  return encoded === "" ? [] : encoded.slice(1, -1).split("|");
}

export const pairKey = (resourceUid: string, ruleId: string) => `${resourceUid}\u0000${ruleId}`;

export interface StateDiff {
  upserts: CurrentStateTable[];
  deletes: { resource_uid: string; rule_id: string }[];
  events: DriftEventRow[];
}

/** How a change of status is named; transitions other than pass<->fail are `changed`, never dropped. */
export function transitionType(from: string, to: string): DriftEventType {
  if (from === "pass" && to === "fail") return "regressed";
  if (from === "fail" && to === "pass") return "resolved";
  return "changed";
}

/**
 * Pure: compares a report's findings with the current state the store holds and returns only what
 * changed. A pair whose rule ran in this report but whose resource no longer appears is `gone`; pairs of
 * rules that did not run are left alone (a partial scan is not a disappearance).
 */
export function diffState(
  previous: ReadonlyMap<string, CurrentStateTable>,
  report: ScanReport,
  context: { agentId: string; ledgerSeq: number; at: string },
  /**
   * The keys in `previous` whose row belongs to this agent, when the caller keeps that index: a batch's
   * state holds every agent of the batch, and scanning all of it for each report was quadratic.
   */
  agentPairs?: ReadonlySet<string>,
): StateDiff {
  const diff: StateDiff = { upserts: [], deletes: [], events: [] };
  const seen = new Set<string>();
  const base = {
    agent_id: context.agentId,
    report_id: report.id,
    ledger_seq: context.ledgerSeq,
    at: context.at,
  };

  for (const finding of report.findings) {
    const key = pairKey(finding.resourceUid, finding.ruleId);
    if (seen.has(key)) continue;
    seen.add(key);
    const before = previous.get(key);
    if (before && before.status === finding.status) continue;
    const controls = encodeControls(finding.controls);
    diff.upserts.push(stateRow(finding, controls, context, report.id));
    const type: DriftEventType = before ? transitionType(before.status, finding.status) : "new";
    diff.events.push({
      ...base,
      type,
      resource_uid: finding.resourceUid,
      rule_id: finding.ruleId,
      from_status: before?.status ?? null,
      to_status: finding.status,
      severity: finding.severity,
      policy: finding.policy,
      controls,
      message: finding.message,
    });
  }

  const rulesRun = new Set(report.rules.map((r) => r.id));
  for (const key of agentPairs ?? previous.keys()) {
    const row = previous.get(key);
    if (!row || seen.has(key) || row.agent_id !== context.agentId || !rulesRun.has(row.rule_id)) continue;
    diff.deletes.push({ resource_uid: row.resource_uid, rule_id: row.rule_id });
    diff.events.push({
      ...base,
      type: "gone",
      resource_uid: row.resource_uid,
      rule_id: row.rule_id,
      from_status: row.status,
      to_status: null,
      severity: row.severity,
      policy: row.policy,
      controls: row.controls,
      message: `${row.resource_uid} is no longer reported for ${row.rule_id}.`,
    });
  }
  return diff;
}

/**
 * Since when each finding of a report has failed without a break, as of that report (null unless it fails):
 * the same value `current_state.since` holds for a failing pair, taken from the state before the report. A
 * pair that was already failing carries its start; any other previous state (none, pass, error, skip, or
 * `gone`) means this observation starts the run. Ingest writes it into each findings row and verify's replay
 * recomputes it with this same function, so a stored value the ledger does not imply is named.
 */
export function failingSinceOf(
  previous: ReadonlyMap<string, CurrentStateTable>,
  report: Pick<ScanReport, "findings">,
  at: string,
): (string | null)[] {
  return report.findings.map((finding) => {
    if (finding.status !== "fail") return null;
    const before = previous.get(pairKey(finding.resourceUid, finding.ruleId));
    return before?.status === "fail" ? before.since : at;
  });
}

function stateRow(
  finding: Finding,
  controls: string,
  context: { agentId: string; ledgerSeq: number; at: string },
  reportId: string,
): CurrentStateTable {
  return {
    resource_uid: finding.resourceUid,
    rule_id: finding.ruleId,
    agent_id: context.agentId,
    resource_type: finding.resourceType,
    status: finding.status,
    severity: finding.severity,
    policy: finding.policy,
    controls,
    since: context.at,
    last_seen_at: context.at,
    report_id: reportId,
    ledger_seq: context.ledgerSeq,
  };
}

/** Loads the state rows a batch can touch: its agents' own pairs and any pair on the resources it names. */
export async function loadState(
  trx: Transaction<Database>,
  reports: readonly ScanReport[],
  agentIds: readonly string[],
): Promise<Map<string, CurrentStateTable>> {
  const state = new Map<string, CurrentStateTable>();
  for (let i = 0; i < agentIds.length; i += 500) {
    const own = await trx
      .selectFrom("current_state")
      .selectAll()
      .where("agent_id", "in", agentIds.slice(i, i + 500))
      .execute();
    for (const row of own) state.set(pairKey(row.resource_uid, row.rule_id), row);
  }
  const uids = [...new Set(reports.flatMap((r) => r.findings.map((f) => f.resourceUid)))];
  for (let i = 0; i < uids.length; i += 500) {
    const others = await trx
      .selectFrom("current_state")
      .selectAll()
      .where("resource_uid", "in", uids.slice(i, i + 500))
      .where("agent_id", "not in", agentIds)
      .execute();
    for (const row of others) state.set(pairKey(row.resource_uid, row.rule_id), row);
  }
  return state;
}

/**
 * Writes a diff. With `withIds` the inserted events come back with their ids (alert routing needs them);
 * RETURNING order is not promised, so rows are matched back by report and pair (unique in a batch).
 */
export async function applyStateDiff(
  trx: Transaction<Database>,
  diff: StateDiff,
  withIds: boolean,
): Promise<StoredDriftEvent[]> {
  for (let i = 0; i < diff.upserts.length; i += 400) {
    await trx
      .insertInto("current_state")
      .values(diff.upserts.slice(i, i + 400))
      .onConflict((oc) =>
        oc.columns(["resource_uid", "rule_id"]).doUpdateSet((eb) => ({
          agent_id: eb.ref("excluded.agent_id"),
          resource_type: eb.ref("excluded.resource_type"),
          status: eb.ref("excluded.status"),
          severity: eb.ref("excluded.severity"),
          policy: eb.ref("excluded.policy"),
          controls: eb.ref("excluded.controls"),
          since: eb.ref("excluded.since"),
          last_seen_at: eb.ref("excluded.last_seen_at"),
          report_id: eb.ref("excluded.report_id"),
          ledger_seq: eb.ref("excluded.ledger_seq"),
        })),
      )
      .execute();
  }
  for (let i = 0; i < diff.deletes.length; i += 200) {
    const chunk = diff.deletes.slice(i, i + 200);
    await trx
      .deleteFrom("current_state")
      .where((eb) =>
        eb.or(
          chunk.map((p) => eb.and([eb("resource_uid", "=", p.resource_uid), eb("rule_id", "=", p.rule_id)])),
        ),
      )
      .execute();
  }
  const stored: StoredDriftEvent[] = [];
  const eventKey = (reportId: string | null, uid: string | null, rule: string | null) =>
    `${reportId}\u0000${uid}\u0000${rule}`;
  for (let i = 0; i < diff.events.length; i += 300) {
    const chunk = diff.events.slice(i, i + 300);
    if (!withIds) {
      await trx.insertInto("drift_events").values(chunk).execute();
      continue;
    }
    const ids = await trx
      .insertInto("drift_events")
      .values(chunk)
      .returning(["id", "report_id", "resource_uid", "rule_id"])
      .execute();
    const byKey = new Map(ids.map((r) => [eventKey(r.report_id, r.resource_uid, r.rule_id), Number(r.id)]));
    for (const event of chunk) {
      stored.push({ ...event, id: byKey.get(eventKey(event.report_id, event.resource_uid, event.rule_id))! });
    }
  }
  return stored;
}
