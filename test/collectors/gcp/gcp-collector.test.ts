import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { factsSchemaFor } from "../../../src/core/facts/index.js";
import { ResourceSchema } from "../../../src/core/resource.js";
import { CUSTOMER, gcpScenario, gcpIds as ids, ORG } from "../../emulators/gcp/scenario.js";
import { type GcpEmulator, startGcpEmulator } from "../../emulators/gcp/server.js";
import { type Collected, collectGcp } from "./collect.js";

const NOW = new Date("2026-06-01T12:00:00.000Z");

describe("GCP collector against the Google API emulator", () => {
  let emulator: GcpEmulator;
  let collected: Collected;

  beforeAll(async () => {
    // Page size 2 makes every list follow nextPageToken.
    emulator = await startGcpEmulator(gcpScenario(NOW), { pageSize: 2 });
    collected = await collectGcp(
      emulator,
      { organization: ORG, workspace: { customer: "my_customer" }, concurrency: 4 },
      NOW,
    );
  });
  afterAll(async () => emulator?.close());

  const attrs = (uid: string) => collected.resources.get(uid)?.attributes;

  it("emits valid resources for every active project under the organization, through nested folders", () => {
    for (const resource of collected.resources.values()) {
      const parsed = ResourceSchema.parse(resource);
      expect(factsSchemaFor(parsed.type)?.safeParse(parsed.attributes).success, parsed.uid).toBe(true);
    }
    const projects = new Set(
      [...collected.resources.values()].filter((r) => r.type !== "gcp.workspace.user").map((r) => r.account),
    );
    expect([...projects].sort()).toEqual(["proj-a", "proj-b"]);
    expect(collected.resources.size).toBe(5 + 5 + 3 + 6 + 6);
    // Deleted folders and projects, and projects of another organization, are not scanned.
    expect(
      emulator.requests.some((r) => r.path.includes("proj-old") || r.path.includes("proj-elsewhere")),
    ).toBe(false);
  });

  it("normalises bucket settings and public IAM members", () => {
    expect(attrs(ids.bGood)).toEqual({
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioningEnabled: true,
      retention: { enabled: true, periodDays: 30, locked: true },
      encryption: {
        cmek: true,
        defaultKmsKeyName: "projects/proj-a/locations/europe-west1/keyRings/ring-1/cryptoKeys/rotating",
      },
      location: "EU",
      publicMembers: [],
      publicRoles: [],
    });
    expect(attrs(ids.bPublic)).toEqual({
      uniformBucketLevelAccess: false,
      publicAccessPrevention: "inherited",
      versioningEnabled: false,
      retention: { enabled: false, locked: false },
      encryption: { cmek: false },
      location: "US-CENTRAL1",
      publicMembers: ["allAuthenticatedUsers", "allUsers"],
      publicRoles: ["roles/storage.legacyBucketReader", "roles/storage.objectViewer"],
    });
    expect(collected.resources.get(ids.bGood)?.tags).toEqual({ team: "data" });
    expect(collected.resources.get(ids.bGood)?.region).toBe("eu");
  });

  it("marks bucket IAM unreadable when getIamPolicy is denied, naming the permission", () => {
    const denied = collected.resources.get(ids.bIamDenied);
    expect(denied?.unreadable).toEqual({
      publicMembers: "PERMISSION_DENIED: storage.buckets.getIamPolicy",
      publicRoles: "PERMISSION_DENIED: storage.buckets.getIamPolicy",
    });
    expect(denied?.attributes?.uniformBucketLevelAccess).toBe(true);
  });

  it("honours 429 Retry-After and then reads", () => {
    const hits = emulator.requests
      .filter((r) => r.path === "/storage/v1/b/a-throttled/iam")
      .map((r) => r.status);
    expect(hits).toEqual([429, 200]);
    expect(attrs(ids.bThrottled)?.publicMembers).toEqual([]);
    expect(
      emulator.requests.filter((r) => r.path === "/v1/projects/proj-b/locations").map((r) => r.status),
    ).toEqual([429, 200]);
  });

  it("reads KMS keys across locations and key rings", () => {
    expect(attrs(ids.kRotating)).toEqual({
      purpose: "ENCRYPT_DECRYPT",
      state: "ENABLED",
      protectionLevel: "SOFTWARE",
      algorithm: "GOOGLE_SYMMETRIC_ENCRYPTION",
      rotationPeriodDays: 90,
      nextRotationTime: "2026-07-01T12:00:00.000Z",
      keyRing: "projects/proj-a/locations/europe-west1/keyRings/ring-1",
    });
    expect(attrs(ids.kLong)).toMatchObject({
      rotationPeriodDays: 365,
      nextRotationTime: "2026-05-30T12:00:00.000Z",
    });
    expect(attrs(ids.kNone)).not.toHaveProperty("rotationPeriodDays");
    expect(attrs(ids.kSign)).toEqual({
      purpose: "ASYMMETRIC_SIGN",
      protectionLevel: "SOFTWARE",
      algorithm: "EC_SIGN_P256_SHA256",
      keyRing: "projects/proj-a/locations/europe-west1/keyRings/ring-1",
    });
    expect(attrs(ids.kDisabled)).toMatchObject({ state: "DISABLED" });
    expect(collected.resources.get(ids.kRotating)?.name).toBe("ring-1/rotating");
  });

  it("reads Cloud SQL backups, PITR and SSL", () => {
    expect(attrs(ids.sqlGood)).toEqual({
      databaseVersion: "POSTGRES_15",
      backupEnabled: true,
      pointInTimeRecoveryEnabled: true,
      sslRequired: true,
      sslMode: "ENCRYPTED_ONLY",
      publicIp: false,
      openToInternet: false,
    });
    expect(attrs(ids.sqlBad)).toEqual({
      databaseVersion: "MYSQL_8_0",
      backupEnabled: false,
      pointInTimeRecoveryEnabled: false,
      sslRequired: false,
      sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
      publicIp: true,
      openToInternet: true,
    });
    expect(attrs(ids.sqlLegacy)).toMatchObject({
      pointInTimeRecoveryEnabled: true,
      sslRequired: true,
      openToInternet: false,
    });
  });

  it("decides which firewall rules open SSH/RDP to the internet", () => {
    const open = (uid: string) => [attrs(uid)?.sshOpenToInternet, attrs(uid)?.rdpOpenToInternet];
    expect(open(ids.fwSsh)).toEqual([true, false]);
    expect(open(ids.fwAll)).toEqual([true, true]);
    expect(open(ids.fwInternal)).toEqual([false, false]);
    expect(open(ids.fwDisabled)).toEqual([false, false]);
    expect(open(ids.fwDeny)).toEqual([false, false]);
    expect(open(ids.fwRange)).toEqual([false, true]);
    expect(attrs(ids.fwRange)).toMatchObject({
      action: "allow",
      ports: ["tcp:3000-4000", "udp"],
      network: "default",
    });
    expect(attrs(ids.fwDeny)).toMatchObject({ action: "deny", priority: 100 });
  });

  it("reads Workspace users' 2-step verification and admin status", () => {
    expect(attrs(ids.alice)).toEqual({
      primaryEmail: "alice@example.com",
      isAdmin: true,
      isDelegatedAdmin: false,
      isEnrolledIn2Sv: true,
      isEnforcedIn2Sv: true,
      suspended: false,
      archived: false,
      lastLoginTime: "2026-05-30T09:00:00.000Z",
    });
    expect(attrs(ids.bob)).toMatchObject({ isAdmin: true, isEnforcedIn2Sv: false });
    expect(attrs(ids.erin)).toMatchObject({ suspended: true });
    expect(attrs(ids.erin)).not.toHaveProperty("lastLoginTime");
    expect(collected.resources.get(ids.frank)?.account).toBe(CUSTOMER);
  });

  it("reports denied lists as collector errors for their type, and disabled APIs not at all", () => {
    const summary = collected.errors.map((e) => [e.scope, e.permission, e.resourceTypes.join(",")]).sort();
    expect(summary).toEqual([
      ["proj-b/compute", "compute.firewalls.list", "gcp.compute.firewall"],
      ["proj-denied/kms", "cloudkms.locations.list", "gcp.kms.cryptoKey"],
      ["proj-denied/storage", "storage.buckets.list", "gcp.storage.bucket"],
    ]);
  });
});

