import type { Finding, Severity } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import type { Resource } from "../core/resource.js";
import { chunked } from "./chunks.js";
import {
  findingRemediation,
  indexReport,
  type ReportIndex,
  resourcePlatform,
  splitControl,
} from "./report-index.js";
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

/**
 * compliance.status_id: Pass 1, Fail 3; could not evaluate is Warning 2 ("did not yield a result due to missing
 * information"); not applicable is 99 Other with the status text "Not Applicable", so the two never mix.
 */
function complianceStatus(f: Finding): [number, string] {
  if (f.status === "pass") return [1, "Pass"];
  if (f.status === "fail") return [3, "Fail"];
  if (f.status === "error") return [2, "Warning"];
  return [99, "Not Applicable"];
}

/**
 * The event's severity. A pass or a not-applicable check is no risk: Informational, so a SIEM filter on
 * severity pulls in only failures and checks that could not be evaluated (which keep the rule's severity:
 * the risk is unknown, not absent).
 */
function eventSeverity(f: Finding): Severity {
  return f.status === "pass" || f.status === "skip" ? "info" : f.severity;
}

/** OCSF cloud profile: provider name as OCSF examples write it, and the account type of each provider. */
const CLOUD_PROVIDERS: Record<string, { provider: string; accountTypeId: number; accountType: string }> = {
  aws: { provider: "AWS", accountTypeId: 10, accountType: "AWS Account" },
  azure: { provider: "Azure", accountTypeId: 13, accountType: "Azure Subscription" },
  gcp: { provider: "GCP", accountTypeId: 11, accountType: "GCP Project" },
};

const j = JSON.stringify;

/**
 * Serialises findings as OCSF Compliance Finding events. A report repeats the same rule and resource in many
 * findings, so the parts that depend only on the rule (classification, compliance, remediation) or only on the
 * resource are serialised once and reused; per finding only the message, evidence and ids are new. Pure: times
 * come from the report and ids are derived, never random, so a re-render is identical.
 */
export class OcsfEventWriter {
  private readonly index: ReportIndex;
  private readonly time: number;
  private readonly metadataHead: string;
  private readonly cloudMetadataHead: string;
  private readonly byRule = new Map<string, { head: string; title: string; tail: string }>();
  private readonly compliance = new Map<string, string>();
  private readonly resourceJson = new Map<string, string>();
  private readonly cloudJson = new Map<string, string>();

  constructor(private readonly report: ScanReport) {
    this.index = indexReport(report);
    this.time = Date.parse(report.finishedAt);
    const product = { name: "Assay", vendor_name: "Assay", version: report.agent.version };
    const common = `"version":${j(OCSF_VERSION)},"product":${j(product)},"correlation_uid":${j(report.id)},"log_name":"assay-scan","original_time":${j(report.finishedAt)},"uid":`;
    this.metadataHead = `"metadata":{${common}`;
    this.cloudMetadataHead = `"metadata":{"profiles":["cloud"],${common}`;
  }

  /** One event as a JSON string (no trailing newline). */
  event(f: Finding): string {
    const rule = this.ruleParts(f);
    const excepted = f.exception !== undefined;
    const cloud = this.cloud(f);
    return (
      `${rule.head}${j(f.message)},"status_id":${excepted ? 3 : 1},"status":"${excepted ? "Suppressed" : "New"}",` +
      `${cloud ? this.cloudMetadataHead : this.metadataHead}${j(`${this.report.id}:${f.ruleId}:${f.resourceUid}`)}},` +
      (cloud ? `"cloud":${cloud},` : "") +
      `"finding_info":{"uid":${j(`${f.ruleId}:${f.resourceUid}`)},"title":${rule.title},"desc":${j(f.message)},"types":["Compliance"],"created_time":${this.time}},` +
      `"compliance":${this.complianceJson(f)},` +
      `"resources":[${this.resource(f)}],` +
      `"evidences":[{"name":"assay evidence","data":${j(f.evidence)}}]` +
      `${rule.tail}` +
      (excepted && f.exception
        ? `,"comment":${j(`Accepted risk (owner ${f.exception.owner}, expires ${f.exception.expires}): ${f.exception.reason}`)}`
        : "") +
      `,"unmapped":{"assay":{"outcome":"${excepted ? "excepted" : f.status}","policy":${j(f.policy)}}}}`
    );
  }

