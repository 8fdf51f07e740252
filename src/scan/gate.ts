import { type Finding, SEVERITY_ORDER, type Severity } from "../core/finding.js";

/**
 * The `--fail-on` gate of a scan in a pipeline. A pass means "checked, and compliant", so the gate also counts
 * what could not be checked: `error` findings at or above the threshold (a denied call, an unreachable
 * endpoint, a fact the collector could not read) and a collector that ran but collected nothing (a wrong
 * region, missing credentials that failed quietly). `allowErrors` (`--allow-errors`, `scan.allowErrors`) opts out
 * of both for pipelines that accept partial scans; failures still count.
 */
export interface GateInput {
  findings: readonly Pick<Finding, "status" | "severity" | "exception">[];
  failOn: Severity | "none";
  allowErrors: boolean;
  /** Resources each collector that ran emitted. */
  resourcesByCollector: Readonly<Record<string, number>>;
}

export interface GateResult {
  /** 1 when the scan breaches the gate, else 0. */
  exitCode: 0 | 1;
  /** One line per reason, for stderr. */
  lines: string[];
}

export function scanGate({ findings, failOn, allowErrors, resourcesByCollector }: GateInput): GateResult {
  if (failOn === "none") return { exitCode: 0, lines: [] };
  const threshold = SEVERITY_ORDER[failOn];
  let failed = 0;
  let errors = 0;
  for (const f of findings) {
    if (SEVERITY_ORDER[f.severity] < threshold) continue;
    if (f.status === "fail" && f.exception === undefined) failed += 1;
    else if (f.status === "error") errors += 1;
  }
  const lines: string[] = [];
  if (failed > 0) lines.push(`fail-on ${failOn}: ${failed} check(s) at or above ${failOn} failed`);
  if (!allowErrors) {
    if (errors > 0)
      lines.push(
        `fail-on ${failOn}: ${errors} check(s) at or above ${failOn} could not run (status error); fix the cause or pass --allow-errors to not count them`,
      );
    for (const [collector, count] of Object.entries(resourcesByCollector))
      if (count === 0)
        lines.push(
          `fail-on ${failOn}: collector ${collector} collected nothing (0 resources), so none of its checks ran; check its settings and credentials or pass --allow-errors`,
        );
  }
  return { exitCode: lines.length > 0 ? 1 : 0, lines };
}
