import type { Finding, Severity } from "../core/finding.js";
import type { ReportSummary, StatusCounts } from "../core/report.js";

const emptyCounts = (): StatusCounts => ({ pass: 0, fail: 0, error: 0, skip: 0, excepted: 0 });

export function summarize(
  findings: Finding[],
  resourceCount: number,
  ruleCount: number,
  collectorErrors: number,
): ReportSummary {
  const total = emptyCounts();
  const bySeverity: Partial<Record<Severity, StatusCounts>> = {};
  const byPolicy: Record<string, StatusCounts> = {};
  for (const f of findings) {
    bySeverity[f.severity] ??= emptyCounts();
    byPolicy[f.policy] ??= emptyCounts();
    const severity = bySeverity[f.severity] as StatusCounts;
    const policy = byPolicy[f.policy] as StatusCounts;
    for (const counts of [total, severity, policy]) {
      counts[f.status] += 1;
      if (f.exception) counts.excepted += 1;
    }
  }
  return {
    resources: resourceCount,
    rules: ruleCount,
    findings: total,
    bySeverity,
    byPolicy,
    collectorErrors,
  };
}
