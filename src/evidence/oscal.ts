import type { ScanReport } from "../core/report.js";
import type { Framework } from "../engine/catalogue.js";
import {
  type ControlStatus,
  controlStatusOf,
  type RuleOutcomeCounts,
  ruleStatusFromCounts,
} from "../formats/coverage-model.js";
import { ObservationWriter, oscalString, prop, targetStatus } from "../formats/oscal.js";
import {
  assessmentPlan,
  catalogueResources,
  OSCAL_AP_MEDIA_TYPE,
  OSCAL_VERSION,
  oscalToken,
  type PlanScope,
  reviewedControls,
} from "../formats/oscal-plan.js";
import { indexReport, outcomeOf, splitControl } from "../formats/report-index.js";
import { observationUuid, uuidFor } from "../formats/uuid.js";
import { type ControlSelection, selectedFindings } from "./findings.js";
import type { TextSink } from "./spool.js";

/** One control in the bundle's scope, with what the period's reports say about it. */
export interface ControlTally {
  framework: string;
  id: string;
  title: string;
  /** The rules the catalogue maps to it; none = manual evidence only. */
  rules: string[];
  counts: Map<string, RuleOutcomeCounts>;
  observations: string[];
  status: ControlStatus;
}

/**
 * The bundle's OSCAL assessment-results over a period: one result, an observation per selected finding
 * (streamed to a spool file as reports are read), one OSCAL finding per control in scope with its status from
 * the coverage model, controls without automated rules listed as not satisfied (manual), and `import-ap`
 * resolving to the assessment plan beside it through a back-matter resource with its SHA-256.
 */
export class BundleOscal {
  readonly controls = new Map<string, ControlTally>();
  private readonly inventory = new Map<string, string>();
  private firstObservation = true;
  private start: string | undefined;
  private end: string | undefined;
  private readonly scope: PlanScope;

  constructor(
    frameworks: readonly Framework[],
    private readonly selection: ControlSelection & { from: string; to: string },
    private readonly now: Date,
    private readonly spool: TextSink,
  ) {
    const chosen = selection.framework
      ? frameworks.filter((f) => f.framework === selection.framework)
      : frameworks;
    const wanted = selection.controls.length ? new Set(selection.controls) : undefined;
    for (const fw of chosen) {
      for (const c of fw.controls) {
        if (wanted && !wanted.has(c.id)) continue;
        this.controls.set(`${fw.framework}:${c.id}`, {
          framework: fw.framework,
          id: c.id,
          title: c.title,
          rules: [...c.rules],
          counts: new Map(),
          observations: [],
          status: c.rules.length ? "not-assessed" : "manual",
        });
      }
    }
    // A control asked for that the catalogue does not list is still reported (as having no automated rule).
    for (const id of selection.controls) {
      const ref = `${selection.framework ?? ""}:${id}`;
      if (!this.controls.has(ref))
        this.controls.set(ref, {
          framework: selection.framework ?? "",
          id,
          title: "(not in the catalogue)",
          rules: [],
          counts: new Map(),
          observations: [],
          status: "manual",
        });
    }
    this.scope = {
      key: `bundle:${selection.framework ?? "all"}:${selection.controls.join(",")}:${selection.from}:${selection.to}`,
      lastModified: now.toISOString(),
      frameworks: [...new Set([...this.controls.values()].map((c) => c.framework))].map((name) => ({
        name,
        framework: frameworks.find((f) => f.framework === name),
        controlIds: [...this.controls.values()].filter((c) => c.framework === name).map((c) => c.id),
      })),
    };
  }

  async addReport(report: ScanReport): Promise<void> {
    if (!this.start || report.startedAt < this.start) this.start = report.startedAt;
    if (!this.end || report.finishedAt > this.end) this.end = report.finishedAt;
    const index = indexReport(report);
    const writer = new ObservationWriter(index, report.finishedAt);
    let text = "";
    for (const f of selectedFindings(report, this.selection)) {
      const uuid = observationUuid(report.id, f.ruleId, f.resourceUid);
      for (const ref of f.controls) {
        const control = this.controls.get(ref);
        if (!control) continue;
        control.observations.push(uuid);
        let c = control.counts.get(f.ruleId);
        if (!c) {
          c = { pass: 0, fail: 0, excepted: 0, error: 0, skip: 0 };
          control.counts.set(f.ruleId, c);
        }
        c[outcomeOf(f)] += 1;
      }
      if (!this.inventory.has(f.resourceUid)) {
        const r = index.resources.get(f.resourceUid);
        this.inventory.set(
          f.resourceUid,
          JSON.stringify({
            uuid: uuidFor(`resource:${f.resourceUid}`),
            description: oscalString(`${f.resourceType} ${r?.name || f.resourceUid}`),
            props: [
              prop("resource-uid", f.resourceUid),
              prop("resource-type", f.resourceType),
              prop("provider", r?.provider ?? "unknown"),
            ],
          }),
        );
      }
      text += `${this.firstObservation ? "" : ","}${writer.write(f, uuid)}`;
      this.firstObservation = false;
    }
    if (text) await this.spool.write(text);
  }

