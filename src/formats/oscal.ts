import type { Finding } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import type { Framework } from "../engine/catalogue.js";
import { chunked } from "./chunks.js";
import { type ControlStatus, computeCoverage, countsByRule, statusFromCounts } from "./coverage-model.js";
import {
  ASSAY_OSCAL_NS,
  assessmentPlan,
  catalogueResources,
  OSCAL_AP_MEDIA_TYPE,
  OSCAL_VERSION,
  oscalToken,
  type PlanScope,
  reviewedControls as planReviewedControls,
} from "./oscal-plan.js";
import { evidenceLines, indexReport, type ReportIndex, resourceName, splitControl } from "./report-index.js";
import type { Renderer, RenderOptions } from "./types.js";
import { uuidFor } from "./uuid.js";

export { ASSAY_OSCAL_NS, OSCAL_VERSION };

export const prop = (name: string, value: string) => ({
  name,
  ns: ASSAY_OSCAL_NS,
  value: oscalString(value),
});

/** OSCAL strings (StringDatatype) must be non-empty without surrounding whitespace. */
export function oscalString(value: string): string {
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
  // The controls reviewed: every control of the catalogues given (so those without automated evidence are
  // listed too), else the controls the report's findings name.
  const coverage = options?.frameworks?.length ? computeCoverage(report, options.frameworks) : undefined;
  const coverageStatus = new Map<string, { status: ControlStatus; title: string; rules: string[] }>();
  for (const fw of coverage ?? [])
    for (const c of fw.controls)
      coverageStatus.set(`${fw.framework}:${c.id}`, {
        status: c.status,
        title: c.title,
        rules: c.rules.map((r) => r.id),
      });
  const byFramework = new Map<string, Set<string>>();
  for (const ref of [...coverageStatus.keys(), ...findingsByControl.keys()]) {
    const { framework, control } = splitControl(ref);
    const name = framework || "unnamed";
    byFramework.set(name, (byFramework.get(name) ?? new Set()).add(control));
  }
  const scope: PlanScope = {
    key: `report:${report.id}`,
    lastModified: report.finishedAt,
    frameworks: [...byFramework.entries()].map(([name, ids]) => ({
      name,
      framework: options?.frameworks?.find((f) => f.framework === name),
      controlIds: [...ids],
    })),
  };
  const planResource = uuidFor(`plan-resource:${report.id}`);

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
      href: `#${planResource}`,
      remarks: "The assessment plan is embedded in this document's back-matter (base64).",
    },
  };
  const result = {
    uuid: uuidFor(`result:${report.id}`),
    title: `Automated compliance checks on ${report.agent.hostname}`,
    description: `Assay evaluated ${report.summary.rules} rules against ${report.summary.resources} resources (collectors: ${report.scope.collectors.join(", ") || "none"}).`,
    start: report.startedAt,
    end: report.finishedAt,
    props: [prop("report-id", report.id)],
  };
  const reviewedControls = planReviewedControls(scope);
  yield `{"assessment-results":${JSON.stringify(head).slice(0, -1)},"results":[${JSON.stringify(result).slice(0, -1)}`;
  // One inventory item per resource: stream them, a fleet scan has thousands.
  if (inventory.length) {
    yield ',"local-definitions":{"inventory-items":[';
    for (const [i, item] of inventory.entries()) yield `${i ? "," : ""}${JSON.stringify(item)}`;
    yield "]}";
  }
  yield `,"reviewed-controls":${JSON.stringify(reviewedControls)}`;

  const observations = new ObservationWriter(index, report.finishedAt);
  let first = true;
  for (const f of report.findings) {
    const uuid = uuidFor(`observation:${report.id}:${f.ruleId}:${f.resourceUid}`);
    for (const ref of f.controls) {
      const list = observationsByControl.get(ref);
      if (list) list.push(uuid);
      else observationsByControl.set(ref, [uuid]);
    }
    yield `${first ? ',"observations":[' : ","}${observations.write(f, uuid)}`;
    first = false;
  }
  if (!first) yield "]";

  const refs = [...findingsByControl.keys()];
  let firstExtra = true;
  if (refs.length) {
    yield ',"findings":[';
    let firstFinding = true;
    for (const ref of refs) {
      const { framework, control } = splitControl(ref);
      const findings = findingsByControl.get(ref) ?? [];
      const counts = countsByRule(findings);
      const statuses = [...counts.values()].map((c) => statusFromCounts(c, true));
      const status = coverageStatus.get(ref)?.status ?? worst(statuses);
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
          "target-id": oscalToken(control),
          status: targetStatus(status),
        },
      };
      // A control can be evidenced by every finding of a large scan: stream its observation links.
      yield `${firstFinding ? "" : ","}${JSON.stringify(oscalFinding).slice(0, -1)},"related-observations":[`;
      let firstLink = true;
      for (const u of observationsByControl.get(ref) ?? []) {
        yield `${firstLink ? "" : ","}{"observation-uuid":"${u}"}`;
        firstLink = false;
      }
      yield "]}";
      firstFinding = false;
    }
  }
  // Controls of the catalogues no finding of this report evidences: manual ones, or rules that did not run.
  for (const [ref, c] of coverageStatus) {
    if (findingsByControl.has(ref)) continue;
    const { framework, control } = splitControl(ref);
    const oscalFinding = {
      uuid: uuidFor(`finding:${report.id}:${ref}`),
      title: oscalString(`${framework} ${control} ${c.title}`),
      description: oscalString(
        c.rules.length
          ? `Automated rule(s) ${c.rules.join(", ")} gave no finding in this scan.`
          : "No automated rule covers this control: its evidence must be gathered by hand (manual).",
      ),
      props: [prop("framework", framework || "unnamed"), prop("control-status", c.status)],
      target: { type: "objective-id", "target-id": oscalToken(control), status: targetStatus(c.status) },
    };
    yield `${refs.length === 0 && firstExtra ? ',"findings":[' : ","}${JSON.stringify(oscalFinding)}`;
    firstExtra = false;
  }
  if (refs.length || !firstExtra) yield "]";
  const plan = Buffer.from(JSON.stringify(assessmentPlan(scope))).toString("base64");
  const backMatter = {
    resources: [
      {
        uuid: planResource,
        title: "Assessment plan",
        base64: { filename: "assessment-plan.json", "media-type": OSCAL_AP_MEDIA_TYPE, value: plan },
      },
      ...catalogueResources(scope),
    ],
  };
  yield `}],"back-matter":${JSON.stringify(backMatter)}}}\n`;
}

