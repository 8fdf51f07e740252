import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { parseCsv } from "./csv-parse.js";
import { buildRealScan } from "./real-scan.js";
import { ocsfValidator, sarifOasisValidator, validateJunitXml } from "./validators.js";

/** `assay report render` on saved reports, through the built CLI as a user runs it. */
let dir: string;
let reportFile: string;
let baselineFile: string;

beforeAll(async () => {
  const scan = await buildRealScan();
  dir = await mkdtemp(join(tmpdir(), "assay-report-cli-"));
  reportFile = join(dir, "scan.json");
  baselineFile = join(dir, "baseline.json");
  await writeFile(reportFile, JSON.stringify(scan.report));
  await writeFile(baselineFile, JSON.stringify(scan.baseline));
});

describe("assay scan --format", () => {
  it("prints OCSF and JUnit from a real device scan with the shipped rules, valid against their schemas", () => {
    const validate = ocsfValidator();
    const ocsf = runCli([
      "scan",
      "--format",
      "ocsf",
      "--out",
      join(dir, "device-scan.json"),
      "--no-progress",
    ]);
    expect(ocsf.stderr).toBe("");
    expect([0, 1]).toContain(ocsf.code); // 1 when a failure reaches --fail-on; the output is what matters
    const events = JSON.parse(ocsf.stdout) as unknown[];
    expect(events.length).toBeGreaterThan(5);
    for (const event of events) expect(validate(event)).toEqual([]);
    const junit = runCli([
      "scan",
      "--format",
      "junit",
      "--out",
      join(dir, "device-scan-2.json"),
      "--no-progress",
    ]);
    expect([0, 1]).toContain(junit.code);
    expect(validateJunitXml(junit.stdout)).toEqual([]);
  });
});

describe("assay report render", () => {
  it("writes the HTML report with the changes since a baseline", async () => {
    const out = join(dir, "out", "report.html");
    const run = runCli([
      "report",
      "render",
      reportFile,
      "--format",
      "html",
      "--baseline",
      baselineFile,
      "--out",
      out,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const html = await readFile(out, "utf8");
    expect(html).toContain('<svg id="pass-rate-chart"');
    expect(html).toContain('id="changes-regressed"');
  });

  it("writes SARIF to standard output when no file is given", () => {
    const run = runCli(["report", "render", reportFile, "--format", "sarif"]);
    expect(run.code).toBe(0);
    expect(sarifOasisValidator()(JSON.parse(run.stdout))).toEqual([]);
  });

  it("uses the shipped framework catalogues for coverage", async () => {
    const out = join(dir, "coverage.csv");
    expect(runCli(["report", "render", reportFile, "-f", "coverage", "-o", out]).code).toBe(0);
    const rows = parseCsv(await readFile(out, "utf8"));
    expect(new Set(rows.filter((r) => r[0] === "iso27001-2022").map((r) => r[2])).size).toBe(93);
    expect(new Set(rows.filter((r) => r[0] === "cyber-essentials").map((r) => r[2])).size).toBe(26);
  });

  it("refuses an unknown format and a file that is not a scan report, naming the problem", async () => {
    const unknown = runCli(["report", "render", reportFile, "--format", "pdf"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown format "pdf"; known: .*sarif/);
    const bad = join(dir, "bad.json");
    const report = JSON.parse(await readFile(reportFile, "utf8"));
    delete report.findings[0].ruleId;
    await writeFile(bad, JSON.stringify(report));
    const invalid = runCli(["report", "render", bad, "--format", "csv"]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("findings.0.ruleId");
    const noCatalogue = runCli([
      "report",
      "render",
      reportFile,
      "-f",
      "coverage",
      "--frameworks",
      join(dir, "none"),
    ]);
    expect(noCatalogue.code).toBe(2);
    expect(noCatalogue.stderr).toContain("framework folder not found");
    const missing = runCli(["report", "render", join(dir, "nope.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read");
  });
});
