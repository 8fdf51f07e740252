import type { Finding } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import type { Framework } from "../engine/catalogue.js";
import { chunked } from "./chunks.js";
import { type ControlStatus, type CoverageControl, computeCoverage } from "./coverage-model.js";
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
import { evidenceLines, indexReport, type ReportIndex, resourceName } from "./report-index.js";
import type { Renderer, RenderOptions } from "./types.js";
import { observationUuid, uuidFor } from "./uuid.js";

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
  // listed too), else the controls the report's rules name. Their status comes from the shared coverage model,
  // so OSCAL, HTML, CSV and the store cannot disagree.
  const coverage = computeCoverage(report, options?.frameworks?.length ? options.frameworks : undefined);
  const byFramework = new Map<string, Set<string>>();
  for (const fw of coverage)
    for (const c of fw.controls)
      byFramework.set(fw.framework, (byFramework.get(fw.framework) ?? new Set()).add(c.id));
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
    props: [prop("report-id", report.id), ...profileProps(report)],
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
    const uuid = observationUuid(report.id, f.ruleId, f.resourceUid);
    for (const ref of f.controls) {
      const list = observationsByControl.get(ref);
      if (list) list.push(uuid);
      else observationsByControl.set(ref, [uuid]);
    }
    yield `${first ? ',"observations":[' : ","}${observations.write(f, uuid)}`;
    first = false;
  }
  if (!first) yield "]";

  let firstFinding = true;
  for (const fw of coverage) {
    for (const control of fw.controls) {
      const ref = `${fw.framework}:${control.id}`;
      const title = controlTitles.get(ref) ?? (control.title !== control.id ? control.title : undefined);
      const oscalFinding = {
        uuid: uuidFor(`finding:${report.id}:${ref}`),
        title: oscalString(`${fw.framework} ${control.id}${title ? ` ${title}` : ""}`),
        description: oscalString(controlDescription(control)),
        props: [prop("framework", fw.framework), prop("control-status", control.status)],
        target: {
          type: "objective-id",
          "target-id": oscalToken(control.id),
          status: targetStatus(control.status),
        },
      };
      yield `${firstFinding ? ',"findings":[' : ","}${JSON.stringify(oscalFinding).slice(0, -1)}`;
      firstFinding = false;
      // A control can be evidenced by every finding of a large scan: stream its observation links.
      const links = observationsByControl.get(ref) ?? [];
      if (links.length) {
        yield ',"related-observations":[';
        for (const [i, u] of links.entries()) yield `${i ? "," : ""}{"observation-uuid":"${u}"}`;
        yield "]";
      }
      yield "}";
    }
  }
  if (!firstFinding) yield "]";
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

function controlDescription(control: CoverageControl): string {
  const byHand = control.manual?.length ? ` Evidence to gather by hand: ${control.manual.join("; ")}.` : "";
  if (control.rules.length === 0)
    return `Manual control: no automated rule evidences it; evidence must be gathered and assessed by hand.${byHand}`;
  const rules = control.rules.map((r) => {
    const c = r.counts;
    return r.evaluated
      ? `${r.id} ${r.status} (pass ${c.pass}, fail ${c.fail}, excepted ${c.excepted}, error ${c.error}, skip ${c.skip})`
      : `${r.id} not run in this scan`;
  });
  return `${control.rules.length} automated rule(s): ${rules.join("; ")}.${byHand}`;
}

/**
 * OSCAL knows only satisfied and not-satisfied. Satisfied means every automated rule mapped to the control
 * ran and passed on the resources in its scope; anything less (partly evaluated, nothing in scope, skipped,
 * excepted, manual) is not-satisfied with the reason in the remarks.
 */
export function targetStatus(status: ControlStatus): { state: string; reason: string; remarks?: string } {
  switch (status) {
    case "satisfied":
      return { state: "satisfied", reason: "pass" };
    case "failing":
      return { state: "not-satisfied", reason: "fail" };
    case "excepted":
      return {
        state: "not-satisfied",
        reason: "other",
        remarks: "Failures are covered by accepted risk exceptions with an owner and an expiry.",
      };
    case "partial":
      return {
        state: "not-satisfied",
        reason: "other",
        remarks:
          "Partly assessed: some mapped rules passed, others could not be evaluated, were not run or had no resource in scope.",
      };
    case "not-assessed":
      return {
        state: "not-satisfied",
        reason: "other",
        remarks:
          "Not assessed: no mapped rule passed or failed (not run, nothing in scope, or could not be evaluated).",
      };
    case "manual":
      return {
        state: "not-satisfied",
        reason: "other",
        remarks: "No automated check covers this control: its evidence must be gathered by hand (manual).",
      };
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

/**
 * The organisation profile the thresholds came from, so an auditor reading the OSCAL results sees which standard
 * was applied: its name, digest and every value (`profile.password.minLength` = 12).
 */
function profileProps(report: ScanReport): ReturnType<typeof prop>[] {
  const profile = report.profile;
  if (!profile) return [];
  const props = [prop("profile-name", profile.name), prop("profile-digest", profile.digest)];
  for (const [section, values] of Object.entries(profile.values))
    for (const [key, value] of Object.entries(values))
      props.push(prop(`profile.${section}.${key}`, String(value)));
  return props;
}
