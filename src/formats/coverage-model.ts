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

/** One rule's results within a control. `evaluated` is false when the scan did not run the rule at all. */
export interface CoverageRule {
  id: string;
  title: string;
  evaluated: boolean;
  counts: RuleOutcomeCounts;
  status: ControlStatus;
}

/**
 * `failing`: a failure not covered by an exception; `error`: could not evaluate; `excepted`: only accepted
 * risks fail; `passing`: evaluated, nothing fails; `not-applicable`: only skips; `not-evaluated`: mapped
 * rules exist but none ran in this scan; `manual`: no automated rule, evidence must be gathered by hand.
 */
export type ControlStatus =
  | "failing"
  | "error"
  | "excepted"
  | "passing"
  | "not-applicable"
  | "not-evaluated"
  | "manual";

export interface CoverageControl {
  id: string;
  title: string;
  rules: CoverageRule[];
  status: ControlStatus;
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

const emptyCounts = (): RuleOutcomeCounts => ({ pass: 0, fail: 0, excepted: 0, error: 0, skip: 0 });

export function statusFromCounts(c: RuleOutcomeCounts, evaluated: boolean): ControlStatus {
  if (!evaluated) return "not-evaluated";
  if (c.fail > 0) return "failing";
  if (c.error > 0) return "error";
  if (c.excepted > 0) return "excepted";
  if (c.pass > 0) return "passing";
  return "not-applicable";
}

const PRECEDENCE: ControlStatus[] = [
  "failing",
  "error",
  "excepted",
  "passing",
  "not-applicable",
  "not-evaluated",
];

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
 * report's rules name (titles unknown, `complete: false`).
 */
export function computeCoverage(report: ScanReport, frameworks?: Framework[]): FrameworkCoverage[] {
  const counts = countsByRule(report.findings);
  const ruleTitles = new Map(report.rules.map((r) => [r.id, r.title]));
  const catalogue = frameworks ?? frameworksFromReport(report);
  return catalogue.map((fw) => {
    const totals: Record<ControlStatus, number> = {
      failing: 0,
      error: 0,
      excepted: 0,
      passing: 0,
      "not-applicable": 0,
      "not-evaluated": 0,
      manual: 0,
    };
    const controls = fw.controls.map((control) => {
      const rules = control.rules.map((id) => {
        const c = counts.get(id);
        const evaluated = c !== undefined || ruleTitles.has(id);
        const ruleCounts = c ?? emptyCounts();
        return {
          id,
          title: ruleTitles.get(id) ?? id,
          evaluated,
          counts: ruleCounts,
          status: statusFromCounts(ruleCounts, evaluated),
        };
      });
      const status: ControlStatus =
        rules.length === 0
          ? "manual"
          : (PRECEDENCE.find((s) => rules.some((r) => r.status === s)) ?? "not-evaluated");
      totals[status] += 1;
      return { id: control.id, title: control.title, rules, status };
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
