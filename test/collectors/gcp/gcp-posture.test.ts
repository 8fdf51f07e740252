import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GCP_PERMISSIONS } from "../../../src/collectors/gcp/permissions.js";
import { gcpScenario, gcpIds as ids, ORG, SA_APP } from "../../emulators/gcp/scenario.js";
import { type GcpEmulator, startGcpEmulator } from "../../emulators/gcp/server.js";
import { type Collected, collectGcp } from "./collect.js";

const NOW = new Date("2026-06-01T12:00:00.000Z");
const daysAgo = (d: number) =>
  new Date(NOW.getTime() - d * 86_400_000).toISOString().replace(/\.\d{3}Z$/, ".000Z");

/**
 * Networks, the project's IAM policy and scanning services, and user-managed service-account keys, read
 * through the real collector from replies in the shapes of Google's discovery documents (compute/v1 Network,
 * cloudresourcemanager/v3 Policy, serviceusage/v1 Service, iam/v1 ServiceAccount and ServiceAccountKey).
 */
describe("GCP posture types against the emulator", () => {
  let emulator: GcpEmulator;
  let collected: Collected;

  beforeAll(async () => {
    emulator = await startGcpEmulator(gcpScenario(NOW), { pageSize: 1 });
    collected = await collectGcp(emulator, { organization: ORG, concurrency: 4 }, NOW);
  });
  afterAll(async () => emulator?.close());

  const attrs = (uid: string) => collected.resources.get(uid)?.attributes;

  it("reads VPC networks as listed, the default one included", () => {
    expect(attrs(ids.netDefault)).toEqual({
      autoCreateSubnetworks: true,
      subnetworkCount: 2,
      routingMode: "REGIONAL",
    });
    expect(collected.resources.get(ids.netDefault)?.name).toBe("default");
    expect(attrs(ids.netProd)).toEqual({
      autoCreateSubnetworks: false,
      subnetworkCount: 1,
      routingMode: "REGIONAL",
    });
  });

  it("reads the project's IAM policy at version 3, conditional bindings included", () => {
    expect(attrs(ids.projA)?.iamBindings).toEqual([
      { role: "roles/owner", members: ["user:alice@example.com", "group:admins@example.com"] },
      { role: "roles/editor", members: [`serviceAccount:${SA_APP}`] },
      {
        role: "roles/viewer",
        members: ["user:contractor@example.net"],
        condition: { title: "until June", expression: 'request.time < timestamp("2026-07-01T00:00:00Z")' },
      },
      { role: "roles/cloudkms.admin", members: ["user:bob@example.com"] },
    ]);
    expect(collected.resources.get(ids.projA)?.sources?.iamBindings).toBe(
      "api: resourcemanager.projects.getIamPolicy",
    );
  });

  it("reads the state of the vulnerability-scanning services from Service Usage", () => {
    expect(attrs(ids.projA)?.services).toEqual({
      "containerscanning.googleapis.com": "ENABLED",
      "securitycenter.googleapis.com": "DISABLED",
    });
    expect(attrs(ids.projB)?.services).toEqual({
      "containerscanning.googleapis.com": "DISABLED",
      "securitycenter.googleapis.com": "DISABLED",
    });
  });

  it("makes a denied IAM policy read an unreadable fact naming the permission, not an empty policy", () => {
    const denied = collected.resources.get(ids.projDenied);
    expect(denied?.attributes.iamBindings).toBeUndefined();
    expect(denied?.unreadable?.iamBindings).toBe("AccessDenied: resourcemanager.projects.getIamPolicy");
  });

  it("lists only user-managed service-account keys, with their validity as returned", () => {
    const keys = [...collected.resources.values()].filter((r) => r.type === "gcp.iam.serviceAccountKey");
    expect(keys.map((k) => k.uid).sort()).toEqual([ids.keyOld, ids.keyNew, ids.keyDisabled].sort());
    expect(attrs(ids.keyOld)).toEqual({
      serviceAccount: SA_APP,
      keyType: "USER_MANAGED",
      keyOrigin: "GOOGLE_PROVIDED",
      keyAlgorithm: "KEY_ALG_RSA_2048",
      validAfterTime: daysAgo(400),
      validBeforeTime: "9999-12-31T23:59:59.000Z",
    });
    expect(attrs(ids.keyDisabled)?.disabled).toBe(true);
    const keyCalls = emulator.requests.filter((r) => r.path.endsWith("/keys"));
    expect(keyCalls.every((r) => r.query.keyTypes === "USER_MANAGED")).toBe(true);
  });

  it("declares the read-only permissions the new calls need", () => {
    for (const permission of [
      "compute.networks.list",
      "resourcemanager.projects.getIamPolicy",
      "serviceusage.services.get",
      "iam.serviceAccounts.list",
      "iam.serviceAccountKeys.list",
    ]) {
      expect(GCP_PERMISSIONS).toContain(permission);
    }
  });
});

describe("GCP posture types when a read fails", () => {
  it("reports a denied service-account list as an error for the key type, never as no keys", async () => {
    const scenario = gcpScenario(NOW);
    scenario.faults = [
      { path: "/v1/projects/proj-a/serviceAccounts", status: 403, permission: "iam.serviceAccounts.list" },
      {
        path: "/v1/projects/proj-a/services/securitycenter.googleapis.com",
        status: 403,
        permission: "serviceusage.services.get",
      },
    ];
    const emulator = await startGcpEmulator(scenario);
    try {
      const { resources, errors } = await collectGcp(emulator, { projects: ["proj-a"] }, NOW);
      expect(errors.find((e) => e.resourceTypes.includes("gcp.iam.serviceAccountKey"))).toMatchObject({
        scope: "proj-a/iam",
        kind: "denied",
        permission: "iam.serviceAccounts.list",
      });
      expect(resources.get(ids.projA)?.unreadable?.services).toBe("AccessDenied: serviceusage.services.get");
      expect(resources.get(ids.projA)?.attributes.iamBindings).toBeDefined();
    } finally {
      await emulator.close();
    }
  });

  it("fails the key type in the project when one account's keys cannot be listed, instead of leaving them out", async () => {
    const scenario = gcpScenario(NOW);
    scenario.faults = [
      {
        path: `/v1/projects/proj-a/serviceAccounts/${SA_APP}/keys`,
        status: 403,
        permission: "iam.serviceAccountKeys.list",
      },
    ];
    const emulator = await startGcpEmulator(scenario);
    try {
      const { resources, errors } = await collectGcp(emulator, { projects: ["proj-a"] }, NOW);
      expect([...resources.values()].some((r) => r.type === "gcp.iam.serviceAccountKey")).toBe(false);
      expect(errors.find((e) => e.resourceTypes.includes("gcp.iam.serviceAccountKey"))).toMatchObject({
        scope: "proj-a/iam",
        kind: "denied",
        permission: "iam.serviceAccountKeys.list",
      });
    } finally {
      await emulator.close();
    }
  });
});
