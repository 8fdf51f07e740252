import type { Finding } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import type { Framework } from "../engine/catalogue.js";
import { outcomeOf, splitControl } from "./report-index.js";

export interface RuleOutcomeCounts {
  pass: number;
  fail: number;
  excepted: number;
  error: number;
  skip: number;
}

/**
 * How one rule came out within a control. `failing`: a failure not covered by an exception; `error`: could not
 * evaluate on some resource; `excepted`: its only failures are accepted risks; `passing`: evaluated and passed
 * on every resource it applies to; `not-applicable`: it ran but no resource was in its scope (only skips, or
 * none of its resource type); `not-evaluated`: the scan did not run it at all.
 */
export type RuleStatus = "failing" | "error" | "excepted" | "passing" | "not-applicable" | "not-evaluated";

/**
 * How a control stands. Coverage means checked: `satisfied` only when every automated rule mapped to the
 * control ran and passed on the resources in its scope. `failing`: a rule fails (no exception); `excepted`: the
 * only failures are accepted risks (not satisfied either); `partial`: some rules passed, others could not be
 * evaluated, were not run or had nothing in scope, or all passed but the control also needs evidence by hand; `not-assessed`: no rule passed or failed (nothing ran,
 * only skips, or only errors); `manual`: no automated rule, evidence must be gathered by hand.
 */
export type ControlStatus = "satisfied" | "failing" | "excepted" | "partial" | "not-assessed" | "manual";

export const CONTROL_STATUSES: readonly ControlStatus[] = [
  "failing",
  "excepted",
  "partial",
  "not-assessed",
  "satisfied",
  "manual",
];

/** One rule's results within a control. `evaluated` is false when the scan did not run the rule at all. */
export interface CoverageRule {
  id: string;
  title: string;
  evaluated: boolean;
  counts: RuleOutcomeCounts;
  status: RuleStatus;
}

export interface CoverageControl {
  id: string;
  title: string;
  rules: CoverageRule[];
  status: ControlStatus;
  /** Evidence to gather by hand (the catalogue's `manual`), also when rules answer part of the control. */
  manual?: string[];
}

export interface FrameworkCoverage {
  framework: string;
  title: string;
  version?: string;
  /** False when built from the report alone (no catalogue given): unmapped controls are then unknown. */
  complete: boolean;
  controls: CoverageControl[];
  totals: Record<ControlStatus, number>;
}

export const emptyCounts = (): RuleOutcomeCounts => ({ pass: 0, fail: 0, excepted: 0, error: 0, skip: 0 });

/** A rule's status from its counts; `evaluated` false means the scan did not run it. */
export function ruleStatusFromCounts(c: RuleOutcomeCounts, evaluated: boolean): RuleStatus {
  if (!evaluated) return "not-evaluated";
  if (c.fail > 0) return "failing";
  if (c.error > 0) return "error";
  if (c.excepted > 0) return "excepted";
  if (c.pass > 0) return "passing";
  return "not-applicable";
}

/**
 * A control's status from the statuses of the automated rules mapped to it (see `ControlStatus`). Shared by
 * every output (HTML, CSV, OSCAL) and the store's posture, so they cannot disagree.
 */
export function controlStatusOf(rules: readonly RuleStatus[], needsManualEvidence = false): ControlStatus {
  if (rules.length === 0) return "manual";
  if (rules.includes("failing")) return "failing";
  if (rules.includes("excepted")) return "excepted";
  // Rules that answer only part of a control (the rest is evidence by hand) cannot make it satisfied alone.
  if (rules.every((s) => s === "passing")) return needsManualEvidence ? "partial" : "satisfied";
  if (rules.includes("passing")) return "partial";
  return "not-assessed";
}

export const emptyTotals = (): Record<ControlStatus, number> => ({
  satisfied: 0,
  failing: 0,
  excepted: 0,
  partial: 0,
  "not-assessed": 0,
  manual: 0,
});

/** Per rule id: how its findings came out. */
export function countsByRule(findings: Iterable<Finding>): Map<string, RuleOutcomeCounts> {
  const map = new Map<string, RuleOutcomeCounts>();
  for (const f of findings) {
    let c = map.get(f.ruleId);
    if (!c) {
      c = emptyCounts();
      map.set(f.ruleId, c);
    }
    c[outcomeOf(f)] += 1;
  }
  return map;
}

/**
 * Every control of every framework with its automated rules and their status in this scan. With catalogues,
 * controls no rule covers are listed as `manual`; without, frameworks are reconstructed from the controls the
 * report's rules name (titles unknown, `complete: false`). A rule the report lists but no finding names ran
 * with nothing in scope (`not-applicable`); a mapped rule the report does not list was not run.
 */
export function computeCoverage(report: ScanReport, frameworks?: Framework[]): FrameworkCoverage[] {
  const counts = countsByRule(report.findings);
  const ruleTitles = new Map(report.rules.map((r) => [r.id, r.title]));
  const catalogue = frameworks ?? frameworksFromReport(report);
  return catalogue.map((fw) => {
    const totals = emptyTotals();
    const controls = fw.controls.map((control) => {
      const rules = control.rules.map((id): CoverageRule => {
        const c = counts.get(id);
        const evaluated = c !== undefined || ruleTitles.has(id);
        const ruleCounts = c ?? emptyCounts();
        return {
          id,
          title: ruleTitles.get(id) ?? id,
          evaluated,
          counts: ruleCounts,
          status: ruleStatusFromCounts(ruleCounts, evaluated),
        };
      });
      const manual = control.manual?.length ? control.manual : undefined;
      const status = controlStatusOf(
        rules.map((r) => r.status),
        manual !== undefined,
      );
      totals[status] += 1;
      return { id: control.id, title: control.title, rules, status, ...(manual ? { manual } : {}) };
    });
    return {
      framework: fw.framework,
      title: fw.title,
      ...(fw.version ? { version: fw.version } : {}),
      complete: frameworks !== undefined,
      controls,
      totals,
    };
  });
}

function frameworksFromReport(report: ScanReport): Framework[] {
  const byFramework = new Map<string, Map<string, string[]>>();
  for (const rule of report.rules) {
    for (const ref of rule.controls) {
      const { framework, control } = splitControl(ref);
      const key = framework || "unnamed";
      let controls = byFramework.get(key);
      if (!controls) {
        controls = new Map();
        byFramework.set(key, controls);
      }
      controls.set(control, [...(controls.get(control) ?? []), rule.id]);
    }
  }
  return [...byFramework.entries()].map(([framework, controls]) => ({
    framework,
    title: framework,
    controls: [...controls.entries()].map(([id, rules]) => ({ id, title: id, rules })),
  }));
}
