import pc from "picocolors";

type Colors = ReturnType<typeof pc.createColors>;

import { SEVERITY_ORDER, type Severity } from "../core/finding.js";
import type { ScanReport, StatusCounts } from "../core/report.js";
import { remediationFor } from "../core/rule.js";

/** The human summary of a scan: counts by policy and severity, then what failed and how to fix it. */
export function renderTable(report: ScanReport, { color }: { color: boolean }): string {
  const c = color ? pc : pc.createColors(false);
  const lines: string[] = [];
  const rules = new Map(report.rules.map((r) => [r.id, r]));
  const resources = new Map(report.resources.map((r) => [r.uid, r]));
  const policyNames = new Map(report.rules.map((r) => [r.policy, r.policyName]));

  const header = ["", "pass", "fail", "error", "skip"];
  const row = (label: string, n: StatusCounts) => [
    label,
    String(n.pass),
    n.fail ? `${n.fail}${n.excepted ? ` (${n.excepted} excepted)` : ""}` : "0",
    String(n.error),
    String(n.skip),
  ];
  const byPolicy = Object.entries(report.summary.byPolicy)
    .sort(([a], [b]) => (policyNames.get(a) ?? a).localeCompare(policyNames.get(b) ?? b))
    .map(([key, n]) => row(policyNames.get(key) ?? key, n));
  const bySeverity = (Object.entries(report.summary.bySeverity) as [Severity, StatusCounts][])
    .sort(([a], [b]) => SEVERITY_ORDER[b] - SEVERITY_ORDER[a])
    .map(([key, n]) => row(key, n));

  lines.push(c.bold(`Assay scan ${report.id}  ${report.agent.hostname}  ${report.startedAt}`));
  lines.push(
    `${report.summary.resources} resource(s), ${report.summary.rules} rule(s), ${report.findings.length} finding(s)`,
  );
  lines.push("");
  lines.push(...grid([["By policy", ...header.slice(1)], ...byPolicy], c));
  lines.push("");
  lines.push(...grid([["By severity", ...header.slice(1)], ...bySeverity], c));

  const failing = report.findings
    .filter((f) => f.status === "fail")
    .sort(
      (a, b) => SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity] || a.ruleId.localeCompare(b.ruleId),
    );
  if (failing.length) {
    lines.push("", c.bold(c.red(`Failing (${failing.length})`)));
    for (const f of failing) {
      const rule = rules.get(f.ruleId);
      const name = resources.get(f.resourceUid)?.name ?? f.resourceUid;
      const tag = f.exception
        ? c.yellow(` [excepted: ${f.exception.owner} until ${f.exception.expires}: ${f.exception.reason}]`)
        : "";
      lines.push(
        `  ${severityLabel(f.severity, c)} ${c.bold(f.ruleId)} ${rule?.title ?? ""} — ${name}${tag}`,
      );
      lines.push(`      ${f.message}`);
      const values = Object.entries(f.evidence)
        .map(
          ([k, v]) =>
            // A fact the resource does not have is "(absent)", as in every report format, never "undefined".
            `${k}=${v.unreadable ? `unreadable (${v.unreadable})` : v.value === undefined ? "(absent)" : JSON.stringify(v.value)}`,
        )
        .join(", ");
      if (values) lines.push(c.dim(`      evidence: ${truncate(values, 300)}`));
      const os = resources.get(f.resourceUid)?.attributes.os as { platform?: string } | undefined;
      if (rule) lines.push(`      fix: ${remediationFor(rule, os?.platform)}`);
    }
  }
  const errors = report.findings.filter((f) => f.status === "error");
  if (errors.length) {
    lines.push("", c.bold(c.magenta(`Could not evaluate (${errors.length})`)));
    for (const f of errors)
      lines.push(
        `  ${c.bold(f.ruleId)} ${resources.get(f.resourceUid)?.name ?? f.resourceUid}: ${f.message}`,
      );
  }
  if (report.collectorErrors.length) {
    lines.push("", c.bold(`Collector errors (${report.collectorErrors.length})`));
    for (const e of report.collectorErrors)
      lines.push(
        `  ${e.collector} ${e.scope}: ${e.code}: ${e.message}${e.permission ? ` (needs ${e.permission})` : ""}`,
      );
  }
  lines.push("");
  return `${lines.join("\n")}\n`;
}

function severityLabel(severity: Severity, c: Colors): string {
  const text = severity.toUpperCase().padEnd(8);
  if (severity === "critical" || severity === "high") return c.red(text);
  if (severity === "medium") return c.yellow(text);
  return c.dim(text);
}

function grid(rows: string[][], c: Colors): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r, index) => {
    const text = r
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ");
    return index === 0 ? c.bold(text) : text;
  });
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
