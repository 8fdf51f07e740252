import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ScanReportSchema } from "../../src/core/report.js";
import { runCli } from "../helpers/cli.js";
import { makeRuleDir } from "../helpers/rule-dir.js";

/** The quick start's scan, for real, on this machine. */
describe("assay scan (device, this machine)", () => {
  let dir: string;
  let json: ReturnType<typeof runCli>;
  let imports: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "assay-scan-"));
    const log = join(dir, "imports.log");
    json = runCli(["scan", "--format", "json", "--json-out", join(dir, "report.json")], {
      env: {
        NODE_OPTIONS: `--import=${join(import.meta.dirname, "..", "helpers", "record-imports.mjs")}`,
        ASSAY_IMPORT_LOG: log,
      },
    });
    imports = (await readFile(log, "utf8")).split("\n").filter(Boolean);
  });

  it("writes a valid report with at least 14 device findings, each with evidence and controls", async () => {
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    const report = ScanReportSchema.parse(JSON.parse(await readFile(join(dir, "report.json"), "utf8")));
    expect(JSON.parse(json.stdout).id).toBe(report.id);
    const device = report.findings.filter((f) => f.resourceType === "device");
    expect(device.length).toBeGreaterThanOrEqual(14);
    for (const finding of device) {
      expect(Object.keys(finding.evidence).length, finding.ruleId).toBeGreaterThan(0);
      expect(finding.controls.length, finding.ruleId).toBeGreaterThan(0);
    }
    // Conclusive: what could not be evaluated is the exception, not the rule.
    expect(device.filter((f) => f.status === "pass" || f.status === "fail").length).toBeGreaterThanOrEqual(
      10,
    );
    expect(report.resources).toHaveLength(1);
    const resource = report.resources[0];
    for (const key of Object.keys(resource?.attributes ?? {}))
      expect(resource?.sources[key], key).toBeTruthy();
  });

  it("loads no cloud SDK and no store code", () => {
    expect(imports.length).toBeGreaterThan(10);
    const heavy = imports.filter((url) =>
      /@aws-sdk|@smithy|@azure|googleapis|google-auth|\/fastify\/|kysely|better-sqlite3|\/pg\/|\/src\/store\/|\/dist\/store\//.test(
        url,
      ),
    );
    expect(heavy).toEqual([]);
  });

  it("prints the summary table and where the report went", async () => {
    const table = runCli(["scan", "--out-dir", dir]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("By policy");
    expect(table.stdout).toContain("By severity");
    expect(table.stdout).toMatch(new RegExp(`report: ${dir}/assay-.*\\.json`));
  });

  it("--fail-on sets the exit code for pipelines, and an exception keeps the failure visible but excepted", async () => {
    const rules = await makeRuleDir({
      "remote-access/CUS-100.yaml": `id: CUS-100
title: This host has a name nobody uses
severity: high
resource: device
policy: remote-access
assert: resource.attributes.hostname == "no-such-host-anywhere"
evidence: [hostname]
remediation: Rename the host.
`,
      "exceptions.yaml": `exceptions:
  - rule: CUS-100
    owner: lead@example.com
    reason: demonstration
    expires: 2999-12-31
`,
    });
    const base = ["scan", "--no-builtin-rules", "--rule-dir", rules, "--out-dir", dir];
    expect(runCli([...base, "--fail-on", "critical"]).code).toBe(0);
    const failing = runCli([...base, "--fail-on", "high"]);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain("CUS-100");
    const excepted = runCli([...base, "--fail-on", "high", "--exceptions", join(rules, "exceptions.yaml")]);
    expect(excepted.code).toBe(0);
    expect(excepted.stdout).toContain("[excepted: lead@example.com until 2999-12-31: demonstration]");
  });

  it("--fail-on counts checks that could not run; --allow-errors and scan.allowErrors opt out", async () => {
    const rules = await makeRuleDir({
      // int("not a number") raises at evaluation on every machine: a check that cannot run.
      "remote-access/CUS-101.yaml": `id: CUS-101
title: A check that cannot be evaluated
severity: high
resource: device
policy: remote-access
assert: int("not a number") == 1
evidence: [hostname]
remediation: None.
`,
    });
    const config = join(dir, "assay-allow-errors.yaml");
    await writeFile(config, "scan:\n  allowErrors: true\n");
    const base = ["scan", "--no-builtin-rules", "--rule-dir", rules, "--out-dir", dir];
    const gated = runCli([...base, "--fail-on", "high"]);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toContain("fail-on high: 1 check(s) at or above high could not run (status error)");
    expect(runCli([...base, "--fail-on", "critical"]).code).toBe(0);
    expect(runCli([...base, "--fail-on", "high", "--allow-errors"]).code).toBe(0);
    expect(runCli([...base, "--fail-on", "high", "--config", config]).code).toBe(0);
  });
});
