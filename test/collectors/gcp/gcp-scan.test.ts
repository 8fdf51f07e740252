import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGcpCollector } from "../../../src/collectors/gcp/index.js";
import { collectorLoaders } from "../../../src/collectors/registry.js";
import { resolveProfile } from "../../../src/core/profile.js";
import type { ScanReport } from "../../../src/core/report.js";
import { loadRules } from "../../../src/engine/load.js";
import { BUILTIN_RULES_DIR } from "../../../src/engine/paths.js";
import { runScan } from "../../../src/scan/run.js";
import { staticTokenAuth } from "../../emulators/gcp/credential.js";
import { gcpScenario, gcpIds as ids, ORG } from "../../emulators/gcp/scenario.js";
import { type GcpEmulator, startGcpEmulator } from "../../emulators/gcp/server.js";

const NOW = new Date("2026-06-01T12:00:00.000Z");
type Status = "pass" | "fail" | "error" | "skip";
const all = (ruleIds: string[], status: Status) => Object.fromEntries(ruleIds.map((r) => [r, status]));
const GCS = ["GCP-GCS-001", "GCP-GCS-002", "GCP-GCS-003", "GCP-GCS-004", "GCP-GCS-005", "GCP-GCS-006"];
const KMS = ["GCP-KMS-001", "GCP-KMS-002", "GCP-KMS-003", "GCP-KMS-004"];
const WS = ["GCP-WS-001", "GCP-WS-002", "GCP-WS-003", "GCP-WS-004"];

/** Every shipped GCP rule against the seeded organization: the exact status per rule and resource. */
const EXPECTED: Record<string, Record<string, Status>> = {
  [ids.bGood]: all(GCS, "pass"),
  [ids.bPublic]: all(GCS, "fail"),
  [ids.bIamDenied]: { ...all(GCS, "pass"), "GCP-GCS-002": "error" },
  [ids.bThrottled]: all(GCS, "pass"),
  // Nothing but a location in the replies: no iamConfiguration to judge (error), versioning, retention and
  // a default key off by their documented defaults (fail), and a policy without bindings (pass).
  [ids.bMinimal]: {
    "GCP-GCS-001": "error",
    "GCP-GCS-002": "pass",
    "GCP-GCS-003": "error",
    "GCP-GCS-004": "fail",
    "GCP-GCS-005": "fail",
    "GCP-GCS-006": "fail",
  },
  [ids.bConditional]: { ...all(GCS, "pass"), "GCP-GCS-002": "fail" },
  [ids.bRequesterPays]: all(GCS, "pass"),
  [ids.bProjB]: all(GCS, "pass"),
  "proj-denied/storage": all(GCS, "error"),
  // Symmetric keys: GCP-KMS-004 (RSA and EC key sizes) does not apply.
  [ids.kRotating]: { ...all(KMS, "pass"), "GCP-KMS-004": "skip" },
  [ids.kLong]: { "GCP-KMS-001": "pass", "GCP-KMS-002": "fail", "GCP-KMS-003": "fail", "GCP-KMS-004": "skip" },
  [ids.kNone]: { "GCP-KMS-001": "fail", "GCP-KMS-002": "skip", "GCP-KMS-003": "skip", "GCP-KMS-004": "skip" },
  // EC_SIGN_P256_SHA256 (its version template) meets the default profile's 256 bits.
  [ids.kSign]: { ...all(KMS, "skip"), "GCP-KMS-004": "pass" },
  [ids.kDisabled]: all(KMS, "skip"),
  "proj-denied/kms": all(KMS, "error"),
  [ids.sqlGood]: {
    "GCP-SQL-001": "pass",
    "GCP-SQL-002": "pass",
    "GCP-SQL-003": "pass",
    "GCP-SQL-004": "skip",
  },
  // A read replica has no backups of its own: skipped, not failed.
  [ids.sqlReplica]: {
    "GCP-SQL-001": "skip",
    "GCP-SQL-002": "skip",
    "GCP-SQL-003": "pass",
    "GCP-SQL-004": "skip",
  },
  // sslMode SSL_MODE_UNSPECIFIED does not override requireSsl: true.
  [ids.sqlUnspecified]: {
    "GCP-SQL-001": "pass",
    "GCP-SQL-002": "pass",
    "GCP-SQL-003": "pass",
    "GCP-SQL-004": "skip",
  },
  [ids.sqlBad]: {
    "GCP-SQL-001": "fail",
    "GCP-SQL-002": "fail",
    "GCP-SQL-003": "fail",
    "GCP-SQL-004": "fail",
  },
  [ids.sqlLegacy]: {
    "GCP-SQL-001": "pass",
    "GCP-SQL-002": "pass",
    "GCP-SQL-003": "pass",
    "GCP-SQL-004": "pass",
  },
  [ids.fwSsh]: { "GCP-FW-001": "fail", "GCP-FW-002": "pass" },
  [ids.fwAll]: { "GCP-FW-001": "fail", "GCP-FW-002": "fail" },
  [ids.fwInternal]: { "GCP-FW-001": "pass", "GCP-FW-002": "pass" },
  [ids.fwDisabled]: { "GCP-FW-001": "skip", "GCP-FW-002": "skip" },
  [ids.fwDeny]: { "GCP-FW-001": "skip", "GCP-FW-002": "skip" },
  [ids.fwRange]: { "GCP-FW-001": "pass", "GCP-FW-002": "fail" },
  "proj-b/compute": { "GCP-FW-001": "error", "GCP-FW-002": "error" },
  [ids.alice]: all(WS, "pass"),
  [ids.bob]: { "GCP-WS-001": "pass", "GCP-WS-002": "fail", "GCP-WS-003": "pass", "GCP-WS-004": "fail" },
  [ids.carol]: { "GCP-WS-001": "fail", "GCP-WS-002": "fail", "GCP-WS-003": "skip", "GCP-WS-004": "skip" },
  [ids.dave]: { "GCP-WS-001": "pass", "GCP-WS-002": "pass", "GCP-WS-003": "skip", "GCP-WS-004": "skip" },
  [ids.erin]: all(WS, "skip"),
  [ids.frank]: all(WS, "fail"),
  [ids.netDefault]: { "GCP-NET-001": "fail" },
  [ids.netProd]: { "GCP-NET-001": "pass" },
  // proj-a grants Owner to a user and has container scanning on; proj-b neither; proj-denied's policy is denied.
  [ids.projA]: { "GCP-IAM-001": "fail", "GCP-VULN-001": "pass" },
  [ids.projB]: { "GCP-IAM-001": "pass", "GCP-VULN-001": "fail" },
  [ids.projDenied]: { "GCP-IAM-001": "error", "GCP-VULN-001": "fail" },
  [ids.keyOld]: { "GCP-IAM-002": "fail" },
  [ids.keyNew]: { "GCP-IAM-002": "pass" },
  [ids.keyDisabled]: { "GCP-IAM-002": "skip" },
};