  /** Everything before the message that depends only on the rule and severity, and the remediation after. */
  private ruleParts(f: Finding) {
    const severityName = eventSeverity(f);
    // The remediation may differ by device platform (Linux commands are not shown for a Mac).
    const key = `${f.ruleId}\u0000${severityName}\u0000${resourcePlatform(this.index, f.resourceUid) ?? ""}`;
    let parts = this.byRule.get(key);
    if (!parts) {
      const rule = this.index.rules.get(f.ruleId);
      const [severityId, severity] = SEVERITY_ID[severityName];
      const head =
        `{"activity_id":${ACTIVITY_CREATE},"activity_name":"Create","category_uid":${CATEGORY_UID},"category_name":"Findings",` +
        `"class_uid":${CLASS_UID},"class_name":"Compliance Finding","type_uid":${CLASS_UID * 100 + ACTIVITY_CREATE},"type_name":"Compliance Finding: Create",` +
        `"severity_id":${severityId},"severity":"${severity}","time":${this.time},"timezone_offset":0,"message":`;
      parts = {
        head,
        title: j(rule?.title ?? f.ruleId),
        tail: rule?.remediation ? `,"remediation":{"desc":${j(findingRemediation(this.index, f))}}` : "",
      };
      this.byRule.set(key, parts);
    }
    return parts;
  }

  /** The compliance object: the check (rule) with its standards and controls, and how it came out. */
  private complianceJson(f: Finding): string {
    const key = `${f.ruleId}\u0000${f.severity}\u0000${f.status}\u0000${f.controls.join(" ")}`;
    let json = this.compliance.get(key);
    if (!json) {
      const [severityId, severity] = SEVERITY_ID[f.severity];
      const [statusId, status] = complianceStatus(f);
      const standards = [...new Set(f.controls.map((c) => splitControl(c).framework).filter(Boolean))];
      const name = this.index.rules.get(f.ruleId)?.title ?? f.ruleId;
      json = j({
        control: f.ruleId,
        standards,
        requirements: f.controls,
        status_id: statusId,
        status,
        ...(f.status === "error"
          ? { status_details: ["Could not evaluate: a fact the rule needs is missing"] }
          : {}),
        ...(f.status === "skip"
          ? { status_details: ["Not applicable: the rule's precondition does not hold"] }
          : {}),
        checks: [
          { uid: f.ruleId, name, severity, severity_id: severityId, status, status_id: statusId, standards },
        ],
      });
      this.compliance.set(key, json);
    }
    return json;
  }

  /** The cloud profile's `cloud` object for a finding on a cloud resource (AWS, Azure, GCP); else undefined. */
  private cloud(f: Finding): string | undefined {
    const resource = this.index.resources.get(f.resourceUid);
    const known = resource ? CLOUD_PROVIDERS[resource.provider] : undefined;
    if (!resource || !known) return undefined;
    const key = `${resource.provider}\u0000${resource.account ?? ""}\u0000${resource.region ?? ""}`;
    let json = this.cloudJson.get(key);
    if (!json) {
      json = j({
        provider: known.provider,
        ...(resource.region ? { region: resource.region } : {}),
        ...(resource.account
          ? { account: { uid: resource.account, type_id: known.accountTypeId, type: known.accountType } }
          : {}),
      });
      this.cloudJson.set(key, json);
    }
    return json;
  }

  /** The resource the finding is about; findings for a scope that could not be listed name that scope. */
  private resource(f: Finding): string {
    const key = `${f.resourceUid}\u0000${f.resourceType}`;
    let json = this.resourceJson.get(key);
    if (!json) {
      json = j(resourceDetails(f, this.index.resources.get(f.resourceUid)));
      this.resourceJson.set(key, json);
    }
    return json;
  }
}

function resourceDetails(f: Finding, resource: Resource | undefined): Record<string, unknown> {
  const data: Record<string, unknown> = { provider: resource?.provider ?? "unknown" };
  if (resource?.account) data.account = resource.account;
  if (resource?.region) data.region = resource.region;
  if (resource && Object.keys(resource.unreadable).length) data.unreadable = resource.unreadable;
  return {
    uid: f.resourceUid,
    name: resource?.name || f.resourceUid,
    type: f.resourceType,
    role_id: 1,
    role: "Target",
    data,
    ...(resource && Object.keys(resource.tags).length
      ? { labels: Object.entries(resource.tags).map(([k, v]) => `${k}=${v}`) }
      : {}),
  };
}

function* ocsfArray(report: ScanReport): Generator<string> {
  const writer = new OcsfEventWriter(report);
  yield "[";
  let first = true;
  for (const f of report.findings) {
    yield `${first ? "\n" : ",\n"}${writer.event(f)}`;
    first = false;
  }
  yield "\n]\n";
}

function* ocsfLines(report: ScanReport): Generator<string> {
  const writer = new OcsfEventWriter(report);
  for (const f of report.findings) yield `${writer.event(f)}\n`;
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
