import type { Finding } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import { csvField } from "../formats/escape.js";
import { evidenceLines, outcomeOf } from "../formats/report-index.js";

/**
 * The findings files of a bundle, derived from the signed reports alone. The builder and the verifier call the
 * same functions, so the verifier can re-derive both files and name any line that differs from the signed
 * reports.
 */
export interface ControlSelection {
  framework?: string | undefined;
  /** Control ids within the framework (`A.8.24`); empty = every control of the framework (or every finding). */
  controls: readonly string[];
}

export function selectionRefs(selection: ControlSelection): Set<string> | undefined {
  if (selection.controls.length === 0) return undefined;
  return new Set(selection.controls.map((c) => `${selection.framework ?? ""}:${c}`));
}

/** The findings of a report that evidence the selection. */
export function selectedFindings(report: ScanReport, selection: ControlSelection): Finding[] {
  const refs = selectionRefs(selection);
  const prefix = selection.framework ? `${selection.framework}:` : undefined;
  return report.findings.filter((f) =>
    refs ? f.controls.some((c) => refs.has(c)) : prefix ? f.controls.some((c) => c.startsWith(prefix)) : true,
  );
}

export const FINDINGS_CSV_COLUMNS = [
  "report_id",
  "ledger_seq",
  "agent_id",
  "observed_at",
  "rule_id",
  "resource_uid",
  "resource_type",
  "status",
  "outcome",
  "severity",
  "policy",
  "controls",
  "message",
  "evidence",
  "exception_owner",
  "exception_expires",
] as const;

export const FINDINGS_CSV_HEADER = `${FINDINGS_CSV_COLUMNS.join(",")}\r\n`;

/** One JSON line and one CSV row per selected finding of a report. */
export function findingLines(
  report: ScanReport,
  ledgerSeq: number,
  selection: ControlSelection,
): { jsonl: string; csv: string; count: number } {
  let jsonl = "";
  let csv = "";
  const findings = selectedFindings(report, selection);
  for (const f of findings) {
    const row = {
      reportId: report.id,
      ledgerSeq,
      agentId: report.agent.id,
      observedAt: report.finishedAt,
      ruleId: f.ruleId,
      resourceUid: f.resourceUid,
      resourceType: f.resourceType,
      status: f.status,
      outcome: outcomeOf(f),
      severity: f.severity,
      policy: f.policy,
      controls: f.controls,
      message: f.message,
      evidence: f.evidence,
      ...(f.exception ? { exception: f.exception } : {}),
    };
    jsonl += `${JSON.stringify(row)}\n`;
    csv += `${[
      report.id,
      ledgerSeq,
      report.agent.id,
      report.finishedAt,
      f.ruleId,
      f.resourceUid,
      f.resourceType,
      f.status,
      outcomeOf(f),
      f.severity,
      f.policy,
      f.controls.join(" "),
      f.message,
      evidenceLines(f.evidence).join("; "),
      f.exception?.owner,
      f.exception?.expires,
    ]
      .map((v) => csvField(v))
      .join(",")}\r\n`;
  }
  return { jsonl, csv, count: findings.length };
}