describe("GCP collector settings", () => {
  it("scans only configured projects, without Resource Manager, and skips Workspace unless configured", async () => {
    const emulator = await startGcpEmulator(gcpScenario(NOW));
    try {
      const { resources, errors } = await collectGcp(emulator, { projects: ["proj-b"] }, NOW);
      expect([...resources.keys()]).toEqual([ids.bProjB]);
      expect(errors.map((e) => e.scope)).toEqual(["proj-b/compute"]);
      expect(emulator.requests.some((r) => r.path.startsWith("/v3/") || r.path.startsWith("/admin/"))).toBe(
        false,
      );
    } finally {
      await emulator.close();
    }
  });

  it("lists every visible project when no organization or folder is given", async () => {
    const emulator = await startGcpEmulator(gcpScenario(NOW));
    try {
      const { resources } = await collectGcp(emulator, {}, NOW);
      const projects = new Set([...resources.values()].map((r) => r.account));
      expect([...projects].sort()).toEqual(["proj-a", "proj-b"]);
      expect(emulator.requests.some((r) => r.path === "/v3/projects:search")).toBe(true);
      expect(emulator.requests.some((r) => r.path.includes("proj-old"))).toBe(false);
    } finally {
      await emulator.close();
    }
  });

  it("reports a denied Workspace directory for the user type", async () => {
    const scenario = gcpScenario(NOW);
    scenario.faults = [
      { path: "/admin/directory/v1/users", status: 403, permission: "admin.directory.users.list" },
    ];
    const emulator = await startGcpEmulator(scenario);
    try {
      const { errors } = await collectGcp(
        emulator,
        { projects: ["proj-b"], workspace: { customer: "my_customer" } },
        NOW,
      );
      expect(errors).toEqual([
        expect.objectContaining({
          scope: "workspace/my_customer",
          code: "PERMISSION_DENIED",
          resourceTypes: ["gcp.workspace.user"],
        }),
      ]);
    } finally {
      await emulator.close();
    }
  });

  it("reports a denied organization walk for every project type", async () => {
    const scenario = gcpScenario(NOW);
    scenario.faults = [{ path: "/v3/folders", status: 403, permission: "resourcemanager.folders.list" }];
    const emulator = await startGcpEmulator(scenario);
    try {
      const { resources, errors } = await collectGcp(emulator, { organization: "100" }, NOW);
      expect(resources.size).toBe(0);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ scope: "100", permission: "resourcemanager.folders.list" });
      expect(errors[0]?.resourceTypes).toHaveLength(4);
    } finally {
      await emulator.close();
    }
  });

  it("sends each API to its own endpoint when `endpoints` names one", async () => {
    const emulator = await startGcpEmulator(gcpScenario(NOW));
    try {
      // Compute goes to a closed loopback port; everything else to the emulator.
      const { resources, errors } = await collectGcp(
        emulator,
        { projects: ["proj-a"], endpoints: { compute: "http://127.0.0.1:1/" } },
        NOW,
      );
      expect(errors.map((e) => [e.scope, e.resourceTypes.join()])).toEqual([
        ["proj-a/compute", "gcp.compute.firewall"],
      ]);
      expect(emulator.requests.some((r) => r.path.startsWith("/compute/"))).toBe(false);
      expect([...resources.values()].some((r) => r.type === "gcp.storage.bucket")).toBe(true);
    } finally {
      await emulator.close();
    }
  });

  it("reports a listed item it cannot understand instead of dropping it", async () => {
    const scenario = gcpScenario(NOW);
    scenario.firewalls?.["proj-a"]?.push({ name: "odd", direction: "INGRESS", allowed: [{ ports: ["22"] }] });
    const emulator = await startGcpEmulator(scenario);
    try {
      const { resources, errors } = await collectGcp(emulator, { projects: ["proj-a"] }, NOW);
      expect(errors).toEqual([
        expect.objectContaining({
          scope: "proj-a/compute",
          code: "INVALID_REPLY",
          message: expect.stringContaining("allowed.0.IPProtocol"),
          resourceTypes: ["gcp.compute.firewall"],
        }),
      ]);
      expect([...resources.values()].filter((r) => r.type === "gcp.compute.firewall")).toHaveLength(6);
    } finally {
      await emulator.close();
    }
  });

  it("leaves facts unreadable when throttling outlasts maxRetries", async () => {
    const scenario = gcpScenario(NOW);
    scenario.faults = [{ path: "/storage/v1/b/b-logs/iam", status: 429, retryAfterSeconds: 0 }];
    const emulator = await startGcpEmulator(scenario);
    try {
      const { resources } = await collectGcp(emulator, { projects: ["proj-b"], maxRetries: 1 }, NOW);
      expect(resources.get(ids.bProjB)?.unreadable?.publicMembers).toBe(
        "RESOURCE_EXHAUSTED: throttled after retries",
      );
      expect(
        emulator.requests.filter((r) => r.path === "/storage/v1/b/b-logs/iam").map((r) => r.status),
      ).toEqual([429, 429]);
    } finally {
      await emulator.close();
    }
  });

  it("gives up on a call that does not answer within timeoutSeconds", async () => {
    const scenario = gcpScenario(NOW);
    scenario.faults = [{ path: "/storage/v1/b/b-logs/iam", delayMs: 5_000 }];
    const emulator = await startGcpEmulator(scenario);
    try {
      const { resources } = await collectGcp(
        emulator,
        { projects: ["proj-b"], timeoutSeconds: 0.5, maxRetries: 0 },
        NOW,
      );
      expect(resources.get(ids.bProjB)?.unreadable?.publicMembers).toBe(
        "TIMEOUT: no answer within the configured timeout",
      );
      expect(resources.get(ids.bProjB)?.attributes?.versioningEnabled).toBe(true);
    } finally {
      await emulator.close();
    }
  });

  it("rejects invalid settings with a sentence", async () => {
    const emulator = await startGcpEmulator(gcpScenario(NOW));
    try {
      await expect(collectGcp(emulator, { workspace: { subject: "not-an-email" } }, NOW)).rejects.toThrow(
        /gcp settings: workspace.subject/,
      );
    } finally {
      await emulator.close();
    }
  });
});
