import type { Finding } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import type { Framework } from "../engine/catalogue.js";
import { chunked } from "./chunks.js";
import { type ControlStatus, countsByRule, statusFromCounts } from "./coverage-model.js";
import { evidenceLines, indexReport, type ReportIndex, resourceName, splitControl } from "./report-index.js";
import type { Renderer, RenderOptions } from "./types.js";
import { uuidFor } from "./uuid.js";

export const OSCAL_VERSION = "1.0.6";
/** Namespace of Assay's own OSCAL props (OSCAL reserves un-namespaced names for NIST). */
export const ASSAY_OSCAL_NS = "urn:assay:oscal";

const prop = (name: string, value: string) => ({ name, ns: ASSAY_OSCAL_NS, value: oscalString(value) });

/** OSCAL strings (StringDatatype) must be non-empty without surrounding whitespace. */
function oscalString(value: string): string {
  const trimmed = value.replace(/\s+/g, " ").trim();
  return trimmed.length > 0 ? trimmed : "-";
}

/**
 * OSCAL assessment-results: one result for the scan. Each finding becomes an observation (method TEST, the
 * resource as an inventory-item subject, the evidence values as relevant-evidence); each framework control
 * that a rule evidences becomes an OSCAL finding targeting the control, satisfied or not, linked to its
 * observations. Streams the observations; only uuids are held per control.
 */
function* oscalPieces(report: ScanReport, options?: RenderOptions): Generator<string> {
  const index = indexReport(report);
  const controlTitles = titlesOf(options?.frameworks);
  const observationsByControl = new Map<string, string[]>();
  const findingsByControl = new Map<string, Finding[]>();
  for (const f of report.findings) {
    for (const ref of f.controls) {
      const list = findingsByControl.get(ref);
      if (list) list.push(f);
      else findingsByControl.set(ref, [f]);
    }
  }

  const inventory = report.resources.map((r) => ({
    uuid: uuidFor(`resource:${r.uid}`),
    description: oscalString(`${r.type} ${r.name || r.uid}`),
    props: [prop("resource-uid", r.uid), prop("resource-type", r.type), prop("provider", r.provider)],
  }));
  // Findings for a collector error name the scope that could not be listed, not a collected resource.
  const unlisted = new Map<string, string>();
  for (const f of report.findings)
    if (!index.resources.has(f.resourceUid)) unlisted.set(f.resourceUid, f.resourceType);
  for (const [uid, type] of unlisted) {
    inventory.push({
      uuid: uuidFor(`resource:${uid}`),
      description: oscalString(`${type} ${uid} (could not be listed)`),
      props: [prop("resource-uid", uid), prop("resource-type", type), prop("provider", "unknown")],
    });
  }
  const controlIds = [...new Set([...findingsByControl.keys()].map((ref) => splitControl(ref).control))];

  const head = {
    uuid: uuidFor(`report:${report.id}`),
    metadata: {
      title: `Assay scan ${report.id}`,
      "last-modified": report.finishedAt,
      version: report.id,
      "oscal-version": OSCAL_VERSION,
      props: [prop("agent-id", report.agent.id), prop("agent-version", report.agent.version)],
    },
    "import-ap": {
      href: `#assay-automated-checks`,
      remarks:
        "Automated checks run by Assay from its rule files; there is no separate OSCAL assessment plan document.",
    },
  };
  const result = {
    uuid: uuidFor(`result:${report.id}`),
    title: `Automated compliance checks on ${report.agent.hostname}`,
    description: `Assay evaluated ${report.summary.rules} rules against ${report.summary.resources} resources (collectors: ${report.scope.collectors.join(", ") || "none"}).`,
    start: report.startedAt,
    end: report.finishedAt,
    props: [prop("report-id", report.id)],
    ...(inventory.length ? { "local-definitions": { "inventory-items": inventory } } : {}),
    "reviewed-controls": {
      "control-selections": [
        controlIds.length
          ? { "include-controls": controlIds.map((id) => ({ "control-id": id })) }
          : { "include-all": {} },
      ],
    },
  };
  yield `{"assessment-results":${JSON.stringify(head).slice(0, -1)},"results":[${JSON.stringify(result).slice(0, -1)}`;

  let first = true;
  for (const f of report.findings) {
    const uuid = uuidFor(`observation:${report.id}:${f.ruleId}:${f.resourceUid}`);
    for (const ref of f.controls) {
      const list = observationsByControl.get(ref);
      if (list) list.push(uuid);
      else observationsByControl.set(ref, [uuid]);
    }
    yield `${first ? ',"observations":[' : ","}${JSON.stringify(observation(f, uuid, index, report.finishedAt))}`;
    first = false;
  }
  if (!first) yield "]";

  const refs = [...findingsByControl.keys()];
  if (refs.length) {
    yield ',"findings":[';
    let firstFinding = true;
    for (const ref of refs) {
      const { framework, control } = splitControl(ref);
      const findings = findingsByControl.get(ref) ?? [];
      const counts = countsByRule(findings);
      const statuses = [...counts.values()].map((c) => statusFromCounts(c, true));
      const status = worst(statuses);
      const title = controlTitles.get(ref);
      const oscalFinding = {
        uuid: uuidFor(`finding:${report.id}:${ref}`),
        title: oscalString(`${framework ? `${framework} ` : ""}${control}${title ? ` ${title}` : ""}`),
        description: oscalString(
          `${counts.size} automated rule(s) evaluated: ${[...counts.entries()]
            .map(
              ([id, c]) =>
                `${id} pass ${c.pass}, fail ${c.fail}, excepted ${c.excepted}, error ${c.error}, skip ${c.skip}`,
            )
            .join("; ")}.`,
        ),
        props: [prop("framework", framework || "unnamed"), prop("control-status", status)],
        target: {
          type: "objective-id",
          "target-id": control,
          status: targetStatus(status),
        },
        "related-observations": (observationsByControl.get(ref) ?? []).map((u) => ({
          "observation-uuid": u,
        })),
      };
      yield `${firstFinding ? "" : ","}${JSON.stringify(oscalFinding)}`;
      firstFinding = false;
    }
    yield "]";
  }
  yield "}]}}\n";
}

