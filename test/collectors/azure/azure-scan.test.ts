import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAzureCollector } from "../../../src/collectors/azure/index.js";
import { collectorLoaders } from "../../../src/collectors/registry.js";
import type { ScanReport } from "../../../src/core/report.js";
import { loadRules } from "../../../src/engine/load.js";
import { BUILTIN_RULES_DIR } from "../../../src/engine/paths.js";
import { runScan } from "../../../src/scan/run.js";
import { staticTokenCredential } from "../../emulators/azure/credential.js";
import { azureScenario, azureIds as ids, SUB_A, SUB_B } from "../../emulators/azure/scenario.js";
import { type ArmEmulator, startArmEmulator } from "../../emulators/azure/server.js";

const NOW = new Date("2026-06-01T12:00:00.000Z");
type Status = "pass" | "fail" | "error" | "skip";

/** Every shipped Azure rule against the seeded estate: the exact status per rule and resource. */
const EXPECTED: Record<string, Record<string, Status>> = {
  [ids.stGood]: {
    "AZ-ST-001": "pass",
    "AZ-ST-002": "pass",
    "AZ-ST-003": "pass",
    "AZ-ST-004": "pass",
    "AZ-ST-005": "pass",
    "AZ-ST-006": "pass", // Microsoft's management policy example: an enabled rule deletes base blobs
  },
  [ids.stBad]: {
    "AZ-ST-001": "fail",
    "AZ-ST-002": "fail",
    "AZ-ST-003": "fail",
    "AZ-ST-004": "fail",
    "AZ-ST-005": "fail",
    "AZ-ST-006": "fail", // a tiering rule only
  },
  [ids.stDenied]: {
    "AZ-ST-001": "error",
    "AZ-ST-002": "error",
    "AZ-ST-003": "error",
    "AZ-ST-004": "error",
    "AZ-ST-005": "error",
    "AZ-ST-006": "error",
  },
  [ids.stThrottled]: {
    "AZ-ST-001": "pass",
    "AZ-ST-002": "pass",
    "AZ-ST-003": "pass",
    "AZ-ST-004": "pass",
    "AZ-ST-005": "pass",
    "AZ-ST-006": "fail", // ManagementPolicyNotFound: no lifecycle policy
  },
  [ids.kvGood]: { "AZ-KV-001": "pass", "AZ-KV-002": "pass" },
  [ids.kvBad]: {
    "AZ-KV-001": "fail",
    // enablePurgeProtection is not in the reply: not reported, so not judged.
    "AZ-KV-002": "error",
    "AZ-KV-003": "error",
    "AZ-KV-004": "error",
    "AZ-KV-005": "error",
    "AZ-KV-006": "error",
  },
  [ids.keyRotating]: { "AZ-KV-003": "pass", "AZ-KV-004": "pass", "AZ-KV-005": "pass", "AZ-KV-006": "pass" },
  [ids.keyStatic]: { "AZ-KV-003": "fail", "AZ-KV-004": "skip", "AZ-KV-005": "fail", "AZ-KV-006": "pass" },
  [ids.diskCmk]: { "AZ-DISK-001": "pass", "AZ-DISK-002": "pass" },
  [ids.diskPmk]: { "AZ-DISK-001": "fail", "AZ-DISK-002": "fail" },
  [ids.vmProtected]: { "AZ-BAK-001": "pass", "AZ-BAK-002": "pass" },
  [ids.vmStale]: { "AZ-BAK-001": "pass", "AZ-BAK-002": "fail" },
  [ids.vmUnprotected]: { "AZ-BAK-001": "fail", "AZ-BAK-002": "skip" },
  [ids.rsvGood]: { "AZ-BAK-003": "pass" },
  [ids.rsvNoSoftDelete]: { "AZ-BAK-003": "fail" },
  [ids.nsgSsh]: { "AZ-NSG-001": "fail", "AZ-NSG-002": "pass" },
  [ids.nsgRdp]: { "AZ-NSG-001": "pass", "AZ-NSG-002": "fail" },
  [ids.nsgShadowed]: { "AZ-NSG-001": "pass", "AZ-NSG-002": "pass" },
  [ids.nsgPrivate]: { "AZ-NSG-001": "pass", "AZ-NSG-002": "pass" },
  [ids.sqlGood]: { "AZ-SQL-002": "pass", "AZ-SQL-003": "pass", "AZ-SQL-004": "pass" },
  [ids.sqlBad]: { "AZ-SQL-002": "fail", "AZ-SQL-003": "skip", "AZ-SQL-004": "fail" },
  [ids.dbGood]: { "AZ-SQL-001": "pass" },
  [ids.dbBad]: { "AZ-SQL-001": "fail" },
  // Microsoft's published example bodies, omitted fields included (test/emulators/azure/examples.ts).
  [ids.stExample]: {
    "AZ-ST-001": "fail",
    "AZ-ST-002": "fail", // minimumTlsVersion omitted: the documented default, TLS 1.0
    "AZ-ST-003": "pass", // allowBlobPublicAccess omitted: the documented default, false
    "AZ-ST-004": "error", // requireInfrastructureEncryption omitted, no documented default
    "AZ-ST-005": "fail",
    "AZ-ST-006": "fail",
  },
  // enableRbacAuthorization omitted: Azure documents the default as false (access policies).
  [ids.kvExample]: { "AZ-KV-001": "fail", "AZ-KV-002": "error" },
  [ids.keyExample]: {
    "AZ-KV-003": "error",
    "AZ-KV-004": "error",
    "AZ-KV-005": "fail",
    "AZ-KV-006": "pass", // RSA 2048 meets the default profile
  },
  [ids.diskExample]: { "AZ-DISK-001": "fail", "AZ-DISK-002": "error" },
  [ids.diskSetOnly]: { "AZ-DISK-001": "pass", "AZ-DISK-002": "error" },
  [ids.rsvExample]: { "AZ-BAK-003": "pass" },
  [ids.rsvLegacy]: { "AZ-BAK-003": "fail" },
  [ids.sqlExample]: { "AZ-SQL-002": "fail", "AZ-SQL-003": "skip", "AZ-SQL-004": "error" },
  [ids.sqlNoRetention]: { "AZ-SQL-002": "pass", "AZ-SQL-003": "error", "AZ-SQL-004": "pass" },
  [ids.nsgExample]: { "AZ-NSG-001": "pass", "AZ-NSG-002": "pass" },
  [ids.subnetApp]: { "AZ-NET-001": "pass" },
  [ids.subnetData]: { "AZ-NET-001": "fail" },
  [ids.subnetGateway]: { "AZ-NET-001": "skip" },
  [ids.vnetDenied]: { "AZ-NET-001": "error" },
  [ids.lawExample]: { "AZ-LOG-001": "fail" }, // 30 days (Free) against the default 90
  [ids.lawLong]: { "AZ-LOG-001": "pass" },
  // Microsoft's ListPricings example: Servers P2 and Containers on; owners' MFA needs Graph (not configured).
  [ids.subscriptionA]: { "AZ-DEF-001": "pass", "AZ-DEF-002": "pass", "AZ-ENTRA-002": "error" },
};

