import type { Finding } from "../core/finding.js";
import type { ScanReport } from "../core/report.js";
import { chunked } from "./chunks.js";
import { xmlAttr, xmlText } from "./escape.js";
import {
  evidenceLines,
  findingRemediation,
  indexReport,
  type ReportIndex,
  resourceName,
} from "./report-index.js";
import type { Renderer } from "./types.js";

/**
 * JUnit XML (the Ant JUnit schema CI servers read): one testsuite per rule, one testcase per resource.
 * A failure fails the case; `error` (could not evaluate) is an error; `skip` and excepted failures are
 * skipped with the reason, so an accepted risk does not break the pipeline but stays visible.
 */
function* junitPieces(report: ScanReport): Generator<string> {
  const index = indexReport(report);
  const byRule = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const list = byRule.get(f.ruleId);
    if (list) list.push(f);
    else byRule.set(f.ruleId, [f]);
  }
  // A suite's `time` is its own: evaluating one rule takes microseconds and the report records no per-rule
  // time, while collection is shared by all rules. Writing the scan's duration on every suite made tools that
  // add suite times up report 102 × the scan; the scan's duration is a property instead, which nobody sums.
  const scanSeconds = Math.max(
    0,
    (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000,
  ).toFixed(3);
  // The schema's timestamp is xs:dateTime without a zone; the report's times are UTC.
  const timestamp = report.startedAt.slice(0, 19);
  const hostname = report.agent.hostname.trim() || "localhost";
  yield '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n';
  let id = 0;
  for (const [ruleId, findings] of byRule) {
    const rule = index.rules.get(ruleId);
    const failures = findings.filter((f) => f.status === "fail" && !f.exception).length;
    const errors = findings.filter((f) => f.status === "error").length;
    const skipped = findings.filter((f) => f.status === "skip" || f.exception).length;
    yield `  <testsuite package="assay.${xmlText(rule?.policy ?? "rules")}" id="${id}" name="${xmlText(ruleId)}" timestamp="${timestamp}" hostname="${xmlText(hostname)}" tests="${findings.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="0.000">\n`;
    id += 1;
    yield "    <properties>\n";
    yield `      <property name="scan-seconds" value="${scanSeconds}"/>\n`;
    if (rule) {
      yield `      <property name="title" value="${xmlText(rule.title)}"/>\n`;
      yield `      <property name="severity" value="${rule.severity}"/>\n`;
      yield `      <property name="policy" value="${xmlText(rule.policyName)}"/>\n`;
      if (rule.controls.length)
        yield `      <property name="controls" value="${xmlText(rule.controls.join(" "))}"/>\n`;
    }
    yield "    </properties>\n";
    for (const f of findings) yield testcase(f, index);
    yield "    <system-out></system-out>\n    <system-err></system-err>\n  </testsuite>\n";
  }
  yield "</testsuites>\n";
}

function testcase(f: Finding, index: ReportIndex): string {
  const name = resourceName(index, f.resourceUid);
  const label = name === f.resourceUid ? name : `${name} (${f.resourceUid})`;
  const open = `    <testcase name="${xmlText(label)}" classname="${xmlText(f.ruleId)}" time="0"`;
  const details = () =>
    xmlText(
      [
        ...evidenceLines(f.evidence),
        ...(findingRemediation(index, f) ? [`remediation: ${findingRemediation(index, f)}`] : []),
      ].join("\n"),
    );
  if (f.status === "fail" && f.exception) {
    const why = `accepted risk (owner ${f.exception.owner}, expires ${f.exception.expires}): ${f.exception.reason}`;
    return `${open}>\n      <skipped message="${xmlAttr(why)}"/>\n    </testcase>\n`;
  }
  if (f.status === "fail")
    return `${open}>\n      <failure message="${xmlAttr(f.message)}" type="${f.severity}">${details()}</failure>\n    </testcase>\n`;
  if (f.status === "error")
    return `${open}>\n      <error message="${xmlAttr(f.message)}" type="not-evaluated">${details()}</error>\n    </testcase>\n`;
  if (f.status === "skip")
    return `${open}>\n      <skipped message="${xmlAttr(f.message)}"/>\n    </testcase>\n`;
  return `${open}/>\n`;
}

export const junitRenderer: Renderer = {
  name: "junit",
  extension: "xml",
  mediaType: "application/xml",
  render: (report) => chunked(junitPieces(report)),
};