function observation(
  f: Finding,
  uuid: string,
  index: ReportIndex,
  scannedAt: string,
): Record<string, unknown> {
  const resource = index.resources.get(f.resourceUid);
  const name = resourceName(index, f.resourceUid);
  const lines = evidenceLines(f.evidence);
  const outcome = f.status === "fail" && f.exception ? "excepted" : f.status;
  return {
    uuid,
    title: `${f.ruleId} on ${name}`,
    description: f.message,
    props: [
      prop("rule-id", f.ruleId),
      prop("outcome", outcome),
      prop("severity", f.severity),
      prop("policy", f.policy),
      ...(f.exception
        ? [prop("exception-owner", f.exception.owner), prop("exception-expires", f.exception.expires)]
        : []),
    ],
    methods: ["TEST"],
    types: ["control-objective"],
    subjects: [
      {
        "subject-uuid": uuidFor(`resource:${f.resourceUid}`),
        type: "inventory-item",
        title: name,
        props: [prop("resource-uid", f.resourceUid), prop("resource-type", f.resourceType)],
      },
    ],
    ...(lines.length
      ? {
          "relevant-evidence": lines.map((line) => ({ description: line })),
        }
      : {}),
    collected: resource?.collectedAt ?? scannedAt,
    ...(f.exception ? { remarks: `Accepted risk: ${f.exception.reason}` } : {}),
  };
}

function worst(statuses: ControlStatus[]): ControlStatus {
  const order: ControlStatus[] = ["failing", "error", "excepted", "passing", "not-applicable"];
  return order.find((s) => statuses.includes(s)) ?? "not-applicable";
}

function targetStatus(status: ControlStatus): { state: string; reason: string; remarks?: string } {
  switch (status) {
    case "failing":
      return { state: "not-satisfied", reason: "fail" };
    case "error":
      return {
        state: "not-satisfied",
        reason: "other",
        remarks:
          "At least one check could not be evaluated (a fact was unreadable or a collector was denied).",
      };
    case "excepted":
      return {
        state: "satisfied",
        reason: "other",
        remarks: "Failures are covered by accepted risk exceptions with an owner and an expiry.",
      };
    case "passing":
      return { state: "satisfied", reason: "pass" };
    default:
      return { state: "satisfied", reason: "other", remarks: "No resource in scope the checks apply to." };
  }
}

function titlesOf(frameworks: Framework[] | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const fw of frameworks ?? []) for (const c of fw.controls) map.set(`${fw.framework}:${c.id}`, c.title);
  return map;
}

export const oscalRenderer: Renderer = {
  name: "oscal",
  extension: "oscal.json",
  mediaType: "application/json",
  render: (report, options) => chunked(oscalPieces(report, options)),
};