describe("assay scan of a seeded Azure estate (real collector, real engine, shipped rules)", () => {
  let emulator: ArmEmulator;
  let report: ScanReport;
  const original = collectorLoaders.azure;

  beforeAll(async () => {
    emulator = await startArmEmulator(azureScenario(NOW), { pageSize: 5 });
    // The registry entry is the production collector; only its credential and CA differ in tests.
    const agent = emulator.agent;
    collectorLoaders.azure = async () => createAzureCollector({ credential: staticTokenCredential(), agent });
    const ruleSet = await loadRules({ dirs: [BUILTIN_RULES_DIR] });
    ({ report } = await runScan({
      collectors: ["azure"],
      ruleSet,
      ruleDirs: [BUILTIN_RULES_DIR],
      settings: { azure: { endpoint: emulator.endpoint, concurrency: 8 } },
      now: NOW,
    }));
  });
  afterAll(async () => {
    if (original) collectorLoaders.azure = original;
    await emulator?.close();
  });

  it("runs at least 15 Azure rules", () => {
    expect(report.rules.filter((r) => r.id.startsWith("AZ-")).length).toBeGreaterThanOrEqual(15);
    expect(report.rules.every((r) => r.id.startsWith("AZ-"))).toBe(true);
  });

  it("gives exactly the expected status per rule and resource", () => {
    const actual: Record<string, Record<string, string>> = {};
    for (const f of report.findings.filter((f) => f.resourceUid !== SUB_B)) {
      actual[f.resourceUid] ??= {};
      (actual[f.resourceUid] as Record<string, string>)[f.ruleId] = f.status;
    }
    expect(actual).toEqual(EXPECTED);
  });

  it("turns the denied subscription into an error for every Azure rule, naming the permission", () => {
    const denied = report.findings.filter((f) => f.resourceUid === SUB_B);
    // Entra ID users belong to the tenant (Microsoft Graph, not configured here), not to a subscription.
    expect(denied.map((f) => f.ruleId).sort()).toEqual(
      report.rules
        .map((r) => r.id)
        .filter((id) => id !== "AZ-ENTRA-001")
        .sort(),
    );
    expect(
      denied.every(
        (f) => f.status === "error" && f.message.includes("Microsoft.Resources/subscriptions/resources/read"),
      ),
    ).toBe(true);
  });

  it("names the missing permission in error findings for unreadable facts", () => {
    const finding = report.findings.find((f) => f.resourceUid === ids.stDenied && f.ruleId === "AZ-ST-001");
    expect(finding?.message).toContain("Microsoft.Storage/storageAccounts/read");
  });

  it("says a key's rotation policy was not reported, instead of failing the key", () => {
    const finding = report.findings.find((f) => f.resourceUid === ids.keyExample && f.ruleId === "AZ-KV-003");
    expect(finding?.status).toBe("error");
    expect(finding?.message).toContain("not reported by the API");
  });

  it("says why a check failed in the resource's terms", () => {
    const message = (uid: string, rule: string) =>
      report.findings.find((f) => f.resourceUid === uid && f.ruleId === rule)?.message;
    expect(message(ids.subnetData, "AZ-NET-001")).toBe(
      "Subnet vnet-prod/data (10.0.2.0/24) has no network security group.",
    );
    expect(message(ids.lawExample, "AZ-LOG-001")).toBe("Workspace keeps data 30 days (profile minimum: 90).");
    expect(message(ids.stThrottled, "AZ-ST-006")).toBe(
      "Storage account stthrottled has no lifecycle management policy: blobs are never deleted.",
    );
    expect(message(ids.dbBad, "AZ-SQL-001")).toBe(
      "Transparent data encryption is off for database legacy of server sql-bad",
    );
    expect(message(ids.diskPmk, "AZ-DISK-001")).toBe(
      "Disk disk-pmk is encrypted with EncryptionAtRestWithPlatformKey, not a customer-managed key",
    );
    expect(message(ids.sqlBad, "AZ-SQL-004")).toBe(
      "SQL server sql-bad accepts TLS older than 1.2 (minimalTlsVersion 1.0)",
    );
  });
});

