import type { ScanReport } from "../core/report.js";
import { chunked } from "./chunks.js";
import { csvField } from "./escape.js";
import { evidenceLines, findingRemediation, indexReport, outcomeOf } from "./report-index.js";
import type { Renderer } from "./types.js";

export const CSV_COLUMNS = [
  "report_id",
  "rule_id",
  "rule_title",
  "policy",
  "severity",
  "status",
  "outcome",
  "resource_uid",
  "resource_name",
  "resource_type",
  "provider",
  "account",
  "region",
  "message",
  "evidence",
  "controls",
  "remediation",
  "exception_owner",
  "exception_reason",
  "exception_expires",
] as const;

/**
 * One row per finding, RFC 4180 (CRLF line ends, quoted where needed); `outcome` separates excepted failures.
 * For Excel (`excel`), a UTF-8 byte order mark first: without it Excel reads the file in the machine's legacy
 * code page and garbles every non-ASCII name. (A `sep=,` line would make Excel ignore the mark, so none.)
 */
function* csvRows(report: ScanReport, excel: boolean): Generator<string> {
  const index = indexReport(report);
  if (excel) yield "\uFEFF";
  yield `${CSV_COLUMNS.join(",")}\r\n`;
  for (const f of report.findings) {
    const rule = index.rules.get(f.ruleId);
    const resource = index.resources.get(f.resourceUid);
    const cells = [
      report.id,
      f.ruleId,
      rule?.title,
      f.policy,
      f.severity,
      f.status,
      outcomeOf(f),
      f.resourceUid,
      resource?.name,
      f.resourceType,
      resource?.provider,
      resource?.account,
      resource?.region,
      f.message,
      evidenceLines(f.evidence).join("; "),
      f.controls.join(" "),
      findingRemediation(index, f),
      f.exception?.owner,
      f.exception?.reason,
      f.exception?.expires,
    ];
    yield `${cells.map(csvField).join(",")}\r\n`;
  }
}

export const csvRenderer: Renderer = {
  name: "csv",
  extension: "csv",
  mediaType: "text/csv; charset=utf-8",
  render: (report, options) => chunked(csvRows(report, options?.excel === true)),
};