describe("assay scan of a seeded GCP organization and Workspace (real collector, real engine, shipped rules)", () => {
  let emulator: GcpEmulator;
  let report: ScanReport;
  const original = collectorLoaders.gcp;

  beforeAll(async () => {
    emulator = await startGcpEmulator(gcpScenario(NOW), { pageSize: 3 });
    // The registry entry is the production collector; only its credential differs in tests.
    collectorLoaders.gcp = async () => createGcpCollector({ auth: staticTokenAuth() });
    const ruleSet = await loadRules({ dirs: [BUILTIN_RULES_DIR] });
    ({ report } = await runScan({
      collectors: ["gcp"],
      ruleSet,
      ruleDirs: [BUILTIN_RULES_DIR],
      settings: {
        gcp: { endpoint: emulator.endpoint, organization: ORG, workspace: { customer: "my_customer" } },
      },
      now: NOW,
      // CIS GCP Foundations 1.10's 90-day rotation (the shipped default is 365): the yearly key fails.
      profile: resolveProfile({ keys: { rotationDays: 90 } }),
    }));
  });
  afterAll(async () => {
    if (original) collectorLoaders.gcp = original;
    await emulator?.close();
  });

  it("runs at least 15 GCP rules, including 2SV for every user and for admins", () => {
    const ids = report.rules.map((r) => r.id);
    expect(ids.every((id) => id.startsWith("GCP-"))).toBe(true);
    expect(ids.length).toBeGreaterThanOrEqual(15);
    expect(ids).toEqual(expect.arrayContaining(WS));
  });

  it("gives exactly the expected status per rule and resource", () => {
    const actual: Record<string, Record<string, string>> = {};
    for (const f of report.findings) {
      actual[f.resourceUid] ??= {};
      (actual[f.resourceUid] as Record<string, string>)[f.ruleId] = f.status;
    }
    expect(actual).toEqual(EXPECTED);
  });

  it("names the missing permission in denied findings", () => {
    const iam = report.findings.find((f) => f.resourceUid === ids.bIamDenied && f.ruleId === "GCP-GCS-002");
    expect(iam?.message).toContain("storage.buckets.getIamPolicy");
    const list = report.findings.find((f) => f.resourceUid === "proj-denied/kms");
    expect(list?.message).toContain("cloudkms.locations.list");
  });

  it("says why a check failed in the resource's terms", () => {
    const message = (uid: string, rule: string) =>
      report.findings.find((f) => f.resourceUid === uid && f.ruleId === rule)?.message;
    expect(message(ids.projA, "GCP-IAM-001")).toBe(
      "Basic roles granted to users in project proj-a: roles/owner to user:alice@example.com; roles/viewer to user:contractor@example.net.",
    );
    expect(message(ids.keyOld, "GCP-IAM-002")).toMatch(/^Key created .* \(profile maximum age: 90 days\)\.$/);
    expect(message(ids.netDefault, "GCP-NET-001")).toBe(
      "Project proj-a still has its default network (auto mode, 2 subnetworks).",
    );
    expect(message(ids.fwSsh, "GCP-FW-001")).toBe('TCP 22 is allowed from ["0.0.0.0/0"]');
    expect(message(ids.bPublic, "GCP-GCS-003")).toBe(
      "Public access prevention is inherited on the bucket and the organization policy constraint storage.publicAccessPrevention is not enforced on its project",
    );
    expect(message(ids.kLong, "GCP-KMS-002")).toBe("The key rotates every 365 days (profile limit: 90 days)");
    expect(message(ids.sqlBad, "GCP-SQL-002")).toBe("Point-in-time recovery is off (MYSQL_8_0)");
  });

  it("says which Workspace user lacks 2-step verification", () => {
    const carol = report.findings.find((f) => f.resourceUid === ids.carol && f.ruleId === "GCP-WS-001");
    expect(carol?.message).toBe("carol@example.com has not enrolled in 2-step verification");
  });
});
