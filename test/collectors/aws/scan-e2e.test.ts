import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../../src/core/report.js";
import { loadRules, type RuleSet } from "../../../src/engine/load.js";
import { BUILTIN_RULES_DIR } from "../../../src/engine/paths.js";
import { runScan } from "../../../src/scan/run.js";
import { SEED_NOW, seedWorld } from "../../emulators/aws/seed.js";
import { type RunningEmulator, startAwsEmulator } from "../../emulators/aws/server.js";
import { emulatorSettings } from "./harness.js";
import { EXPECTED_FINDINGS } from "./scan-e2e.expected.js";

/**
 * The whole path: the registry loads the AWS collector, the real SDK clients scan the seeded emulator, the
 * engine evaluates every shipped AWS rule. Each (rule, resource) must get exactly the expected status.
 */
let emu: RunningEmulator;
let ruleDir: string;
let ruleSet: RuleSet;
let report: ScanReport;

/** The shipped AWS rules only, copied with their folders, so other providers' rules do not affect this test. */
async function copyAwsRules(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "assay-aws-rules-"));
  for (const entry of await readdir(BUILTIN_RULES_DIR, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/^AWS-.*\.yaml$/.test(entry.name)) continue;
    const folder = entry.parentPath.slice(BUILTIN_RULES_DIR.length);
    await cp(join(entry.parentPath, entry.name), join(dir, folder, entry.name), { recursive: true });
  }
  return dir;
}

beforeAll(async () => {
  ruleDir = await copyAwsRules();
  ruleSet = await loadRules({ dirs: [ruleDir] });
  emu = await startAwsEmulator(seedWorld());
  const result = await runScan({
    collectors: ["aws"],
    ruleSet,
    ruleDirs: [ruleDir],
    settings: { aws: emulatorSettings(emu.url) },
    now: SEED_NOW,
  });
  report = result.report;
}, 120_000);

afterAll(async () => {
  await emu?.close();
  if (ruleDir) await rm(ruleDir, { recursive: true, force: true });
});

function findingKey(ruleId: string, resourceUid: string): string {
  const resource = report.resources.find((r) => r.uid === resourceUid);
  return `${ruleId} ${resource ? `${resource.type.replace(/^aws\./, "")}:${resource.name}` : resourceUid}`;
}

describe("assay scan of the seeded AWS emulator", () => {
  it("ships at least 25 AWS rules", () => {
    expect(ruleSet.rules.length).toBeGreaterThanOrEqual(25);
  });

  it("gives exactly the expected status for every rule and resource", () => {
    const actual = Object.fromEntries(
      report.findings
        .map((f) => [findingKey(f.ruleId, f.resourceUid), f.status])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
    expect(actual).toEqual(EXPECTED_FINDINGS);
  });

  it("names the missing permission in every error finding and never passes a denied fact", () => {
    const errors = report.findings.filter((f) => f.status === "error");
    expect(errors.length).toBeGreaterThan(0);
    for (const f of errors) expect(f.message).toContain("AccessDenied: s3:GetBucketLogging");
    const loggingRule = report.findings.filter((f) => f.ruleId === "AWS-S3-011");
    expect(loggingRule.map((f) => f.status)).toEqual(["error", "error", "error", "error"]);
    expect(report.collectorErrors).toEqual([]);
  });

  it("keeps evidence with its API source", () => {
    const f = report.findings.find(
      (x) => x.ruleId === "AWS-S3-001" && x.resourceUid === "arn:aws:s3:::log-bucket",
    );
    expect(f?.status).toBe("fail");
    expect(f?.evidence["encryption.blockedEncryptionTypes"]).toEqual({
      value: ["NONE"],
      source: "api: s3:GetBucketEncryption",
    });
  });
});

describe("a denial of a whole resource type", () => {
  it("turns every rule of that type into error naming the permission, never pass", async () => {
    const world = seedWorld();
    world.accounts.get("111111111111")?.denied.add("rds:DescribeDBInstances");
    const denied = await startAwsEmulator(world);
    try {
      const { report: r } = await runScan({
        collectors: ["aws"],
        ruleSet,
        ruleDirs: [ruleDir],
        settings: { aws: emulatorSettings(denied.url, { services: ["rds"] }) },
        now: SEED_NOW,
      });
      const rds = r.findings.filter((f) => f.resourceType === "aws.rds.instance");
      expect(rds.length).toBe(14); // seven RDS rules (AWS-RDS-001..005, AWS-VPC-002/003) x two regions
      for (const f of rds) {
        expect(f.status).toBe("error");
        expect(f.message).toContain("rds:DescribeDBInstances");
      }
      expect(r.collectorErrors.map((e) => e.permission)).toEqual([
        "rds:DescribeDBInstances",
        "rds:DescribeDBInstances",
      ]);
    } finally {
      await denied.close();
    }
  });
});
