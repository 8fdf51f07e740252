import type { Transaction } from "kysely";
import { enqueueAlerts } from "./alerts/route.js";
import { addDailyResults, countByDay } from "./daily-results.js";
import type { StoreDb } from "./db/connect.js";
import { insertRows, upsertSuffix } from "./db/raw-insert.js";
import type { Database, ResourceOwnersTable } from "./db/schema.js";
import {
  applyStateDiff,
  diffState,
  encodeControls,
  failingSinceOf,
  loadState,
  pairKey,
  type StateDiff,
} from "./drift.js";
import { HttpError } from "./http-error.js";
import { assetInventory } from "./inventory.js";
import { LedgerAppender } from "./ledger.js";
import type { StoreMetrics } from "./metrics.js";
import type { AlertsOptions } from "./options.js";
import { claimsOf, OwnershipCheck } from "./ownership.js";
import type { PreparedReport } from "./prepare.js";

export interface IngestResult {
  id: string;
  ledgerSeq: number;
  hash: string;
  duplicate: boolean;
}

// Column lists of the batch inserts (values are written in this order); bench/dashboard/fill.mjs writes
// its generated rows with the same lists.
export const REPORT_COLUMNS = [
  "id",
  "agent_id",
  "ledger_seq",
  "received_at",
  "started_at",
  "finished_at",
  "body",
  "disposal_id",
] as const;
export const FINDING_COLUMNS = [
  "report_id",
  "ledger_seq",
  "agent_id",
  "observed_at",
  "rule_id",
  "resource_uid",
  "resource_type",
  "status",
  "severity",
  "policy",
  "controls",
  "message",
  "evidence",
  "exception",
  // Since when the (resource, rule) pair has failed without a break, as of this finding; null unless it fails.
  "failing_since",
] as const;
export const ASSET_COLUMNS = [
  "uid",
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
// first_seen_at keeps its first value; everything else follows the latest report.
const ASSET_UPSERT = upsertSuffix(
  ["uid"],
  ["type", "provider", "name", "account", "region", "agent_id", "last_seen_at", "report_id", "inventory"],
);

interface Pending {
  prepared: PreparedReport;
  resolve(result: IngestResult): void;
  reject(error: unknown): void;
}

/**
 * Appends reports to the ledger. Requests arriving while a transaction runs are committed together in the
 * next one (group commit): each report still gets its own ledger entry, but the chain-head lock and the
 * commit are paid once per batch. A failing batch is retried one report at a time, so one bad report
 * never takes others down with it.
 */
export class ReportWriter {
  private queue: Pending[] = [];
  private draining = false;

  constructor(
    private readonly store: StoreDb,
    private readonly alerts: AlertsOptions,
    private readonly metrics: StoreMetrics | undefined,
    private readonly clock: () => Date = () => new Date(),
    private readonly maxBatch = 64,
  ) {}

  submit(prepared: PreparedReport): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ prepared, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        // Start the batch after the requests already being handled in this turn of the event loop have
        // been checked and queued too. On SQLite a commit is synchronous (the WAL sync blocks the thread),
        // so without this pause nothing queued up during one and nearly every batch held one report.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.commit(batch.map((p) => p.prepared));
          batch.forEach((p, i) => {
            p.resolve(results[i]!);
          });
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          for (const pending of batch) {
            try {
              const [result] = await this.commit([pending.prepared]);
              pending.resolve(result!);
            } catch (single) {
              pending.reject(single);
            }
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async commit(batch: PreparedReport[]): Promise<IngestResult[]> {
    const now = this.clock();
    const results = await this.store.db.transaction().execute(async (trx) => {
      const appender = await LedgerAppender.lock(trx, this.store.dialect);
      const ids = [...new Set(batch.map((p) => p.report.id))];
      const existing = await trx
        .selectFrom("reports")
        .innerJoin("ledger", "ledger.seq", "reports.ledger_seq")
        .select(["reports.id", "reports.ledger_seq", "ledger.content_hash"])
        .where("reports.id", "in", ids)
        .execute();
      const known = new Map(existing.map((r) => [r.id, { seq: Number(r.ledger_seq), hash: r.content_hash }]));
      const claims = batch.map((p) => claimsOf(p.report));
      const ownership = await OwnershipCheck.load(
        trx,
        [...new Set(claims.flatMap((c) => [...c.resources.keys(), ...c.scopeErrors]))],
        [...new Set(batch.map((p) => p.agentId))],
      );
      const bindings: ResourceOwnersTable[] = [];
      const out: IngestResult[] = [];
      const accepted: { prepared: PreparedReport; seq: number }[] = [];
      for (const [i, prepared] of batch.entries()) {
        ownership.assertNotRevoked(prepared.agentId);
        const before = known.get(prepared.report.id);
        if (before) {
          if (before.hash !== prepared.hash) {
            throw new HttpError(
              409,
              "STORE_REPORT_ID_CONFLICT",
              `Report ${prepared.report.id} was already accepted with different content; a report id is used once.`,
              "id",
            );
          }
          out.push({ id: prepared.report.id, ledgerSeq: before.seq, hash: before.hash, duplicate: true });
          continue;
        }
        const entry = appender.next({
          kind: "report",
          ref: prepared.report.id,
          contentHash: prepared.hash,
          appendedAt: now.toISOString(),
        });
        // A report naming a resource it does not own throws here: the batch rolls back and is retried one
        // report at a time, so only that report is refused (403) and nothing of it is stored.
        bindings.push(...ownership.claim(prepared.agentId, claims[i]!, entry.seq, now.toISOString()));
        accepted.push({ prepared, seq: entry.seq });
        known.set(prepared.report.id, { seq: entry.seq, hash: prepared.hash });
        out.push({ id: prepared.report.id, ledgerSeq: entry.seq, hash: prepared.hash, duplicate: false });
      }
      if (accepted.length > 0) await this.writeReports(trx, accepted, now);
      for (let i = 0; i < bindings.length; i += 500) {
        await trx
          .insertInto("resource_owners")
          .values(bindings.slice(i, i + 500))
          .execute();
      }
      await appender.flush();
      return out;
    });
    this.metrics?.batchSize.observe(batch.length);
    return results;
  }

  /**
   * Writes a batch with a fixed number of statements whatever its size: reports, findings, assets, the
   * state changes (diffed report by report in memory, in ledger order), drift events, alerts, agents.
   */
  private async writeReports(
    trx: Transaction<Database>,
    accepted: { prepared: PreparedReport; seq: number }[],
    now: Date,
  ): Promise<void> {
    const nowIso = now.toISOString();
    const dialect = this.store.dialect;
    await insertRows(
      trx,
      dialect,
      "reports",
      REPORT_COLUMNS,
      accepted.map(({ prepared, seq }) => [
        prepared.report.id,
        prepared.agentId,
        seq,
        prepared.receivedAt.toISOString(),
        prepared.report.startedAt,
        prepared.report.finishedAt,
        prepared.canonical,
        null,
      ]),
      100,
    );

    // The state changes are worked out first: each findings row carries its pair's failing-since from them.
    const reports = accepted.map((a) => a.prepared.report);
    const agentIds = [...new Set(accepted.map((a) => a.prepared.agentId))];
    const original = await loadState(trx, reports, agentIds);
    const working = new Map(original);
    // Which pairs each agent owns, kept alongside `working`, so a report's `gone` check reads its own
    // agent's pairs instead of the whole batch's state.
    const pairsByAgent = new Map<string, Set<string>>();
    const pairsOf = (agentId: string) => {
      let pairs = pairsByAgent.get(agentId);
      if (!pairs) {
        pairs = new Set();
        pairsByAgent.set(agentId, pairs);
      }
      return pairs;
    };
    for (const [key, row] of original) pairsOf(row.agent_id).add(key);
    const changed = new Set<string>();
    const diff: StateDiff = { upserts: [], deletes: [], events: [] };
    // Each report's findings' failing-since, read from the state before that report (as the replay does).
    const failingSince: (string | null)[][] = [];
    for (const { prepared, seq } of accepted) {
      failingSince.push(failingSinceOf(working, prepared.report, nowIso));
      const step = diffState(
        working,
        prepared.report,
        { agentId: prepared.agentId, ledgerSeq: seq, at: nowIso },
        pairsOf(prepared.agentId),
      );
      for (const row of step.upserts) {
        const key = pairKey(row.resource_uid, row.rule_id);
        const before = working.get(key);
        if (before && before.agent_id !== row.agent_id) pairsByAgent.get(before.agent_id)?.delete(key);
        working.set(key, row);
        pairsOf(row.agent_id).add(key);
        changed.add(key);
      }
      for (const pair of step.deletes) {
        const key = pairKey(pair.resource_uid, pair.rule_id);
        const before = working.get(key);
        if (before) pairsByAgent.get(before.agent_id)?.delete(key);
        working.delete(key);
        changed.add(key);
      }
      diff.events.push(...step.events);
    }
    for (const key of changed) {
      const row = working.get(key);
      if (row) diff.upserts.push(row);
      else {
        const gone = original.get(key);
        if (gone) diff.deletes.push({ resource_uid: gone.resource_uid, rule_id: gone.rule_id });
      }
    }
    const findings: unknown[][] = [];
    for (const [r, { prepared, seq }] of accepted.entries()) {
      const { report, agentId } = prepared;
      for (const [i, f] of report.findings.entries()) {
        findings.push([
          report.id,
          seq,
          agentId,
          report.finishedAt,
          f.ruleId,
          f.resourceUid,
          f.resourceType,
          f.status,
          f.severity,
          f.policy,
          encodeControls(f.controls),
          f.message,
          JSON.stringify(f.evidence),
          f.exception ? JSON.stringify(f.exception) : null,
          failingSince[r]![i],
        ]);
      }
    }
    await insertRows(trx, dialect, "findings", FINDING_COLUMNS, findings, 500);
    await addDailyResults(
      trx,
      dialect,
      countByDay(findings.map((f) => [f[3] as string, f[7] as string] as const)),
    );

    // One row per uid (the latest report wins): an upsert may not touch a row twice in one statement.
    const assets = new Map<string, unknown[]>();
    for (const { prepared } of accepted) {
      for (const r of prepared.report.resources) {
        assets.set(r.uid, [
          r.uid,
          r.type,
          r.provider,
          r.name,
          r.account ?? null,
          r.region ?? null,
          prepared.agentId,
          nowIso,
          nowIso,
          prepared.report.id,
          assetInventory(r),
        ]);
      }
    }
    await insertRows(trx, dialect, "assets", ASSET_COLUMNS, [...assets.values()], 500, ASSET_UPSERT);

    const events = await applyStateDiff(trx, diff, this.alerts.routes.length > 0);
    await enqueueAlerts(trx, events, this.alerts, now);

    // Agents heard from: one statement per distinct agent version in the batch.
    const byVersion = new Map<string, Set<string>>();
    for (const { prepared } of accepted) {
      const set = byVersion.get(prepared.report.agent.version) ?? new Set<string>();
      set.add(prepared.agentId);
      byVersion.set(prepared.report.agent.version, set);
    }
    for (const [version, ids] of byVersion) {
      await trx
        .updateTable("agents")
        .set({ last_seen_at: nowIso, silent_since: null, version })
        .where("id", "in", [...ids])
        .execute();
    }
  }
}
