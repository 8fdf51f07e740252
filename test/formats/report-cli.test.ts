import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/engine/paths.js";
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
  it("prints OCSF and JUnit from a real device scan with the shipped rules, valid against their schemas", async () => {
    const validate = ocsfValidator();
    const ocsf = runCli([
      "scan",
      "--format",
      "ocsf",
      "--json-out",
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
      "--json-out",
      join(dir, "device-scan-2.json"),
      "--no-progress",
    ]);
    expect([0, 1]).toContain(junit.code);
    expect(await validateJunitXml(junit.stdout)).toEqual([]);
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
    expect(new Set(rows.filter((r) => r[0] === "cyber-essentials").map((r) => r[2])).size).toBe(30);
    // The seed control statements too, manual ones with the evidence to gather by hand.
    const pen = rows.find((r) => r[0] === "seed-policies" && r[2] === "penetration-testing");
    expect(pen?.[4]).toBe("manual");
    expect(pen?.at(-1)).toMatch(/penetration test report/);
    expect(rows.find((r) => r[0] === "seed-policies" && r[2] === "encryption")?.[5]).toBeTruthy();
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

describe("one meaning for -o, and rule selection", () => {
  it("scan -f html -o FILE writes HTML there and the JSON report to --json-out", async () => {
    const html = join(dir, "review.html");
    const json = join(dir, "review.json");
    const run = runCli(["scan", "-f", "html", "-o", html, "--json-out", json, "--no-progress"]);
    expect(run.stderr).toBe("");
    expect([0, 1]).toContain(run.code);
    expect(run.stdout).toBe("");
    expect((await readFile(html, "utf8")).startsWith("<!DOCTYPE html>")).toBe(true);
    expect(JSON.parse(await readFile(json, "utf8")).schemaVersion).toBe(1);
  });

  it("scan -f json -o FILE saves the JSON report once, there", async () => {
    const outDir = join(dir, "unused-out-dir");
    const file = join(dir, "only.json");
    const run = runCli(["scan", "-f", "json", "-o", file, "--out-dir", outDir, "--no-progress"]);
    expect([0, 1]).toContain(run.code);
    expect(run.stdout).toBe("");
    expect(JSON.parse(await readFile(file, "utf8")).schemaVersion).toBe(1);
    expect(existsSync(outDir)).toBe(false);
  });

  it("--rules, --skip-rules and --min-severity choose the rules evaluated; unknown ids are refused", async () => {
    const listed = JSON.parse(runCli(["rules", "list", "--json"]).stdout) as {
      id: string;
      severity: string;
      resourceTypes: string[];
    }[];
    const device = listed.filter((r) => r.resourceTypes.includes("device"));
    const [a, b, c] = device;
    if (!a || !b || !c) throw new Error("fewer than 3 device rules");
    const scanWith = async (...flags: string[]) => {
      const file = join(dir, `sel-${flags.join("_").replace(/[^A-Za-z0-9]/g, "")}.json`);
      const run = runCli(["scan", "-f", "json", "-o", file, "--no-progress", ...flags]);
      expect(run.stderr).toBe("");
      const report = JSON.parse(await readFile(file, "utf8")) as {
        rules: { id: string; severity: string }[];
      };
      return report.rules;
    };
    expect((await scanWith("--rules", `${a.id},${b.id}`)).map((r) => r.id).sort()).toEqual(
      [a.id, b.id].sort(),
    );
    const skipped = (await scanWith("--rules", `${a.id},${b.id},${c.id}`, "--skip-rules", b.id)).map(
      (r) => r.id,
    );
    expect(skipped.sort()).toEqual([a.id, c.id].sort());
    const high = await scanWith("--min-severity", "high");
    expect(high.length).toBeGreaterThan(0);
    expect(high.every((r) => r.severity === "high" || r.severity === "critical")).toBe(true);
    expect(high.length).toBeLessThan(device.length);

    const unknown = runCli(["scan", "--rules", "NOPE-001", "--no-progress"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--rules: no loaded rule has the id NOPE-001");
    const folder = runCli(["scan", "--rules", "./my-rules", "--no-progress"]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain("--rule-dir");
    const badSeverity = runCli(["scan", "--min-severity", "severe", "--no-progress"]);
    expect(badSeverity.code).toBe(2);
    expect(badSeverity.stderr).toContain("--min-severity must be one of");
  });

  it("a reader that closes the pipe early ends the render quietly with exit 0", async () => {
    // Large enough that the output cannot fit in the pipe buffer before `head` exits.
    const report = JSON.parse(await readFile(reportFile, "utf8"));
    report.findings = Array.from({ length: 40 }, () => report.findings).flat();
    const big = join(dir, "big.json");
    await writeFile(big, JSON.stringify(report));
    const cli = join(PACKAGE_ROOT, "dist", "cli", "index.js");
    const run = spawnSync(
      "bash",
      [
        "-c",
        `"${process.execPath}" "${cli}" report render "${big}" -f ocsf-jsonl 2>"${dir}/pipe.err" | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"`,
      ],
      { encoding: "utf8" },
    );
    expect(run.stdout.trim()).toBe("0");
    expect(await readFile(join(dir, "pipe.err"), "utf8")).toBe("");
  });

  it("--excel and --sarif-results reach the renderers; misuse is a usage error", async () => {
    const csv = runCli(["report", "render", reportFile, "-f", "csv", "--excel"]);
    expect(csv.code).toBe(0);
    expect(csv.stdout.charCodeAt(0)).toBe(0xfeff);
    const all = runCli(["report", "render", reportFile, "-f", "sarif", "--sarif-results", "all"]);
    const report = JSON.parse(await readFile(reportFile, "utf8"));
    expect(JSON.parse(all.stdout).runs[0].results).toHaveLength(report.findings.length);
    const wrong = runCli(["report", "render", reportFile, "-f", "html", "--excel"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--excel applies to -f csv only");
  });
});
