import type { ScanReport } from "../core/report.js";
import type { AssetsTable, CurrentStateTable, DriftEventsTable, ResourceOwnersTable } from "./db/schema.js";
import { type DriftEventRow, diffState, failingSinceOf, pairKey } from "./drift.js";
import { assetInventory } from "./inventory.js";
import { AGENT_EVENT_TYPES } from "./options.js";
import { resourceScope } from "./ownership.js";
import type { BrokenEntry } from "./verify.js";

/** The tables derived from the ledger, as stored. */
export interface DerivedTables {
  state: CurrentStateTable[];
  events: (Omit<DriftEventsTable, "id"> & { id: number })[];
  assets: AssetsTable[];
  owners: ResourceOwnersTable[];
}

type Report = (category: string, entry: BrokenEntry) => void;

/**
 * Rebuilds what ingest derives from each report (current state, drift events, assets, resource owners)
 * by replaying the ledger in order with the same functions ingest uses, then compares the stored tables
 * row by row and column by column. Ingest commits reports in batches, but a batch is diffed report by
 * report in ledger order, so a sequential replay yields the same rows.
 */
export class Replay {
  private readonly state = new Map<string, CurrentStateTable>();
  private readonly events = new Map<string, DriftEventRow>();
  private readonly assets = new Map<string, AssetsTable>();
  private readonly owners = new Map<string, Omit<ResourceOwnersTable, "uid">>();
  incomplete = false;

  markIncomplete(): void {
    this.incomplete = true;
  }

  /**
   * Applies a report in ledger order and returns its findings' failing-since as ingest computed them (from the
   * state before the report), or undefined once the replay is incomplete.
   */
  applyReport(report: ScanReport, seq: number, at: string): (string | null)[] | undefined {
    if (this.incomplete) return undefined;
    const failingSince = failingSinceOf(this.state, report, at);
    const agentId = report.agent.id;
    for (const resource of report.resources) {
      if (!this.owners.has(resource.uid)) {
        const scope = resourceScope(resource);
        this.owners.set(resource.uid, {
          agent_id: scope === null ? agentId : null,
          scope,
          bound_at: at,
          ledger_seq: seq,
        });
      }
      const before = this.assets.get(resource.uid);
      this.assets.set(resource.uid, {
        uid: resource.uid,
        type: resource.type,
        provider: resource.provider,
        name: resource.name,
        account: resource.account ?? null,
        region: resource.region ?? null,
        agent_id: agentId,
        first_seen_at: before?.first_seen_at ?? at,
        last_seen_at: at,
        report_id: report.id,
        inventory: assetInventory(resource),
      });
    }
    const diff = diffState(this.state, report, { agentId, ledgerSeq: seq, at });
    for (const row of diff.upserts) this.state.set(pairKey(row.resource_uid, row.rule_id), row);
    for (const pair of diff.deletes) this.state.delete(pairKey(pair.resource_uid, pair.rule_id));
    for (const event of diff.events) this.events.set(eventKey(seq, event.resource_uid, event.rule_id), event);
    return failingSince;
  }

  applyRebind(record: { uid: string; toAgentId: string; at: string }, seq: number): void {
    this.owners.set(record.uid, {
      agent_id: record.toAgentId,
      scope: null,
      bound_at: record.at,
      ledger_seq: seq,
    });
    for (const row of this.state.values()) {
      if (row.resource_uid === record.uid) row.agent_id = record.toAgentId;
    }
  }

