import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGcpCollector } from "../../../src/collectors/gcp/index.js";
import { PROJECT_DECLARATIONS } from "../../../src/collectors/gcp/resources/index.js";
import { factsSchemaFor } from "../../../src/core/facts/index.js";
import { ResourceSchema } from "../../../src/core/resource.js";
import { staticTokenAuth } from "../../emulators/gcp/credential.js";
import { CUSTOMER, gcpScenario, gcpIds as ids, ORG } from "../../emulators/gcp/scenario.js";
import { type GcpEmulator, startGcpEmulator } from "../../emulators/gcp/server.js";
import { type Collected, collectGcp } from "./collect.js";

/** The types this file is about; the project, network and key types are tested in gcp-posture.test.ts. */
const FIRST_TYPES = new Set([
  "gcp.storage.bucket",
  "gcp.kms.cryptoKey",
  "gcp.sql.instance",
  "gcp.compute.firewall",
  "gcp.workspace.user",
]);
const firstTypes = <T extends { type: string }>(resources: Map<string, T>) =>
  new Map([...resources].filter(([, r]) => FIRST_TYPES.has(r.type)));

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
      [...firstTypes(collected.resources).values()]
        .filter((r) => r.type !== "gcp.workspace.user")
        .map((r) => r.account),
    );
    expect([...projects].sort()).toEqual(["proj-a", "proj-b"]);
    expect(firstTypes(collected.resources).size).toBe(8 + 5 + 5 + 6 + 6);
    // Deleted folders and projects, and projects of another organization, are not scanned.
    expect(
      emulator.requests.some((r) => r.path.includes("proj-old") || r.path.includes("proj-elsewhere")),
    ).toBe(false);
  });

  it("keeps bucket settings and IAM bindings as the API returned them", () => {
    expect(attrs(ids.bGood)).toEqual({
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioningEnabled: true,
      retentionPolicy: { periodDays: 30, isLocked: true },
      lifecycleRules: [
        { action: "Delete", age: 365, isLive: true },
        { action: "Delete", daysSinceNoncurrentTime: 30 },
        { action: "SetStorageClass", age: 90, matchesStorageClass: ["STANDARD"] },
      ],
      defaultKmsKeyName: "projects/proj-a/locations/europe-west1/keyRings/ring-1/cryptoKeys/rotating",
      location: "EU",
      iamBindings: [{ role: "roles/storage.admin", members: ["group:ops@example.com"] }],
    });
    expect(attrs(ids.bPublic)).toEqual({
      uniformBucketLevelAccess: false,
      publicAccessPrevention: "inherited",
      // proj-a's effective policy does not set the constraint: the reply is {constraint} alone.
      publicAccessPreventionOrgPolicy: {},
      location: "US-CENTRAL1",
      iamBindings: [
        { role: "roles/storage.objectViewer", members: ["allUsers", "group:ops@example.com"] },
        { role: "roles/storage.legacyBucketReader", members: ["allAuthenticatedUsers"] },
      ],
    });
    // Inherited on the bucket, enforced by proj-b's organization policy (read once for the project).
    expect(attrs(ids.bProjB)).toMatchObject({
      publicAccessPrevention: "inherited",
      publicAccessPreventionOrgPolicy: { enforced: true },
    });
    expect(collected.resources.get(ids.bProjB)?.sources?.publicAccessPreventionOrgPolicy).toBe(
      "api: cloudresourcemanager.projects.getEffectiveOrgPolicy",
    );
    // Buckets that enforce it themselves do not need the policy: one read per project that has others.
    expect(
      emulator.requests
        .filter((r) => r.path.endsWith(":getEffectiveOrgPolicy"))
        .map((r) => r.path)
        .sort(),
    ).toEqual(["/v1/projects/proj-a:getEffectiveOrgPolicy", "/v1/projects/proj-b:getEffectiveOrgPolicy"]);
    expect(collected.resources.get(ids.bGood)?.tags).toEqual({ team: "data" });
    expect(collected.resources.get(ids.bGood)?.region).toBe("eu");
  });

  it("leaves out what the reply left out, instead of filling in a default", () => {
    // No iamConfiguration, versioning, retention policy, key, or bindings in the replies.
    expect(attrs(ids.bMinimal)).toEqual({ location: "US", publicAccessPreventionOrgPolicy: {} });
    expect(collected.resources.get(ids.bMinimal)?.unreadable).toEqual({});
  });

  it("reads IAM policies at version 3, so bindings with IAM Conditions are readable", () => {
    const iam = emulator.requests.filter((r) => r.path.endsWith("/iam") && r.status === 200);
    expect(iam.length).toBeGreaterThan(0);
    for (const r of iam) expect(r.query.optionsRequestedPolicyVersion).toBe("3");
    expect(attrs(ids.bConditional)?.iamBindings).toContainEqual({
      role: "roles/storage.objectViewer",
      members: ["allAuthenticatedUsers"],
      condition: {
        title: "partner drop until 2027",
        expression: 'request.time < timestamp("2027-01-01T00:00:00Z")',
      },
    });
  });

  it("bills a Requester Pays bucket's IAM read to its own project unless billingProject says otherwise", () => {
    const reads = emulator.requests.filter((r) => r.path === "/storage/v1/b/a-requester-pays/iam");
    expect(reads.map((r) => [r.status, r.query.userProject])).toEqual([[200, "proj-a"]]);
    expect(attrs(ids.bRequesterPays)).toMatchObject({ requesterPays: true, iamBindings: expect.any(Array) });
    // Other buckets are read without userProject.
    expect(emulator.requests.find((r) => r.path === "/storage/v1/b/a-good/iam")?.query.userProject).toBe(
      undefined,
    );
  });

  it("marks bucket IAM unreadable when getIamPolicy is denied, naming the permission", () => {
    const denied = collected.resources.get(ids.bIamDenied);
    expect(denied?.unreadable).toEqual({ iamBindings: "AccessDenied: storage.buckets.getIamPolicy" });
    expect(denied?.attributes?.uniformBucketLevelAccess).toBe(true);
  });

  it("retries throttling (429) and then reads", () => {
    const hits = emulator.requests
      .filter((r) => r.path === "/storage/v1/b/a-throttled/iam")
      .map((r) => r.status);
    expect(hits).toEqual([429, 200]);
    expect(attrs(ids.bThrottled)?.iamBindings).toHaveLength(1);
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

  it("reads Cloud SQL instances as reported: type, both backup flags, sslMode and requireSsl", () => {
    expect(attrs(ids.sqlGood)).toEqual({
      instanceType: "CLOUD_SQL_INSTANCE",
      databaseVersion: "POSTGRES_15",
      backupEnabled: true,
      pointInTimeRecoveryEnabled: true,
      requireSsl: false,
      sslMode: "ENCRYPTED_ONLY",
      ipv4Enabled: false,
    });
    expect(attrs(ids.sqlBad)).toEqual({
      instanceType: "CLOUD_SQL_INSTANCE",
      databaseVersion: "MYSQL_8_0",
      backupEnabled: false,
      binaryLogEnabled: false,
      requireSsl: false,
      sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
      ipv4Enabled: true,
      authorizedNetworks: ["0.0.0.0/0"],
    });
    // No sslMode in the reply: none in the facts.
    expect(attrs(ids.sqlLegacy)).not.toHaveProperty("sslMode");
    expect(attrs(ids.sqlLegacy)).toMatchObject({ requireSsl: true, binaryLogEnabled: true });
    expect(attrs(ids.sqlReplica)).toMatchObject({
      instanceType: "READ_REPLICA_INSTANCE",
      masterInstanceName: "proj-a:pg-good",
      backupEnabled: false,
    });
    expect(attrs(ids.sqlUnspecified)).toMatchObject({ sslMode: "SSL_MODE_UNSPECIFIED", requireSsl: true });
  });

  it("keeps firewall rules as the Compute API returned them, judging nothing", () => {
    expect(attrs(ids.fwSsh)).toEqual({
      network: "default",
      direction: "INGRESS",
      disabled: false,
      priority: 1000,
      sourceRanges: ["0.0.0.0/0"],
      allowed: [{ IPProtocol: "tcp", ports: ["22"] }],
    });
    expect(attrs(ids.fwAll)?.allowed).toEqual([{ IPProtocol: "all" }]);
    expect(attrs(ids.fwRange)).toMatchObject({
      sourceRanges: ["::/0"],
      allowed: [{ IPProtocol: "tcp", ports: ["3000-4000"] }, { IPProtocol: "udp" }],
    });
    expect(attrs(ids.fwDeny)).toMatchObject({
      denied: [{ IPProtocol: "tcp", ports: ["22"] }],
      priority: 100,
    });
    expect(attrs(ids.fwDeny)).not.toHaveProperty("allowed");
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
      expect([...firstTypes(resources).keys()]).toEqual([ids.bProjB]);
      expect(errors.map((e) => e.scope)).toEqual(["proj-b/compute"]);
      // The project's own IAM policy is read (gcp.project); the project list is not.
      expect(
        emulator.requests.some(
          (r) =>
            (r.path.startsWith("/v3/") && !r.path.endsWith(":getIamPolicy")) || r.path.startsWith("/admin/"),
        ),
      ).toBe(false);
    } finally {
      await emulator.close();
    }
  });

  it("lists every visible project when no organization or folder is given", async () => {
    const emulator = await startGcpEmulator(gcpScenario(NOW));
    try {
      const { resources } = await collectGcp(emulator, {}, NOW);
      const projects = new Set([...firstTypes(resources).values()].map((r) => r.account));
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
          code: "AccessDenied",
          kind: "denied",
          permission: "admin.directory.user.readonly",
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
      expect(errors[0]?.resourceTypes).toHaveLength(PROJECT_DECLARATIONS.length);
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
      expect(errors.map((e) => [e.scope, e.code, e.permission, e.resourceTypes.join()]).sort()).toEqual([
        ["proj-a/compute", "ECONNREFUSED", undefined, "gcp.compute.firewall"],
        ["proj-a/compute", "ECONNREFUSED", undefined, "gcp.compute.network"],
      ]);
      expect(errors.find((e) => e.resourceTypes.includes("gcp.compute.firewall"))).toMatchObject({
        kind: "unreachable",
        message: "compute.firewalls.list: the endpoint could not be reached (ECONNREFUSED)",
      });
      expect(emulator.requests.some((r) => r.path.startsWith("/compute/"))).toBe(false);
      expect([...resources.values()].some((r) => r.type === "gcp.storage.bucket")).toBe(true);
    } finally {
      await emulator.close();
    }
  });

  it("keeps a listed item it cannot understand, with every fact unreadable, instead of dropping it", async () => {
    const scenario = gcpScenario(NOW);
    scenario.firewalls?.["proj-a"]?.push({ name: "odd", direction: "INGRESS", allowed: [{ ports: ["22"] }] });
    // Without even a name, the item cannot be a resource: the type fails in that project.
    scenario.sqlInstances?.["proj-a"]?.push({ kind: "sql#instance", databaseVersion: "POSTGRES_15" });
    const emulator = await startGcpEmulator(scenario);
    try {
      const { resources, errors } = await collectGcp(emulator, { projects: ["proj-a"] }, NOW);
      const odd = resources.get("//compute.googleapis.com/projects/proj-a/global/firewalls/odd");
      expect(odd?.attributes).toEqual({});
      expect(odd?.unreadable?.allowed).toBe(
        "compute.firewalls.list: the service failed to answer (INVALID_REPLY)",
      );
      expect(Object.keys(odd?.unreadable ?? {})).toContain("sourceRanges");
      expect([...resources.values()].filter((r) => r.type === "gcp.compute.firewall")).toHaveLength(7);
      expect(errors).toEqual([
        expect.objectContaining({
          scope: "proj-a/sql",
          code: "INVALID_REPLY",
          kind: "serviceError",
          debug: "unexpected reply (name: Invalid input: expected string, received undefined)",
          resourceTypes: ["gcp.sql.instance"],
        }),
      ]);
    } finally {
      await emulator.close();
    }
  });

  it("marks the organization policy unreadable, naming the permission, when it is denied", async () => {
    const scenario = gcpScenario(NOW);
    scenario.faults = [
      {
        path: "/v1/projects/proj-b:getEffectiveOrgPolicy",
        status: 403,
        permission: "orgpolicy.policy.get",
      },
    ];
    const emulator = await startGcpEmulator(scenario);
    try {
      const { resources } = await collectGcp(emulator, { projects: ["proj-b"] }, NOW);
      const bucket = resources.get(ids.bProjB);
      expect(bucket?.unreadable?.publicAccessPreventionOrgPolicy).toMatch(/orgpolicy\.policy\.get/);
      expect(bucket?.attributes?.publicAccessPreventionOrgPolicy).toBeUndefined();
      expect(bucket?.attributes?.publicAccessPrevention).toBe("inherited");
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
      expect(resources.get(ids.bProjB)?.unreadable?.iamBindings).toBe(
        "storage.buckets.getIamPolicy was throttled (RESOURCE_EXHAUSTED) and still refused after 2 attempts",
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
      expect(resources.get(ids.bProjB)?.unreadable?.iamBindings).toBe(
        "storage.buckets.getIamPolicy: the endpoint could not be reached (ETIMEDOUT)",
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
        /gcp\.workspace\.subject: Invalid email/,
      );
    } finally {
      await emulator.close();
    }
  });
});

