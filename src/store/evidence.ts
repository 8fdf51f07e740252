import { type Kysely, sql } from "kysely";
import type { Database } from "./db/schema.js";
import { decodeControls } from "./drift.js";

export interface EvidenceQuery {
  control?: string;
  /** Inclusive lower bound on the time the finding was observed (ISO). */
  from?: string;
  /** Exclusive upper bound (ISO). */
  to?: string;
}

const PAGE = 1000;

export const EVIDENCE_CSV_HEADER =
  "observed_at,rule_id,resource_uid,resource_type,status,severity,policy,controls,message,evidence,report_id,ledger_seq,ledger_entry_hash,report_hash\n";

/**
 * Yields the evidence rows of a period as text chunks, in time order, a page at a time: keyset pagination
 * on (observed_at, id), which the findings_observed_at_id index serves for both the range and the order,
 * so each page costs the same, memory stays flat, and neither dialect holds a cursor (or, on SQLite, the
 * single connection) between pages. Each row carries
 * its report id, ledger sequence, the ledger entry hash and the report hash, so an auditor can trace it
 * to the chain that `assay store verify` checks. Evidence is stored as JSON text and copied verbatim.
 */
export async function* evidenceLines(
  db: Kysely<Database>,
  query: EvidenceQuery,
  format: "jsonl" | "csv",
): AsyncGenerator<string> {
  if (format === "csv") yield EVIDENCE_CSV_HEADER;
  // Rule ids, types, statuses, policies and control lists repeat on most rows: quote each once.
  const quoted = new Map<string, string>();
  const q = (value: string): string => {
    let out = quoted.get(value);
    if (out === undefined) {
      out = JSON.stringify(value);
      if (quoted.size < 10_000) quoted.set(value, out);
    }
    return out;
  };
  const controlsJson = new Map<string, string>();
  let after: { at: string; id: number } | undefined;
  for (;;) {
    let page = db
      .selectFrom("findings")
      .select([
        "findings.id",
        "findings.observed_at",
        "findings.rule_id",
        "findings.resource_uid",
        "findings.resource_type",
        "findings.status",
        "findings.severity",
        "findings.policy",
        "findings.controls",
        "findings.message",
        "findings.evidence",
        "findings.exception",
        "findings.report_id",
        "findings.ledger_seq",
      ])
      .orderBy("findings.observed_at")
      .orderBy("findings.id")
      .limit(PAGE);
    if (after) {
      const { at, id } = after;
      page = page.where((eb) =>
        eb(eb.refTuple("findings.observed_at", "findings.id"), ">", eb.tuple(at, id)),
      );
    }
    if (query.control) {
      const pattern = `%|${escapeLike(query.control)}|%`;
      page = page.where(sql<boolean>`${sql.ref("findings.controls")} like ${pattern} escape '!'`);
    }
    if (query.from) page = page.where("findings.observed_at", ">=", query.from);
    if (query.to) page = page.where("findings.observed_at", "<", query.to);
    const rows = await page.execute();
    if (rows.length === 0) return;
    // A page holds the findings of a few dozen reports: their ledger hashes are read once, not per row.
    const seqs = [...new Set(rows.map((r) => Number(r.ledger_seq)))];
    const entries = await db
      .selectFrom("ledger")
      .select(["seq", "entry_hash", "content_hash"])
      .where("seq", "in", seqs)
      .execute();
    const hashes = new Map(entries.map((e) => [Number(e.seq), e]));
    let chunk = "";
    for (const r of rows) {
      const ledger = hashes.get(Number(r.ledger_seq));
      const entryHash = ledger?.entry_hash ?? "";
      const reportHash = ledger?.content_hash ?? "";
      if (format === "csv") {
        chunk += `${[
          r.observed_at,
          r.rule_id,
          r.resource_uid,
          r.resource_type,
          r.status,
          r.severity,
          r.policy,
          decodeControls(r.controls).join(" "),
          r.message,
          r.evidence,
          r.report_id,
          String(r.ledger_seq),
          entryHash,
          reportHash,
        ]
          .map(csvCell)
          .join(",")}\n`;
      } else {
        let controls = controlsJson.get(r.controls);
        if (controls === undefined) {
          controls = JSON.stringify(decodeControls(r.controls));
          if (controlsJson.size < 10_000) controlsJson.set(r.controls, controls);
        }
        chunk +=
          `{"observedAt":${q(r.observed_at)},"ruleId":${q(r.rule_id)},"resourceUid":${q(r.resource_uid)},` +
          `"resourceType":${q(r.resource_type)},"status":${q(r.status)},"severity":${q(r.severity)},` +
          `"policy":${q(r.policy)},"controls":${controls},"message":${q(r.message)},"evidence":${r.evidence},` +
          `"exception":${r.exception ?? "null"},"reportId":${q(r.report_id)},"ledgerSeq":${Number(r.ledger_seq)},` +
          `"ledgerEntryHash":"${entryHash}","reportHash":"${reportHash}"}\n`;
      }
    }
    yield chunk;
    const last = rows.at(-1)!;
    after = { at: last.observed_at, id: Number(last.id) };
    if (rows.length < PAGE) return;
  }
}

/** LIKE wildcards in a control id are matched literally (`!` is the escape character in both dialects). */
function escapeLike(value: string): string {
  return value.replace(/[%_!]/g, (c) => `!${c}`);
}

function csvCell(value: string | null): string {
  if (value === null) return "";
  // Cells starting with a formula character are prefixed so a spreadsheet never executes them.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
