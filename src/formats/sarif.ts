import { createHash } from "node:crypto";
import type { Finding, Severity } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import { chunked } from "./chunks.js";
import { indexReport, outcomeOf, remediationAllPlatforms, resourceName } from "./report-index.js";
import type { Renderer } from "./types.js";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

const SARIF_MAX_TAGS = 20;

/** GitHub code scanning reads `security-severity` (a CVSS-like score as a string) to rank results. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "0.0",
};

/**
 * Where a result points. GitHub code scanning rejects a result without `physicalLocation.artifactLocation.uri`
 * and accepts only relative paths or `file:` URIs, but a cloud bucket or a laptop is not a file in the
 * repository. The convention: a stable, repository-relative pseudo-path per resource,
 * `assay/<provider>/<resource type>/<percent-encoded resource uid>`, on line 1. It changes only when the
 * resource's identity changes, so alerts follow the resource across runs; the uid is percent-encoded whole
 * so an ARN's `arn:` is never read as a URI scheme and its slashes add no folders.
 */
export function sarifArtifactUri(provider: string, resourceType: string, resourceUid: string): string {
  return ["assay", provider, resourceType, resourceUid].map(encodeURIComponent).join("/");
}

/** Which findings become SARIF results. Code scanning opens an alert per result, so by default only failures. */
export type SarifResultSelection = "fail" | "fail-error" | "all";
export const SARIF_RESULT_SELECTIONS: readonly SarifResultSelection[] = ["fail", "fail-error", "all"];

function selected(f: Finding, which: SarifResultSelection): boolean {
  if (which === "all") return true;
  return f.status === "fail" || (which === "fail-error" && f.status === "error");
}

/**
 * SARIF 2.1.0: one run, every rule as a reportingDescriptor, the selected findings (failures by default) as
 * results on the resource's pseudo-path (see sarifArtifactUri) plus a logical location naming the resource.
 * A failure is kind `fail` with a level from its severity; an excepted failure carries an accepted external
 * suppression; `error` (could not evaluate) is kind `open`, `pass` is `pass`, `skip` is `notApplicable` —
 * SARIF requires level `none` for every kind but `fail`.
 */
function* sarifPieces(report: ScanReport, which: SarifResultSelection): Generator<string> {
  const index = indexReport(report);
  const rules = [...index.rules.values()];
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const driver = {
    name: "assay",
    version: report.agent.version,
    rules: rules.map((r) => ({
      id: r.id,
      name: r.id,
      shortDescription: { text: r.title },
      fullDescription: { text: `${r.title} (policy: ${r.policyName}).` },
      help: { text: remediationAllPlatforms(r) || r.title },
      defaultConfiguration: { level: LEVEL[r.severity] },
      properties: {
        // `security` files the alerts under security in code scanning; GitHub keeps at most 20 tags, and the
        // full control list stays in `controls`.
        tags: [...new Set(["security", "compliance", r.policy, ...r.controls])].slice(0, SARIF_MAX_TAGS),
        severity: r.severity,
        "security-severity": SECURITY_SEVERITY[r.severity],
        policy: r.policy,
        resourceTypes: r.resourceTypes,
        controls: r.controls,
      },
    })),
  };
  const invocation = {
    executionSuccessful: report.collectorErrors.length === 0,
    startTimeUtc: report.startedAt,
    endTimeUtc: report.finishedAt,
    machine: report.agent.hostname,
    toolExecutionNotifications: report.collectorErrors.map((e) => ({
      level: "error",
      message: {
        text: `${e.collector} (${e.scope}): ${e.message}${e.permission ? ` — needs ${e.permission}` : ""}`,
      },
      descriptor: { id: e.code },
      properties: { resourceTypes: e.resourceTypes },
    })),
  };
  const head = {
    $schema: "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
    version: "2.1.0",
  };
  yield `${JSON.stringify(head).slice(0, -1)},"runs":[{"tool":${JSON.stringify({ driver })},`;
  yield `"invocations":[${JSON.stringify(invocation)}],`;
  yield `"automationDetails":${JSON.stringify({ id: `assay/${report.agent.id}/${report.id}` })},`;
  yield `"columnKind":"utf16CodeUnits","results":[`;
  let first = true;
  for (const f of report.findings) {
    if (!selected(f, which)) continue;
    const provider = index.resources.get(f.resourceUid)?.provider ?? "unknown";
    const location = {
      uri: sarifArtifactUri(provider, f.resourceType, f.resourceUid),
      name: resourceName(index, f.resourceUid),
    };
    yield `${first ? "" : ","}${JSON.stringify(sarifResult(f, ruleIndex.get(f.ruleId) ?? -1, location))}`;
    first = false;
  }
  yield "]}]}\n";
}

function sarifResult(
  f: Finding,
  ruleIndex: number,
  location: { uri: string; name: string },
): Record<string, unknown> {
  const outcome = outcomeOf(f);
  const kind =
    f.status === "fail"
      ? "fail"
      : f.status === "error"
        ? "open"
        : f.status === "pass"
          ? "pass"
          : "notApplicable";
  return {
    ruleId: f.ruleId,
    ruleIndex,
    kind,
    level: kind === "fail" ? LEVEL[f.severity] : "none",
    message: { text: f.message },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: location.uri }, region: { startLine: 1 } },
        logicalLocations: [{ name: location.name, fullyQualifiedName: f.resourceUid, kind: "resource" }],
      },
    ],
    // Rule and resource identity only: the same check on the same resource is the same alert in every run,
    // whatever its message or evidence says this time.
    partialFingerprints: {
      "assayFinding/v1": createHash("sha256").update(`${f.ruleId}\n${f.resourceUid}`).digest("hex"),
    },
    ...(f.exception
      ? {
          suppressions: [
            {
              kind: "external",
              status: "accepted",
              justification: `${f.exception.reason} (owner ${f.exception.owner}, expires ${f.exception.expires})`,
            },
          ],
        }
      : {}),
    properties: {
      outcome,
      severity: f.severity,
      resourceType: f.resourceType,
      policy: f.policy,
      controls: f.controls,
      evidence: f.evidence,
    },
  };
}

export const sarifRenderer: Renderer = {
  name: "sarif",
  extension: "sarif",
  mediaType: "application/sarif+json",
  render: (report, options) => chunked(sarifPieces(report, options?.sarifResults ?? "fail")),
};
