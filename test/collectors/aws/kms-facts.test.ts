import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../../src/core/report.js";
import { loadRules } from "../../../src/engine/load.js";
import { BUILTIN_RULES_DIR } from "../../../src/engine/paths.js";
import { runScan } from "../../../src/scan/run.js";
import { MAIN, SEED_NOW, seedWorld } from "../../emulators/aws/seed.js";
import { type RunningEmulator, startAwsEmulator } from "../../emulators/aws/server.js";
import { emulatorSettings } from "./harness.js";

/**
 * KMS keys on the collector kit, end to end: the real KMS client against the emulator, whose
 * GetKeyRotationStatus omits RotationPeriodInDays for one key (the field is optional in the API reference,
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html). The fact must stay
 * absent and AWS-KMS-002 must give `error`, not `pass` (issue 11).
 */
let emu: RunningEmulator;
let report: ScanReport;

beforeAll(async () => {
  const world = seedWorld();
  const account = world.accounts.get(MAIN);
  if (!account) throw new Error("seed has no main account");
  const base = account.keys.find((k) => k.keyId === "k-rotating");
  if (!base) throw new Error("seed has no k-rotating key");
  account.keys.push({ ...base, keyId: "k-noperiod", aliases: [], rotation: { enabled: true } });
  emu = await startAwsEmulator(world);
  const ruleSet = await loadRules({ dirs: [join(BUILTIN_RULES_DIR, "key-management")] });
  const result = await runScan({
    collectors: ["aws"],
    ruleSet,
    ruleDirs: [join(BUILTIN_RULES_DIR, "key-management")],
    settings: { aws: emulatorSettings(emu.url, { services: ["kms"], regions: ["us-east-1", "eu-west-1"] }) },
    now: SEED_NOW,
  });
  report = result.report;
}, 120_000);

afterAll(async () => {
  await emu?.close();
});

const statusOf = (rule: string, keyName: string) => {
  const resource = report.resources.find((r) => r.type === "aws.kms.key" && r.name === keyName);
  return report.findings.find((f) => f.ruleId === rule && f.resourceUid === resource?.uid)?.status;
};

describe("KMS keys declared on the kit", () => {
  it("keeps a rotation period the API did not return absent", () => {
    const key = report.resources.find((r) => r.name === "k-noperiod");
    expect(key?.attributes.rotation).toEqual({ enabled: true });
    expect(key?.sources.rotation).toBe("api: kms:GetKeyRotationStatus");
    const yearly = report.resources.find((r) => r.name === "alias/app");
    expect(yearly?.attributes.rotation).toEqual({ enabled: true, periodDays: 365 });
  });

  it("AWS-KMS-002 gives error for the unreported period, pass and fail for reported ones", () => {
    expect(statusOf("AWS-KMS-002", "k-noperiod")).toBe("error");
    expect(statusOf("AWS-KMS-002", "alias/app")).toBe("pass");
    expect(statusOf("AWS-KMS-002", "k-long")).toBe("fail");
    expect(statusOf("AWS-KMS-001", "k-noperiod")).toBe("pass");
  });

  it("records DescribeKey fields as returned, without defaults", () => {
    const managed = report.resources.find((r) => r.name === "alias/aws/s3");
    expect(managed?.attributes).toMatchObject({
      keyManager: "AWS",
      keySpec: "SYMMETRIC_DEFAULT",
      origin: "AWS_KMS",
    });
    // AWS managed keys are not asked for their rotation status: the fact is absent and the rules skip them.
    expect(managed?.attributes).not.toHaveProperty("rotation");
    expect(report.collectorErrors).toEqual([]);
  });
});
