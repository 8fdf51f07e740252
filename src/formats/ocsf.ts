import { createHash } from "node:crypto";
import type { Finding, Severity } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import { chunked } from "./chunks.js";
import { indexReport, type ReportIndex, splitControl } from "./report-index.js";
import type { Renderer } from "./types.js";

/** OCSF 1.8.0 Compliance Finding: category Findings (2), class 2003, activity Create (1). */
export const OCSF_VERSION = "1.8.0";
const CATEGORY_UID = 2;
const CLASS_UID = 2003;
const ACTIVITY_CREATE = 1;

const SEVERITY_ID: Record<Severity, [number, string]> = {
  info: [1, "Informational"],
  low: [2, "Low"],
  medium: [3, "Medium"],
  high: [4, "High"],
  critical: [5, "Critical"],
};

/** compliance.status_id: Pass 1, Warning 2 ("did not yield a result due to missing information"), Fail 3. */
function complianceStatus(f: Finding): [number, string] {
  if (f.status === "pass") return [1, "Pass"];
  if (f.status === "fail") return [3, "Fail"];
  return [2, "Warning"];
}

/** One Compliance Finding event per finding. Pure: times come from the report, ids are derived, not random. */
export function ocsfEvent(report: ScanReport, f: Finding, index: ReportIndex): Record<string, unknown> {
  const rule = index.rules.get(f.ruleId);
  const resource = index.resources.get(f.resourceUid);
  const [severityId, severity] = SEVERITY_ID[f.severity];
  const [statusId, status] = complianceStatus(f);
  const time = Date.parse(report.finishedAt);
  const standards = [...new Set(f.controls.map((c) => splitControl(c).framework).filter(Boolean))];
  const data: Record<string, unknown> = { provider: resource?.provider ?? "" };
  if (resource?.account) data.account = resource.account;
  if (resource?.region) data.region = resource.region;
  if (resource && Object.keys(resource.unreadable).length) data.unreadable = resource.unreadable;
  return {
    activity_id: ACTIVITY_CREATE,
    activity_name: "Create",
    category_uid: CATEGORY_UID,
    category_name: "Findings",
    class_uid: CLASS_UID,
    class_name: "Compliance Finding",
    type_uid: CLASS_UID * 100 + ACTIVITY_CREATE,
    type_name: "Compliance Finding: Create",
    severity_id: severityId,
    severity,
    time,
    timezone_offset: 0,
    message: f.message,
    // Finding workflow status: an accepted risk is suppressed; everything else is new to whoever reads it.
    status_id: f.exception ? 3 : 1,
    status: f.exception ? "Suppressed" : "New",
    metadata: {
      version: OCSF_VERSION,
      product: { name: "Assay", vendor_name: "Assay", version: report.agent.version },
      uid: `${report.id}:${f.ruleId}:${f.resourceUid}`,
      correlation_uid: report.id,
      log_name: "assay-scan",
      original_time: report.finishedAt,
    },
    finding_info: {
      uid: createHash("sha256").update(`${f.ruleId}\n${f.resourceUid}`).digest("hex"),
      title: rule?.title ?? f.ruleId,
      desc: f.message,
      types: ["Compliance"],
      created_time: time,
    },
    compliance: {
      control: f.ruleId,
      standards,
      requirements: f.controls,
      status_id: statusId,
      status,
      status_detail: f.message,
      checks: [
        {
          uid: f.ruleId,
          name: rule?.title ?? f.ruleId,
          severity,
          severity_id: severityId,
          status,
          status_id: statusId,
          standards,
        },
      ],
    },
    resources: [
      {
        uid: f.resourceUid,
        name: resource?.name ?? f.resourceUid,
        type: f.resourceType,
        role_id: 1,
        role: "Target",
        data,
        ...(resource && Object.keys(resource.tags).length
          ? { labels: Object.entries(resource.tags).map(([k, v]) => `${k}=${v}`) }
          : {}),
      },
    ],
    evidences: [{ name: "assay evidence", data: f.evidence }],
    ...(rule?.remediation ? { remediation: { desc: rule.remediation } } : {}),
    ...(f.exception
      ? {
          comment: `Accepted risk (owner ${f.exception.owner}, expires ${f.exception.expires}): ${f.exception.reason}`,
        }
      : {}),
    unmapped: { assay: { outcome: f.exception ? "excepted" : f.status, policy: f.policy } },
  };
}

function* ocsfArray(report: ScanReport): Generator<string> {
  const index = indexReport(report);
  yield "[";
  let first = true;
  for (const f of report.findings) {
    yield `${first ? "\n" : ",\n"}${JSON.stringify(ocsfEvent(report, f, index))}`;
    first = false;
  }
  yield "\n]\n";
}

function* ocsfLines(report: ScanReport): Generator<string> {
  const index = indexReport(report);
  for (const f of report.findings) yield `${JSON.stringify(ocsfEvent(report, f, index))}\n`;
}

export const ocsfRenderer: Renderer = {
  name: "ocsf",
  extension: "ocsf.json",
  mediaType: "application/json",
  render: (report) => chunked(ocsfArray(report)),
};

/** The same events as JSON lines, for log shippers and security lakes that ingest one event per line. */
export const ocsfLinesRenderer: Renderer = {
  name: "ocsf-jsonl",
  extension: "ocsf.jsonl",
  mediaType: "application/x-ndjson",
  render: (report) => chunked(ocsfLines(report)),
};
