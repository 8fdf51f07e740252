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

const PAGE = 5000;

export const EVIDENCE_CSV_HEADER =
  "observed_at,rule_id,resource_uid,resource_type,status,severity,policy,controls,message,evidence,report_id,ledger_seq,ledger_entry_hash,report_hash\n";

/**
 * Yields the evidence rows of a period as text chunks, a page at a time (keyset pagination on the
 * findings id, so memory stays flat and neither dialect needs a server-side cursor). Each row carries
 * its report id, ledger sequence, the ledger entry hash and the report hash, so an auditor can trace it
 * to the chain that `assay store verify` checks. Evidence is stored as JSON text and copied verbatim.
 */
export async function* evidenceLines(
  db: Kysely<Database>,
  query: EvidenceQuery,
  format: "jsonl" | "csv",
): AsyncGenerator<string> {
  if (format === "csv") yield EVIDENCE_CSV_HEADER;
  let after = 0;
  for (;;) {
    let page = db
      .selectFrom("findings")
      .innerJoin("ledger", "ledger.seq", "findings.ledger_seq")
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
        "ledger.entry_hash",
        "ledger.content_hash",
      ])
      .where("findings.id", ">", after)
      .orderBy("findings.id")
      .limit(PAGE);
    if (query.control) {
      const pattern = `%|${escapeLike(query.control)}|%`;
      page = page.where(sql<boolean>`${sql.ref("findings.controls")} like ${pattern} escape '!'`);
    }
    if (query.from) page = page.where("findings.observed_at", ">=", query.from);
    if (query.to) page = page.where("findings.observed_at", "<", query.to);
    const rows = await page.execute();
    if (rows.length === 0) return;
    let chunk = "";
    for (const r of rows) {
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
          r.entry_hash,
          r.content_hash,
        ]
          .map(csvCell)
          .join(",")}\n`;
      } else {
        chunk += `{"observedAt":${JSON.stringify(r.observed_at)},"ruleId":${JSON.stringify(r.rule_id)},"resourceUid":${JSON.stringify(
          r.resource_uid,
        )},"resourceType":${JSON.stringify(r.resource_type)},"status":${JSON.stringify(r.status)},"severity":${JSON.stringify(
          r.severity,
        )},"policy":${JSON.stringify(r.policy)},"controls":${JSON.stringify(decodeControls(r.controls))},"message":${JSON.stringify(
          r.message,
        )},"evidence":${r.evidence},"exception":${r.exception ?? "null"},"reportId":${JSON.stringify(r.report_id)},"ledgerSeq":${Number(
          r.ledger_seq,
        )},"ledgerEntryHash":"${r.entry_hash}","reportHash":"${r.content_hash}"}\n`;
      }
    }
    yield chunk;
    after = Number(rows.at(-1)!.id);
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