describe("assay scan of Entra ID users and subscription owners (Microsoft Graph configured)", () => {
  it("fails users and owners without MFA", async () => {
    const emulator = await startArmEmulator(azureScenario(NOW));
    const original = collectorLoaders.azure;
    try {
      const agent = emulator.agent;
      collectorLoaders.azure = async () =>
        createAzureCollector({ credential: staticTokenCredential(), agent });
      const ruleSet = await loadRules({ dirs: [BUILTIN_RULES_DIR] });
      const entraRules = ruleSet.rules.filter((r) => r.definition.id.startsWith("AZ-ENTRA-"));
      const { report } = await runScan({
        collectors: ["azure"],
        ruleSet: { ...ruleSet, rules: entraRules },
        ruleDirs: [BUILTIN_RULES_DIR],
        settings: {
          azure: {
            endpoint: emulator.endpoint,
            subscriptions: [SUB_A],
            entra: { endpoint: emulator.endpoint },
          },
        },
        now: NOW,
      });
      const names = new Map(report.resources.map((r) => [r.uid, r.name]));
      const status = Object.fromEntries(
        report.findings.map((f) => [`${f.ruleId} ${names.get(f.resourceUid)}`, f.status]),
      );
      expect(status).toEqual({
        "AZ-ENTRA-001 AlexW@Contoso.com": "pass",
        "AZ-ENTRA-001 AllanD@Contoso.com": "fail",
        "AZ-ENTRA-001 BiancaP@Contoso.com": "pass",
        // Allan owns the subscription without MFA: a failure, whatever the unlisted owner would have been.
        [`AZ-ENTRA-002 ${SUB_A}`]: "fail",
      });
    } finally {
      if (original) collectorLoaders.azure = original;
      await emulator.close();
    }
  });
});