describe("GCP failures name what happened", () => {
  it("treats a switched-off Cloud SQL, KMS or Compute API as none of its kind, and a switched-off Storage API as an error", async () => {
    const scenario = gcpScenario(NOW);
    scenario.faults = [
      "/compute/v1/projects/proj-a/global/firewalls",
      "/v1/projects/proj-a/locations",
      "/v1/projects/proj-a/instances",
      "/storage/v1/b",
    ].map((path) => ({ path, status: 403 as const, reason: "SERVICE_DISABLED" }));
    const emulator = await startGcpEmulator(scenario);
    try {
      const { resources, errors } = await collectGcp(emulator, { projects: ["proj-a"] }, NOW);
      expect(firstTypes(resources).size).toBe(0);
      // Buckets can exist with the JSON API off: not knowing them is an error, not a pass.
      expect(errors.map((e) => [e.scope, e.code, e.kind, e.permission])).toEqual([
        ["proj-a/storage", "SERVICE_DISABLED", "invalidConfiguration", undefined],
      ]);
    } finally {
      await emulator.close();
    }
  });

  it("retries a 5xx once, then reports a service error without blaming a permission", async () => {
    const scenario = gcpScenario(NOW);
    scenario.faults = [
      { path: "/compute/v1/projects/proj-b/global/firewalls", status: 500, html: true },
      { path: "/v1/projects/proj-b/instances", status: 500 },
    ];
    const emulator = await startGcpEmulator(scenario);
    try {
      const { errors } = await collectGcp(emulator, { projects: ["proj-b"] }, NOW);
      const byScope = Object.fromEntries(errors.map((e) => [e.scope, e]));
      expect(byScope["proj-b/compute"]).toMatchObject({ code: "HTTP_500" });
      expect(byScope["proj-b/compute"]?.permission).toBeUndefined();
      // The HTML page is not quoted in the message.
      expect(byScope["proj-b/compute"]).toMatchObject({
        kind: "serviceError",
        message: "compute.firewalls.list: the service failed to answer (HTTP_500, HTTP 500)",
      });
      expect(byScope["proj-b/sql"]).toMatchObject({ code: "INTERNAL", kind: "serviceError" });
      expect(byScope["proj-b/sql"]?.permission).toBeUndefined();
      const attempts = emulator.requests.filter(
        (r) => r.path === "/compute/v1/projects/proj-b/global/firewalls",
      );
      expect(attempts.map((r) => r.status)).toEqual([500, 500]);
    } finally {
      await emulator.close();
    }
  });

  it("reports refused credentials as a configuration problem, not a missing permission", async () => {
    const emulator = await startGcpEmulator(gcpScenario(NOW), { token: "another-token" });
    try {
      const { errors } = await collectGcp(emulator, { projects: ["proj-b"] }, NOW);
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) {
        expect(e.code).toBe("UNAUTHENTICATED");
        expect(e.permission).toBeUndefined();
      }
    } finally {
      await emulator.close();
    }
  });

  it("bills Requester Pays reads to gcp.billingProject, and says so when that project is refused", async () => {
    const emulator = await startGcpEmulator(gcpScenario(NOW));
    try {
      await collectGcp(emulator, { projects: ["proj-a"], billingProject: "proj-b" }, NOW);
      const read = emulator.requests.find((r) => r.path === "/storage/v1/b/a-requester-pays/iam");
      expect(read?.query.userProject).toBe("proj-b");

      const { resources } = await collectGcp(
        emulator,
        { projects: ["proj-a"], billingProject: "no-such-project" },
        NOW,
      );
      expect(resources.get(ids.bRequesterPays)?.unreadable).toEqual({
        iamBindings:
          "storage.buckets.getIamPolicy was refused because of the scanner's configuration (INVALID_ARGUMENT, HTTP 400)",
      });
    } finally {
      await emulator.close();
    }
  });

  it("refuses malformed project, organization and folder ids before any call, naming the setting", async () => {
    const emulator = await startGcpEmulator(gcpScenario(NOW));
    try {
      await expect(collectGcp(emulator, { projects: ["proj-a", "Proj_B"] }, NOW)).rejects.toThrow(
        "the gcp settings are not valid, so nothing was scanned:\n" +
          '  gcp.projects[1]: "Proj_B" is not a Google Cloud project id (6-30 lowercase letters, digits, hyphens; starts with a letter)',
      );
      await expect(collectGcp(emulator, { organization: "acme", folders: ["7"] }, NOW)).rejects.toThrow(
        /\n {2}gcp\.organization: "acme" is not organizations\/<number> or <number>$/,
      );
      await expect(collectGcp(emulator, { folders: ["folders/x"] }, NOW)).rejects.toThrow(
        /gcp\.folders\[0\]/,
      );
      await expect(collectGcp(emulator, { billingProject: "x" }, NOW)).rejects.toThrow(/gcp\.billingProject/);
      await expect(collectGcp(emulator, { kmsLocations: ["Europe West1"] }, NOW)).rejects.toThrow(
        /gcp\.kmsLocations\[0\]: "Europe West1" is not a Cloud KMS location id/,
      );
      expect(emulator.requests).toEqual([]);
      // Legacy domain-scoped ids are valid.
      expect(() =>
        createGcpCollector().checkSettings?.({ projects: ["example.com:my-project", "proj-a"] }),
      ).not.toThrow();
    } finally {
      await emulator.close();
    }
  });
});

