import type { EvidenceValue, Finding, Severity } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import type { Resource } from "../core/resource.js";
import { REMEDIATION_PLATFORMS, type RuleSummary, remediationFor } from "../core/rule.js";

/** Lookups every renderer needs, built once per render (a report of 100,000 findings is walked a few times). */
export interface ReportIndex {
  rules: Map<string, RuleSummary>;
  resources: Map<string, Resource>;
}

export function indexReport(report: ScanReport): ReportIndex {
  const rules = new Map(report.rules.map((r) => [r.id, r]));
  // A finding may name a rule the report's rule list lacks (a hand-edited or older report): describe it from the finding.
  for (const f of report.findings) {
    if (!rules.has(f.ruleId)) {
      rules.set(f.ruleId, {
        id: f.ruleId,
        title: f.ruleId,
        severity: f.severity,
        resourceTypes: [f.resourceType],
        policy: f.policy,
        policyName: f.policy,
        remediation: "",
        controls: f.controls,
      });
    }
  }
  return { rules, resources: new Map(report.resources.map((r) => [r.uid, r])) };
}

/** What a reader should see: an excepted failure is its own outcome, not a pass and not a plain failure. */
export type Outcome = "pass" | "fail" | "excepted" | "error" | "skip";

export function outcomeOf(finding: Finding): Outcome {
  if (finding.status === "fail" && finding.exception) return "excepted";
  return finding.status;
}

export const SEVERITIES_DESC: readonly Severity[] = ["critical", "high", "medium", "low", "info"];

export function resourceName(index: ReportIndex, uid: string): string {
  const name = index.resources.get(uid)?.name;
  return name && name.length > 0 ? name : uid;
}

/** The device platform (`os.platform` fact) of a resource, or undefined for anything else. */
export function resourcePlatform(index: ReportIndex, uid: string): string | undefined {
  const os = index.resources.get(uid)?.attributes.os;
  const platform = os && typeof os === "object" ? (os as { platform?: unknown }).platform : undefined;
  return typeof platform === "string" ? platform : undefined;
}

/** The remediation for one finding: its device platform's own text when the rule has one. */
export function findingRemediation(index: ReportIndex, finding: Finding): string {
  const rule = index.rules.get(finding.ruleId);
  return rule ? remediationFor(rule, resourcePlatform(index, finding.resourceUid)) : "";
}

export const PLATFORM_LABELS: Record<(typeof REMEDIATION_PLATFORMS)[number], string> = {
  linux: "Linux",
  darwin: "macOS",
  win32: "Windows",
};

/**
 * Every remediation text of a rule, labelled by platform, for outputs that describe a rule once rather than per
 * finding (SARIF's rule help): "Linux: …", "macOS: …", "Windows: …", then "Other: <default>".
 */
export function remediationAllPlatforms(rule: RuleSummary): string {
  const own = REMEDIATION_PLATFORMS.flatMap((p) => {
    const text = rule.remediationByPlatform?.[p];
    return text ? [`${PLATFORM_LABELS[p]}: ${text}`] : [];
  });
  return own.length ? [...own, `Other: ${rule.remediation}`].join("\n") : rule.remediation;
}

/** A value as a reader sees it: strings bare, everything else as compact JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "(absent)";
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * `path = value` per evidence entry (or why it could not be read), then each distinct source once: one
 * command often yields several facts, and repeating it per value drowns the values.
 */
export function evidenceLines(evidence: Record<string, EvidenceValue>): string[] {
  const lines: string[] = [];
  const sources = new Set<string>();
  for (const [path, e] of Object.entries(evidence)) {
    lines.push(
      e.unreadable !== undefined
        ? `${path}: unreadable (${e.unreadable})`
        : `${path} = ${formatValue(e.value)}${e.offending ? ` (offending elements: ${e.offending.join(", ")})` : ""}`,
    );
    if (e.source) sources.add(e.source);
  }
  for (const source of sources) lines.push(`source: ${source}`);
  return lines;
}

/** `iso27001-2022:A.8.24` → framework and control id. */
export function splitControl(ref: string): { framework: string; control: string } {
  const at = ref.indexOf(":");
  return at < 0
    ? { framework: "", control: ref }
    : { framework: ref.slice(0, at), control: ref.slice(at + 1) };
}
