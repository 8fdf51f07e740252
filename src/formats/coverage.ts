import type { ScanReport } from "../core/report.js";
import { chunked } from "./chunks.js";
import { computeCoverage } from "./coverage-model.js";
import { csvField } from "./escape.js";
import type { Renderer, RenderOptions } from "./types.js";

export const COVERAGE_COLUMNS = [
  "framework",
  "framework_title",
  "control_id",
  "control_title",
  "control_status",
  "rule_id",
  "rule_title",
  "rule_status",
  "pass",
  "fail",
  "excepted",
  "error",
  "skip",
  "manual_evidence",
] as const;

/**
 * Control coverage as CSV: one row per (control, automated rule); a control with no automated rule gets one
 * row with status `manual` and empty rule columns, so the controls that need evidence by hand are listed too.
 * `manual_evidence` names what to gather by hand where the catalogue says (seed control statements).
 */
function* coverageRows(report: ScanReport, options?: RenderOptions): Generator<string> {
  yield `${COVERAGE_COLUMNS.join(",")}\r\n`;
  for (const fw of computeCoverage(report, options?.frameworks)) {
    for (const control of fw.controls) {
      const lead = [fw.framework, fw.title, control.id, control.title, control.status];
      // Evidence to gather by hand, one cell, items separated by " | ".
      const manual = (control.manual ?? []).join(" | ");
      if (control.rules.length === 0) {
        yield `${[...lead, "", "", "", "", "", "", "", "", manual].map(csvField).join(",")}\r\n`;
        continue;
      }
      for (const rule of control.rules) {
        const c = rule.counts;
        const cells = [
          ...lead,
          rule.id,
          rule.title,
          rule.status,
          c.pass,
          c.fail,
          c.excepted,
          c.error,
          c.skip,
          manual,
        ];
        yield `${cells.map(csvField).join(",")}\r\n`;
      }
    }
  }
}

export const coverageRenderer: Renderer = {
  name: "coverage",
  extension: "coverage.csv",
  mediaType: "text/csv; charset=utf-8",
  render: (report, options) => chunked(coverageRows(report, options)),
};