  /** Settles each control's status once every report is in. */
  async finishObservations(): Promise<void> {
    for (const control of this.controls.values()) {
      if (control.rules.length === 0) continue;
      const statuses = control.rules.map((id) => {
        const c = control.counts.get(id);
        return ruleStatusFromCounts(
          c ?? { pass: 0, fail: 0, excepted: 0, error: 0, skip: 0 },
          c !== undefined,
        );
      });
      // The shared coverage model: satisfied only when every mapped rule ran and passed in the period.
      control.status = controlStatusOf(statuses);
    }
  }

  assessmentPlan(): string {
    return `${JSON.stringify(assessmentPlan(this.scope), null, 1)}\n`;
  }

  /** The assessment-results document; `observations` is the spool file written by addReport. */
  async *assessmentResults(
    observations: AsyncIterable<string | Buffer>,
    planSha256: string,
    /** What the result must say it lacks (reports disposed of by retention, none in the period). */
    remarks: readonly string[] = [],
  ): AsyncGenerator<string | Buffer> {
    const key = this.scope.key;
    const planResource = uuidFor(`plan-resource:${key}`);
    const head = {
      uuid: uuidFor(`results:${key}:${this.now.toISOString()}`),
      metadata: {
        title: "Assay evidence bundle: automated compliance checks",
        "last-modified": this.now.toISOString(),
        version: this.now.toISOString(),
        "oscal-version": OSCAL_VERSION,
        props: [prop("period-from", this.selection.from), prop("period-to", this.selection.to)],
      },
      "import-ap": {
        href: `#${planResource}`,
        remarks: "The assessment plan is oscal/assessment-plan.json in this bundle.",
      },
    };
    const result = {
      uuid: uuidFor(`result:${key}:${this.now.toISOString()}`),
      title: "Automated compliance checks over the period",
      description: `Findings of the signed reports appended to the evidence ledger between ${this.selection.from} and ${this.selection.to}.`,
      start: this.start ?? this.selection.from,
      end: this.end ?? this.selection.to,
      ...(remarks.length ? { remarks: remarks.join("\n\n") } : {}),
    };
    yield `{"assessment-results":${JSON.stringify(head).slice(0, -1)},"results":[${JSON.stringify(result).slice(0, -1)}`;
    if (this.inventory.size) {
      yield ',"local-definitions":{"inventory-items":[';
      let first = true;
      for (const item of this.inventory.values()) {
        yield `${first ? "" : ","}${item}`;
        first = false;
      }
      yield "]}";
    }
    yield `,"reviewed-controls":${JSON.stringify(reviewedControls(this.scope))}`;
    if (!this.firstObservation) {
      yield ',"observations":[';
      for await (const chunk of observations) yield chunk;
      yield "]";
    }
    if (this.controls.size) {
      yield ',"findings":[';
      let first = true;
      for (const [ref, c] of this.controls) {
        const { framework } = splitControl(ref);
        const finding = {
          uuid: uuidFor(`finding:${key}:${ref}`),
          title: oscalString(`${framework ? `${framework} ` : ""}${c.id} ${c.title}`),
          description: oscalString(describe(c)),
          props: [prop("framework", framework || "unnamed"), prop("control-status", c.status)],
          target: { type: "objective-id", "target-id": oscalToken(c.id), status: targetStatus(c.status) },
        };
        const json = JSON.stringify(finding);
        yield first ? "" : ",";
        first = false;
        if (c.observations.length === 0) {
          yield json;
          continue;
        }
        // A control's related observations run to one per finding (100,000 in a large bundle): yielded a slice
        // at a time, never joined into one string of megabytes.
        yield `${json.slice(0, -1)},"related-observations":[`;
        for (let i = 0; i < c.observations.length; i += OBSERVATION_SLICE) {
          const slice = c.observations.slice(i, i + OBSERVATION_SLICE);
          yield `${i ? "," : ""}${slice.map((u) => `{"observation-uuid":"${u}"}`).join(",")}`;
        }
        yield "]}";
      }
      yield "]";
    }
    const backMatter = {
      resources: [
        {
          uuid: planResource,
          title: "Assessment plan",
          rlinks: [
            {
              href: "assessment-plan.json",
              "media-type": OSCAL_AP_MEDIA_TYPE,
              hashes: [{ algorithm: "SHA-256", value: planSha256 }],
            },
          ],
        },
        ...catalogueResources(this.scope),
      ],
    };
    yield `}],"back-matter":${JSON.stringify(backMatter)}}}\n`;
  }
}

const OBSERVATION_SLICE = 1000;

function describe(c: ControlTally): string {
  if (c.rules.length === 0)
    return "No automated rule covers this control: its evidence must be gathered by hand (manual).";
  const parts = c.rules.map((id) => {
    const n = c.counts.get(id);
    return n
      ? `${id} pass ${n.pass}, fail ${n.fail}, excepted ${n.excepted}, error ${n.error}, skip ${n.skip}`
      : `${id} not run in the period`;
  });
  return `${c.rules.length} automated rule(s): ${parts.join("; ")}.`;
}
