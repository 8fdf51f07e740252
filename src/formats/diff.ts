import type { Finding, Severity } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import { type Outcome, outcomeOf } from "./report-index.js";

export type ChangeKind = "regressed" | "resolved" | "new" | "gone" | "changed";

export interface FindingChange {
  kind: ChangeKind;
  ruleId: string;
  resourceUid: string;
  resourceName: string;
  severity: Severity;
  before?: Outcome;
  after?: Outcome;
  message: string;
}

export type ReportDiff = Record<ChangeKind, FindingChange[]>;

const key = (f: Pick<Finding, "ruleId" | "resourceUid">) => `${f.ruleId}\u0000${f.resourceUid}`;

/**
 * What changed per (resource, rule) between a baseline and this report, the same events the store's drift
 * uses: `regressed` (now failing, was not), `resolved` (was failing, now passes), `new` / `gone` (present in
 * only one report), `changed` (any other move, e.g. a failure now excepted or a pass now unreadable).
 */
export function diffReports(current: ScanReport, baseline: ScanReport): ReportDiff {
  const names = new Map<string, string>();
  for (const r of baseline.resources) names.set(r.uid, r.name);
  for (const r of current.resources) names.set(r.uid, r.name);
  const nameOf = (uid: string) => names.get(uid) || uid;
  const before = new Map<string, Finding>(baseline.findings.map((f) => [key(f), f]));
  const diff: ReportDiff = { regressed: [], resolved: [], new: [], gone: [], changed: [] };
  const seen = new Set<string>();
  for (const f of current.findings) {
    const k = key(f);
    seen.add(k);
    const old = before.get(k);
    const after = outcomeOf(f);
    const base = {
      ruleId: f.ruleId,
      resourceUid: f.resourceUid,
      resourceName: nameOf(f.resourceUid),
      severity: f.severity,
      after,
      message: f.message,
    };
    if (!old) {
      diff.new.push({ kind: "new", ...base });
      continue;
    }
    const was = outcomeOf(old);
    if (was === after) continue;
    const kind: ChangeKind =
      after === "fail" ? "regressed" : was === "fail" && after === "pass" ? "resolved" : "changed";
    diff[kind].push({ kind, ...base, before: was });
  }
  for (const [k, old] of before) {
    if (seen.has(k)) continue;
    diff.gone.push({
      kind: "gone",
      ruleId: old.ruleId,
      resourceUid: old.resourceUid,
      resourceName: nameOf(old.resourceUid),
      severity: old.severity,
      before: outcomeOf(old),
      message: old.message,
    });
  }
  return diff;
}