  async compare(tables: DerivedTables, report: Report): Promise<void> {
    compareRows(
      "current_state",
      tables.state.map((r) => ({ key: pairKey(r.resource_uid, r.rule_id), row: r })),
      this.state,
      STATE_COLUMNS,
      (r) => `${r.resource_uid} / ${r.rule_id}`,
      (r) => Number(r.ledger_seq),
      report,
    );
    compareRows(
      "assets",
      tables.assets.map((r) => ({ key: r.uid, row: r })),
      this.assets,
      ASSET_COLUMNS,
      (r) => r.uid,
      () => 0,
      report,
    );
    compareRows(
      "resource_owners",
      tables.owners.map((r) => ({ key: r.uid, row: r })),
      new Map([...this.owners].map(([uid, o]) => [uid, { uid, ...o }])),
      OWNER_COLUMNS,
      (r) => r.uid,
      (r) => Number(r.ledger_seq),
      report,
    );
    const fromReports: { key: string; row: DerivedTables["events"][number] }[] = [];
    for (const row of tables.events) {
      if (row.report_id === null) {
        // Only the store's agent checks (silence, a stuck spool) raise events without a report; anything else
        // was not derived from the ledger.
        if (
          !AGENT_EVENT_TYPES.includes(row.type) ||
          row.resource_uid !== null ||
          row.rule_id !== null ||
          row.ledger_seq !== null
        ) {
          report("drift_events", {
            seq: 0,
            ref: `drift event ${row.id}`,
            kind: "drift_events",
            problem: `drift event ${row.id} (${row.type}) names no report, and only agent-silent and agent-stuck events may`,
          });
        }
        continue;
      }
      fromReports.push({ key: eventKey(Number(row.ledger_seq), row.resource_uid, row.rule_id), row });
    }
    compareRows(
      "drift_events",
      fromReports,
      this.events,
      EVENT_COLUMNS,
      (r) => `${r.type} ${r.resource_uid} / ${r.rule_id} of report ${r.report_id}`,
      (r) => Number(r.ledger_seq ?? 0),
      report,
    );
  }
}

const eventKey = (seq: number, uid: string | null, rule: string | null) => `${seq}\u0000${uid}\u0000${rule}`;

const STATE_COLUMNS = [
  "agent_id",
  "resource_type",
  "status",
  "severity",
  "policy",
  "controls",
  "since",
  "last_seen_at",
  "report_id",
  "ledger_seq",
] as const;
const ASSET_COLUMNS = [
  "type",
  "provider",
  "name",
  "account",
  "region",
  "agent_id",
  "first_seen_at",
  "last_seen_at",
  "report_id",
  "inventory",
] as const;
const OWNER_COLUMNS = ["agent_id", "scope", "bound_at", "ledger_seq"] as const;
const EVENT_COLUMNS = [
  "at",
  "type",
  "agent_id",
  "resource_uid",
  "rule_id",
  "from_status",
  "to_status",
  "severity",
  "policy",
  "controls",
  "message",
  "report_id",
  "ledger_seq",
] as const;

/** Numbers come back as strings or bigints from some drivers; compare them as numbers. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" || typeof b === "number" || typeof a === "bigint" || typeof b === "bigint") {
    return a !== null && b !== null && a !== undefined && b !== undefined && Number(a) === Number(b);
  }
  return a === b;
}

function compareRows<T extends object, E extends object>(
  table: string,
  stored: { key: string; row: T }[],
  expected: ReadonlyMap<string, E>,
  columns: readonly (keyof T & keyof E)[],
  name: (row: T | E) => string,
  seqOf: (row: T | E) => number,
  report: Report,
): void {
  const seen = new Set<string>();
  for (const { key, row } of stored) {
    const add = (problem: string) => report(table, { seq: seqOf(row), ref: name(row), kind: table, problem });
    if (seen.has(key)) {
      add(`${table} holds ${name(row)} twice`);
      continue;
    }
    seen.add(key);
    const want = expected.get(key);
    if (!want) {
      add(`${table} row ${name(row)} is not derived from any ledger entry`);
      continue;
    }
    const differing = columns.filter((c) => !same(row[c], want[c]));
    if (differing.length > 0) {
      add(`${table} row ${name(row)} differs from the ledger in ${differing.join(", ")}`);
    }
  }
  for (const [key, want] of expected) {
    if (!seen.has(key)) {
      report(table, {
        seq: seqOf(want),
        ref: name(want),
        kind: table,
        problem: `${table} row ${name(want)} derived from the ledger is missing`,
      });
    }
  }
}