describe("the emulator refuses what Cloud Storage refuses (real @googleapis/storage client)", () => {
  let emulator: GcpEmulator;
  beforeAll(async () => {
    emulator = await startGcpEmulator(gcpScenario(NOW));
  });
  afterAll(async () => emulator?.close());

  const client = async () =>
    (await import("@googleapis/storage")).storage({
      version: "v1",
      auth: staticTokenAuth(),
      rootUrl: emulator.endpoint,
      retryConfig: { retry: 0 },
    });
  const statusOf = (p: Promise<unknown>) =>
    p.then(
      () => 200,
      (e: { status?: number; response?: { status?: number; data?: { error?: { message?: string } } } }) =>
        `${e.response?.status} ${e.response?.data?.error?.message}`,
    );

  it("a policy with IAM Conditions below version 3", async () => {
    const storage = await client();
    expect(await statusOf(storage.buckets.getIamPolicy({ bucket: "a-conditional" }))).toMatch(
      /^400 .*optionsRequestedPolicyVersion=3/,
    );
    const v3 = await storage.buckets.getIamPolicy({
      bucket: "a-conditional",
      optionsRequestedPolicyVersion: 3,
    });
    expect(v3.data).toMatchObject({ kind: "storage#policy", version: 3 });
    expect(
      await statusOf(storage.buckets.getIamPolicy({ bucket: "a-good", optionsRequestedPolicyVersion: 4 })),
    ).toMatch(/^400 /);
  });

  it("a Requester Pays bucket without userProject", async () => {
    const storage = await client();
    expect(
      await statusOf(
        storage.buckets.getIamPolicy({ bucket: "a-requester-pays", optionsRequestedPolicyVersion: 3 }),
      ),
    ).toBe("400 Bucket is a requester pays bucket but no user project provided.");
    const paid = await storage.buckets.getIamPolicy({
      bucket: "a-requester-pays",
      optionsRequestedPolicyVersion: 3,
      userProject: "proj-a",
    });
    expect(paid.status).toBe(200);
  });

  it("a page token it did not issue, and a bucket list without a project", async () => {
    const storage = await client();
    expect(await statusOf(storage.buckets.list({ project: "proj-a", pageToken: "forged" }))).toMatch(
      /^400 Invalid page token/,
    );
    // One Platform APIs refuse a parameter their method does not define.
    const kms = await fetch(`${emulator.endpoint}v1/projects/proj-a/locations?maxResults=5`, {
      headers: { authorization: "Bearer test-token" },
    });
    expect(kms.status).toBe(400);
    expect(((await kms.json()) as { error: { message: string } }).error.message).toContain(
      'Unknown name "maxResults"',
    );
    // The generated client will not send a list without `project`; the service would refuse it too.
    const raw = await fetch(`${emulator.endpoint}storage/v1/b`, {
      headers: { authorization: "Bearer test-token" },
    });
    expect(raw.status).toBe(400);
  });
});
