import { type KeyObject, verify } from "node:crypto";
import type { Transaction } from "kysely";
import { canonicalJson, sha256Hex } from "../core/canonical.js";
import { type ScanReport, ScanReportSchema } from "../core/report.js";
import { enqueueAlerts } from "./alerts/route.js";
import type { StoreDb } from "./db/connect.js";
import type { Database, FindingsTable } from "./db/schema.js";
import { applyStateDiff, diffState, encodeControls, loadState } from "./drift.js";
import { HttpError } from "./http-error.js";
import { LedgerAppender } from "./ledger.js";
import type { StoreMetrics } from "./metrics.js";
import type { AlertsOptions } from "./options.js";

/** A report that passed every check that needs no database: schema, owner, signature. */
export interface PreparedReport {
  report: ScanReport;
  /** Canonical JSON of the report as received (with its signature): what the ledger hashes and keeps. */
  canonical: string;
  hash: string;
  agentId: string;
  receivedAt: Date;
}

export interface IngestResult {
  id: string;
  ledgerSeq: number;
  hash: string;
  duplicate: boolean;
}

/**
 * Checks a posted body. The signature is verified over the body as received (not zod's output, which
 * fills defaults), and the canonical form is built member by member so the signed form (without
 * `signature`) and the stored form (with it) cost one serialisation.
 */
export function prepareReport(
  body: unknown,
  agent: { id: string; key: KeyObject },
  receivedAt: Date,
): PreparedReport {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpError(
      400,
      "STORE_REPORT_NOT_OBJECT",
      "The request body must be a JSON object (a ScanReport).",
    );
  }
  const parsed = ScanReportSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "(root)";
    throw new HttpError(
      400,
      "STORE_REPORT_INVALID",
      `The report is not a valid ScanReport: ${field}: ${issue.message}`,
      field,
    );
  }
  const report = parsed.data;
  if (report.agent.id !== agent.id) {
    throw new HttpError(
      403,
      "STORE_REPORT_WRONG_AGENT",
      `This token belongs to agent ${agent.id}; it cannot submit a report of agent ${report.agent.id}.`,
      "agent.id",
    );
  }
  const signature = report.signature;
  if (!signature) {
    throw new HttpError(
      422,
      "STORE_REPORT_UNSIGNED",
      "The report carries no signature; agents must sign reports.",
      "signature",
    );
  }
  if (signature.keyId !== agent.id) {
    throw new HttpError(
      422,
      "STORE_REPORT_WRONG_KEY",
      `The report is signed with key ${signature.keyId}, not the key registered for agent ${agent.id}.`,
      "signature.keyId",
    );
  }
  const { unsigned, full } = canonicalForms(body as Record<string, unknown>);
  const valid = verify(null, Buffer.from(unsigned), agent.key, Buffer.from(signature.value, "base64"));
  if (!valid) {
    throw new HttpError(
      422,
      "STORE_REPORT_BAD_SIGNATURE",
      "The report signature does not verify against the agent's registered public key.",
      "signature.value",
    );
  }
  return { report, canonical: full, hash: sha256Hex(full), agentId: agent.id, receivedAt };
}

/** canonicalJson(report) and canonicalJson(report without signature), sharing the member serialisation. */
export function canonicalForms(body: Record<string, unknown>): { unsigned: string; full: string } {
  const keys = Object.keys(body)
    .filter((k) => body[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts = keys.map((k) => [k, `${JSON.stringify(k)}:${canonicalJson(body[k])}`] as const);
  return {
    unsigned: `{${parts
      .filter(([k]) => k !== "signature")
      .map(([, p]) => p)
      .join(",")}}`,
    full: `{${parts.map(([, p]) => p).join(",")}}`,
  };
}

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
      if (!this.draining) void this.drain();
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
      const out: IngestResult[] = [];
      for (const prepared of batch) {
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
        await this.writeReport(trx, prepared, entry.seq, now);
        known.set(prepared.report.id, { seq: entry.seq, hash: prepared.hash });
        out.push({ id: prepared.report.id, ledgerSeq: entry.seq, hash: prepared.hash, duplicate: false });
      }
      await appender.flush();
      return out;
    });
    this.metrics?.batchSize.observe(batch.length);
    return results;
  }

  private async writeReport(
    trx: Transaction<Database>,
    prepared: PreparedReport,
    seq: number,
    now: Date,
  ): Promise<void> {
    const { report, agentId } = prepared;
    const nowIso = now.toISOString();
    await trx
      .insertInto("reports")
      .values({
        id: report.id,
        agent_id: agentId,
        ledger_seq: seq,
        received_at: prepared.receivedAt.toISOString(),
        started_at: report.startedAt,
        finished_at: report.finishedAt,
        body: prepared.canonical,
        disposal_id: null,
      })
      .execute();

    const rows: Omit<FindingsTable, "id">[] = report.findings.map((f) => ({
      report_id: report.id,
      ledger_seq: seq,
      agent_id: agentId,
      observed_at: report.finishedAt,
      rule_id: f.ruleId,
      resource_uid: f.resourceUid,
      resource_type: f.resourceType,
      status: f.status,
      severity: f.severity,
      policy: f.policy,
      controls: encodeControls(f.controls),
      message: f.message,
      evidence: JSON.stringify(f.evidence),
      exception: f.exception ? JSON.stringify(f.exception) : null,
    }));
    for (let i = 0; i < rows.length; i += 500) {
      await trx
        .insertInto("findings")
        .values(rows.slice(i, i + 500))
        .execute();
    }

    const assets = new Map(report.resources.map((r) => [r.uid, r]));
    const assetRows = [...assets.values()].map((r) => ({
      uid: r.uid,
      type: r.type,
      provider: r.provider,
      name: r.name,
      account: r.account ?? null,
      region: r.region ?? null,
      agent_id: agentId,
      first_seen_at: nowIso,
      last_seen_at: nowIso,
      report_id: report.id,
    }));
    for (let i = 0; i < assetRows.length; i += 500) {
      await trx
        .insertInto("assets")
        .values(assetRows.slice(i, i + 500))
        .onConflict((oc) =>
          oc.column("uid").doUpdateSet((eb) => ({
            type: eb.ref("excluded.type"),
            provider: eb.ref("excluded.provider"),
            name: eb.ref("excluded.name"),
            account: eb.ref("excluded.account"),
            region: eb.ref("excluded.region"),
            agent_id: eb.ref("excluded.agent_id"),
            last_seen_at: eb.ref("excluded.last_seen_at"),
            report_id: eb.ref("excluded.report_id"),
          })),
        )
        .execute();
    }

    const previous = await loadState(trx, report, agentId);
    const diff = diffState(previous, report, { agentId, ledgerSeq: seq, at: nowIso });
    const events = await applyStateDiff(trx, this.store.dialect, diff);
    await enqueueAlerts(trx, events, this.alerts, now);
    await trx
      .updateTable("agents")
      .set({ last_seen_at: nowIso, silent_since: null, version: report.agent.version })
      .where("id", "=", agentId)
      .execute();
  }
}
