import { createHash } from "node:crypto";
import type { Finding, Severity } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import { chunked } from "./chunks.js";
import { indexReport, outcomeOf, resourceName } from "./report-index.js";
import type { Renderer } from "./types.js";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

/** GitHub code scanning reads `security-severity` (a CVSS-like score as a string) to rank results. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "0.0",
};

/**
 * SARIF 2.1.0: one run, every rule as a reportingDescriptor, every finding as a result on a logical location
 * (the resource; there is no source file). A failure is kind `fail` with a level from its severity; an excepted
 * failure carries an accepted external suppression; `error` (could not evaluate) is kind `open`, `pass` is
 * `pass`, `skip` is `notApplicable` — SARIF requires level `none` for every kind but `fail`.
 */
function* sarifPieces(report: ScanReport): Generator<string> {
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
      help: { text: r.remediation || r.title },
      defaultConfiguration: { level: LEVEL[r.severity] },
      properties: {
        tags: [...new Set(["compliance", r.policy, ...r.controls])],
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
    yield `${first ? "" : ","}${JSON.stringify(sarifResult(f, ruleIndex.get(f.ruleId) ?? -1, resourceName(index, f.resourceUid)))}`;
    first = false;
  }
  yield "]}]}\n";
}

function sarifResult(f: Finding, ruleIndex: number, name: string): Record<string, unknown> {
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
        logicalLocations: [{ name, fullyQualifiedName: f.resourceUid, kind: "resource" }],
      },
    ],
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
  render: (report) => chunked(sarifPieces(report)),
};