/**
 * Observations as JSON strings. The subject (per resource) and the rule's props (per rule and outcome) repeat
 * across findings, so they are serialised once and reused.
 */
export class ObservationWriter {
  private readonly subjects = new Map<string, string>();
  private readonly props = new Map<string, string>();

  constructor(
    private readonly index: ReportIndex,
    private readonly scannedAt: string,
  ) {}

  write(f: Finding, uuid: string): string {
    const name = resourceName(this.index, f.resourceUid);
    const lines = evidenceLines(f.evidence);
    const collected = this.index.resources.get(f.resourceUid)?.collectedAt ?? this.scannedAt;
    const exceptionProps = f.exception
      ? `,${JSON.stringify(prop("exception-owner", f.exception.owner))},${JSON.stringify(prop("exception-expires", f.exception.expires))}`
      : "";
    return (
      `{"uuid":"${uuid}","title":${JSON.stringify(`${f.ruleId} on ${name}`)},"description":${JSON.stringify(f.message)},` +
      `"props":[${this.ruleProps(f)}${exceptionProps}],"methods":["TEST"],"types":["control-objective"],` +
      `"subjects":[${this.subject(f, name)}]` +
      (lines.length
        ? `,"relevant-evidence":${JSON.stringify(lines.map((line) => ({ description: line })))}`
        : "") +
      `,"collected":${JSON.stringify(collected)}` +
      (f.exception ? `,"remarks":${JSON.stringify(`Accepted risk: ${f.exception.reason}`)}` : "") +
      "}"
    );
  }

  private ruleProps(f: Finding): string {
    const outcome = f.status === "fail" && f.exception ? "excepted" : f.status;
    const key = `${f.ruleId}\u0000${outcome}\u0000${f.severity}\u0000${f.policy}`;
    let json = this.props.get(key);
    if (!json) {
      json = [
        prop("rule-id", f.ruleId),
        prop("outcome", outcome),
        prop("severity", f.severity),
        prop("policy", f.policy),
      ]
        .map((p) => JSON.stringify(p))
        .join(",");
      this.props.set(key, json);
    }
    return json;
  }

  private subject(f: Finding, name: string): string {
    const key = `${f.resourceUid}\u0000${f.resourceType}`;
    let json = this.subjects.get(key);
    if (!json) {
      json = JSON.stringify({
        "subject-uuid": uuidFor(`resource:${f.resourceUid}`),
        type: "inventory-item",
        title: name,
        props: [prop("resource-uid", f.resourceUid), prop("resource-type", f.resourceType)],
      });
      this.subjects.set(key, json);
    }
    return json;
  }
}

function worst(statuses: ControlStatus[]): ControlStatus {
  const order: ControlStatus[] = ["failing", "error", "excepted", "passing", "not-applicable"];
  return order.find((s) => statuses.includes(s)) ?? "not-applicable";
}

export function targetStatus(status: ControlStatus): { state: string; reason: string; remarks?: string } {
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
    case "manual":
      return {
        state: "not-satisfied",
        reason: "other",
        remarks: "No automated check covers this control: its evidence must be gathered by hand (manual).",
      };
    case "not-evaluated":
      return {
        state: "not-satisfied",
        reason: "other",
        remarks: "The automated checks of this control did not run: there is no evidence for it.",
      };
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
