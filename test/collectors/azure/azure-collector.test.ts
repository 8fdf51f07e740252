import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAzureCollector } from "../../../src/collectors/azure/index.js";
import { AZURE_RESOURCE_TYPES } from "../../../src/collectors/azure/produces.js";
import { factsSchemaFor } from "../../../src/core/facts/index.js";
import { ResourceSchema } from "../../../src/core/resource.js";
import {
  azureScenario,
  azureIds as ids,
  SUB_A,
  SUB_B,
  SUB_DISABLED,
} from "../../emulators/azure/scenario.js";
import { type ArmEmulator, startArmEmulator } from "../../emulators/azure/server.js";
import { type Collected, collectAzure } from "./collect.js";

const NOW = new Date("2026-06-01T12:00:00.000Z");

describe("Azure collector against the ARM emulator", () => {
  let emulator: ArmEmulator;
  let collected: Collected;

  beforeAll(async () => {
    // Page size 2 makes every list (subscriptions, resources, keys, protected items) follow nextLink.
    emulator = await startArmEmulator(azureScenario(NOW), { pageSize: 2 });
    collected = await collectAzure(emulator, { concurrency: 4 }, NOW);
  });
  afterAll(async () => emulator?.close());

  const attrs = (id: string) => collected.resources.get(id)?.attributes;

  it("emits only valid resources whose facts match their type's schema", () => {
    // 33 of the first types, 3 subnets, 2 Log Analytics workspaces and subscription A itself.
    expect(collected.resources.size).toBe(39);
    for (const resource of collected.resources.values()) {
      const parsed = ResourceSchema.parse(resource);
      const schema = factsSchemaFor(parsed.type);
      expect(schema, parsed.type).toBeDefined();
      expect(schema?.safeParse(parsed.attributes).success, parsed.uid).toBe(true);
      expect(parsed.account).toBe(SUB_A);
    }
    expect(collected.resources.has(ids.dbMaster)).toBe(false);
  });

  it("reads storage account settings as the API returned them", () => {
    expect(attrs(ids.stGood)).toEqual({
      httpsOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      encryption: {
        keySource: "Microsoft.Keyvault",
        keyVaultKeyUri: "https://kv-good.vault.azure.net/keys/rotating",
        infrastructureEncryption: true,
      },
      // Microsoft's StorageAccountGetManagementPolicy example.
      lifecycleRules: [
        {
          name: "olcmtest",
          enabled: true,
          type: "Lifecycle",
          baseBlobDelete: { daysAfterModificationGreaterThan: 1000 },
          snapshotDelete: { daysAfterCreationGreaterThan: 30 },
        },
      ],
    });
    expect(attrs(ids.stBad)).toEqual({
      httpsOnly: false,
      minimumTlsVersion: "TLS1_0",
      allowBlobPublicAccess: true,
      encryption: { keySource: "Microsoft.Storage", infrastructureEncryption: false },
      // A rule without `enabled` and without a delete action: both stay absent.
      lifecycleRules: [{ name: "tiering", type: "Lifecycle" }],
    });
    // Microsoft's StorageAccountGetProperties example: no allowBlobPublicAccess, minimumTlsVersion or
    // requireInfrastructureEncryption.
    expect(attrs(ids.stExample)).toEqual({
      httpsOnly: false,
      encryption: { keySource: "Microsoft.Storage" },
      // ManagementPolicyNotFound: the account has no lifecycle policy.
      lifecycleRules: [],
    });
    expect(collected.resources.get(ids.stGood)?.tags).toEqual({ env: "prod" });
    expect(collected.resources.get(ids.stGood)?.sources?.httpsOnly).toBe(
      "api: Microsoft.Storage/storageAccounts/read",
    );
  });

  it("turns a denied read into unreadable facts naming the missing permission", () => {
    const denied = collected.resources.get(ids.stDenied);
    expect(denied?.attributes).toEqual({});
    expect(denied?.unreadable?.httpsOnly).toBe("AccessDenied: Microsoft.Storage/storageAccounts/read");
    expect(Object.keys(denied?.unreadable ?? {}).sort()).toEqual(
      [
        "allowBlobPublicAccess",
        "encryption",
        "httpsOnly",
        "lifecycleRules",
        "minimumTlsVersion",
        "publicNetworkAccess",
      ].sort(),
    );
  });

  it("waits out a 429 with Retry-After and then reads the resource", () => {
    const hits = emulator.requests.filter((r) => r.path.toLowerCase() === ids.stThrottled.toLowerCase());
    expect(hits.map((h) => h.status)).toEqual([429, 200]);
    expect(attrs(ids.stThrottled)?.httpsOnly).toBe(true);
  });

  it("reads Key Vaults and their keys' rotation policies", () => {
    expect(attrs(ids.kvGood)).toEqual({
      softDeleteEnabled: true,
      softDeleteRetentionDays: 90,
      purgeProtectionEnabled: true,
      rbacAuthorization: true,
    });
    expect(attrs(ids.kvBad)).toEqual({ softDeleteEnabled: false, softDeleteRetentionDays: 7 });
    // Microsoft's getVault example omits every soft-delete and purge flag: nothing is filled in.
    expect(attrs(ids.kvExample)).toEqual({ publicNetworkAccess: "Enabled" });
    expect(attrs(ids.keyRotating)).toEqual({
      vaultName: "kv-good",
      keyType: "RSA",
      keySize: 3072,
      enabled: true,
      expiresAt: new Date(Math.floor(NOW.getTime() / 1000) * 1000 + 300 * 86400 * 1000).toISOString(),
      rotation: { autoRotate: true, rotateAfterDays: 90, expiryDays: 365 },
    });
    expect(attrs(ids.keyStatic)).toEqual({
      vaultName: "kv-good",
      keyType: "EC",
      curveName: "P-256",
      enabled: true,
      rotation: { autoRotate: false },
    });
    // Microsoft's getKey example has no rotationPolicy: rotation is not reported, not "no rotation".
    const example = collected.resources.get(ids.keyExample);
    expect(example?.attributes).toEqual({
      vaultName: "sample-vault",
      keyType: "RSA",
      keySize: 2048,
      enabled: true,
    });
    expect(example?.unreadable?.rotation).toMatch(/^not reported by the API: /);
    expect(collected.resources.get(ids.keyStatic)?.unreadable).toEqual({});
  });

  it("reports keys it could not list as a collector error for the key type", () => {
    const error = collected.errors.find((e) => e.scope === ids.kvBad);
    expect(error).toMatchObject({
      collector: "azure",
      code: "AccessDenied",
      kind: "denied",
      permission: "Microsoft.KeyVault/vaults/keys/read",
      resourceTypes: ["azure.keyvault.key"],
    });
  });

  it("reports a subscription whose resources cannot be listed, for every Azure type", () => {
    const error = collected.errors.find((e) => e.scope === SUB_B);
    expect(error?.permission).toBe("Microsoft.Resources/subscriptions/resources/read");
    expect(error?.resourceTypes).toContain("azure.storage.account");
    expect(error?.resourceTypes).toContain("azure.compute.vm");
    // With kv-bad's keys and vnet-denied's subnets.
    expect(collected.errors).toHaveLength(3);
  });

  it("reads resources while later pages of the resource list are still being fetched", () => {
    const listPath = `/subscriptions/${SUB_A}/resources`;
    const lastPage = emulator.requests.map((r) => r.path).lastIndexOf(listPath);
    const firstRead = emulator.requests.findIndex((r) => r.path.includes("/providers/"));
    expect(emulator.requests.filter((r) => r.path === listPath).length).toBeGreaterThan(3);
    expect(firstRead).toBeGreaterThan(-1);
    expect(firstRead).toBeLessThan(lastPage);
  });

  it("skips disabled subscriptions", () => {
    expect(emulator.requests.some((r) => r.path.includes(SUB_DISABLED))).toBe(false);
  });

  it("reads disk encryption", () => {
    expect(attrs(ids.diskCmk)).toEqual({
      encryptionType: "EncryptionAtRestWithCustomerKey",
      diskEncryptionSetId: expect.stringContaining("diskEncryptionSets/des-1"),
      networkAccessPolicy: "DenyAll",
      diskState: "Attached",
    });
    expect(attrs(ids.diskPmk)).toMatchObject({
      encryptionType: "EncryptionAtRestWithPlatformKey",
      networkAccessPolicy: "AllowAll",
    });
    // A disk encryption set without a type is not turned into a platform key.
    expect(attrs(ids.diskSetOnly)).toEqual({
      diskEncryptionSetId: expect.stringContaining("diskEncryptionSets/des-1"),
    });
    // Microsoft's Disk_Get example: no networkAccessPolicy or diskState.
    expect(attrs(ids.diskExample)).toEqual({
      encryptionType: "EncryptionAtRestWithPlatformKey",
      adeEnabled: true,
    });
  });

  it("joins VMs to the Recovery Services vault items that protect them", () => {
    expect(attrs(ids.vmProtected)).toEqual({
      backup: {
        protected: true,
        vaultId: ids.rsvGood,
        protectionState: "Protected",
        lastBackupStatus: "Completed",
        lastBackupTime: "2026-05-31T16:00:00.000Z",
      },
    });
    expect(attrs(ids.vmStale)).toMatchObject({ backup: { protected: true, lastBackupStatus: "Failed" } });
    expect(attrs(ids.vmUnprotected)).toEqual({ backup: { protected: false } });
    expect(attrs(ids.rsvGood)).toEqual({
      softDeleteState: "AlwaysON",
      softDeleteFeatureState: "AlwaysON",
      immutabilityState: "Locked",
      storageRedundancy: "GeoRedundant",
      protectedItemCount: 2,
    });
    expect(attrs(ids.rsvNoSoftDelete)).toEqual({
      softDeleteState: "Disabled",
      softDeleteFeatureState: "Disabled",
      protectedItemCount: 0,
    });
    expect(attrs(ids.rsvExample)).toEqual({
      softDeleteState: "Enabled",
      softDeleteFeatureState: "Enabled",
      immutabilityState: "Disabled",
      storageRedundancy: "GeoRedundant",
      protectedItemCount: 0,
    });
    // No securitySettings in the vault reply: the state is absent, and the backup config says it.
    expect(attrs(ids.rsvLegacy)).toEqual({ softDeleteFeatureState: "Disabled", protectedItemCount: 0 });
    expect(collected.resources.get(ids.rsvLegacy)?.sources?.softDeleteFeatureState).toBe(
      "api: Microsoft.RecoveryServices/Vaults/backupconfig/read",
    );
  });

  it("reads NSG inbound rules in priority order; exposure is the rules' judgement", () => {
    expect(Object.keys(attrs(ids.nsgSsh) ?? {})).toEqual(["inboundRules"]);
    expect((attrs(ids.nsgRdp)?.inboundRules as unknown[] | undefined)?.[0]).toEqual({
      name: "mgmt",
      priority: 300,
      access: "Allow",
      protocol: "Tcp",
      sources: ["Internet"],
      ports: ["443", "3380-3390"],
    });
    expect(((attrs(ids.nsgShadowed)?.inboundRules ?? []) as { name: string }[]).map((r) => r.name)).toEqual([
      "deny-ssh",
      "ssh",
      "AllowVnetInBound",
      "AllowAzureLoadBalancerInBound",
      "DenyAllInBound",
    ]);
  });

  it("reads SQL TLS, auditing and database TDE", () => {
    expect(attrs(ids.sqlGood)).toEqual({
      minimalTlsVersion: "1.2",
      publicNetworkAccess: "Disabled",
      auditing: { enabled: true, retentionDays: 120 },
    });
    expect(attrs(ids.sqlBad)).toEqual({
      minimalTlsVersion: "1.0",
      publicNetworkAccess: "Enabled",
      auditing: { enabled: false, retentionDays: 0 },
    });
    // Microsoft's ServerGet and ServerBlobAuditingGet examples: no minimalTlsVersion, so none (not "1.0").
    expect(attrs(ids.sqlExample)).toEqual({
      publicNetworkAccess: "Enabled",
      auditing: { enabled: false, retentionDays: 0 },
    });
    // A missing retentionDays stays absent (0 would mean "kept forever").
    expect(attrs(ids.sqlNoRetention)).toEqual({ minimalTlsVersion: "1.2", auditing: { enabled: true } });
    expect(attrs(ids.dbGood)).toEqual({ serverName: "sql-good", tdeEnabled: true });
    expect(attrs(ids.dbBad)).toEqual({ serverName: "sql-bad", tdeEnabled: false });
  });

  it("sends the right api-version and a single-slash path on every call, so never gets a 400", () => {
    expect(emulator.requests.filter((r) => r.status === 400)).toEqual([]);
    expect(emulator.requests.some((r) => r.path.includes("//"))).toBe(false);
    expect(emulator.requests.every((r) => r.status !== 401)).toBe(true);
  });
});

describe("Azure collector settings", () => {
  it("scans only the configured subscriptions, without listing them", async () => {
    const emulator = await startArmEmulator(azureScenario(NOW));
    try {
      const { resources, errors } = await collectAzure(emulator, { subscriptions: [SUB_B] }, NOW);
      expect(resources.size).toBe(0);
      expect(errors.map((e) => e.scope)).toEqual([SUB_B]);
      expect(emulator.requests.some((r) => r.path === "/subscriptions")).toBe(false);
    } finally {
      await emulator.close();
    }
  });

  it("reports a denied subscription listing for every Azure type", async () => {
    const scenario = azureScenario(NOW);
    scenario.faults = [
      { path: "/subscriptions", status: 403, action: "Microsoft.Resources/subscriptions/read" },
    ];
    const emulator = await startArmEmulator(scenario);
    try {
      const { resources, errors } = await collectAzure(emulator, {}, NOW);
      expect(resources.size).toBe(0);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        scope: "subscriptions",
        permission: "Microsoft.Resources/subscriptions/read",
      });
      // Every type of a subscription; Entra ID users belong to the tenant (Microsoft Graph) instead.
      expect(errors[0]?.resourceTypes).toEqual(AZURE_RESOURCE_TYPES.filter((t) => t !== "azure.entra.user"));
    } finally {
      await emulator.close();
    }
  });

  it("refuses a malformed subscription id before any call, naming the setting", async () => {
    const emulator = await startArmEmulator(azureScenario(NOW));
    try {
      await expect(collectAzure(emulator, { subscriptions: [SUB_A, "Production"] }, NOW)).rejects.toThrow(
        'azure settings: azure.subscriptions[1] ("Production"): not a subscription id',
      );
      expect(emulator.requests).toEqual([]);
      expect(() => createAzureCollector().checkSettings?.({ subscriptions: ["sub-1"] })).toThrow(
        /azure\.subscriptions\[0\]/,
      );
      expect(() => createAzureCollector().checkSettings?.({ subscriptions: [SUB_A] })).not.toThrow();
      expect(() => createAzureCollector().checkSettings?.(undefined)).not.toThrow();
    } finally {
      await emulator.close();
    }
  });

  it("rejects invalid settings with a sentence", async () => {
    const emulator = await startArmEmulator(azureScenario(NOW));
    try {
      await expect(collectAzure(emulator, { concurrency: 0 }, NOW)).rejects.toThrow(
        /azure settings: azure\.concurrency: /,
      );
    } finally {
      await emulator.close();
    }
  });
});

describe("Azure collector failure modes", () => {
  it("asks the credential for the configured audience", async () => {
    const emulator = await startArmEmulator(azureScenario(NOW));
    try {
      const scopes: string[][] = [];
      const credential = {
        getToken: async (scope: string | string[]) => {
          scopes.push(Array.isArray(scope) ? scope : [scope]);
          return { token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 };
        },
      };
      await collectAzure(
        emulator,
        { subscriptions: [SUB_B], audience: "https://management.usgovcloudapi.net/.default" },
        NOW,
        credential,
      );
      expect(scopes.length).toBeGreaterThan(0);
      expect(scopes.every((s) => s.join() === "https://management.usgovcloudapi.net/.default")).toBe(true);
    } finally {
      await emulator.close();
    }
  });

  it("reports a credential that cannot sign in, without calling ARM", async () => {
    const emulator = await startArmEmulator(azureScenario(NOW));
    try {
      const credential = {
        getToken: async () => {
          const error = new Error(
            "DefaultAzureCredential failed to retrieve a token from the included credentials.\nmore",
          );
          error.name = "CredentialUnavailableError";
          throw error;
        },
      };
      const { resources, errors } = await collectAzure(emulator, {}, NOW, credential);
      expect(resources.size).toBe(0);
      expect(errors).toEqual([
        expect.objectContaining({
          scope: "subscriptions",
          code: "CredentialUnavailable",
          kind: "invalidConfiguration",
          message:
            "could not list subscriptions: Microsoft.Resources/subscriptions/read was refused because of the scanner's configuration (CredentialUnavailable)",
        }),
      ]);
      // The SDK's own multi-line text is kept for debugging, not shown to an auditor.
      expect(errors[0]?.debug).toContain("DefaultAzureCredential failed");
      expect(emulator.requests).toEqual([]);
    } finally {
      await emulator.close();
    }
  });

  it("gives up on a call that does not answer within timeoutSeconds", async () => {
    const scenario = azureScenario(NOW);
    scenario.faults = [{ path: ids.diskPmk, delayMs: 5_000 }];
    const emulator = await startArmEmulator(scenario);
    try {
      const started = Date.now();
      const { resources } = await collectAzure(
        emulator,
        { subscriptions: [SUB_A], timeoutSeconds: 0.5 },
        NOW,
      );
      expect(resources.get(ids.diskPmk)?.unreadable?.encryptionType).toBe(
        "Microsoft.Compute/disks/read: the endpoint could not be reached (ETIMEDOUT)",
      );
      expect(resources.get(ids.diskCmk)?.attributes?.encryptionType).toBe("EncryptionAtRestWithCustomerKey");
      expect(Date.now() - started).toBeLessThan(4_500);
    } finally {
      await emulator.close();
    }
  });

  it("marks facts unreadable when a reply has an unexpected shape", async () => {
    const scenario = azureScenario(NOW);
    const nsg = scenario.resources.find((r) => r.id === ids.nsgPrivate);
    if (nsg) nsg.properties = { securityRules: [{ name: "odd", properties: { direction: "Inbound" } }] };
    const emulator = await startArmEmulator(scenario);
    try {
      const { resources } = await collectAzure(emulator, { subscriptions: [SUB_A] }, NOW);
      expect(resources.get(ids.nsgPrivate)?.unreadable?.inboundRules).toMatch(
        "Microsoft.Network/networkSecurityGroups/read: the service failed to answer (InvalidReply)",
      );
      expect(resources.get(ids.nsgPrivate)?.attributes).toEqual({});
    } finally {
      await emulator.close();
    }
  });

  it("cannot call a VM unprotected when a vault's protected items are unreadable", async () => {
    const scenario = azureScenario(NOW);
    scenario.collections?.[`${ids.rsvGood}/backupProtectedItems`]?.push({
      properties: { protectionState: "Protected" },
    });
    const emulator = await startArmEmulator(scenario);
    try {
      const { resources } = await collectAzure(emulator, { subscriptions: [SUB_A] }, NOW);
      expect(resources.get(ids.vmUnprotected)?.unreadable?.backup).toBe(
        "1 protected item(s) of vault rsv-good are not what the API documents",
      );
      expect(resources.get(ids.vmProtected)?.attributes?.backup).toMatchObject({ protected: true });
    } finally {
      await emulator.close();
    }
  });

  it("leaves facts unreadable when throttling outlasts the retries", async () => {
    const scenario = azureScenario(NOW);
    scenario.faults = [{ path: ids.diskPmk, status: 429, retryAfterSeconds: 0 }];
    const emulator = await startArmEmulator(scenario);
    try {
      const { resources } = await collectAzure(emulator, { subscriptions: [SUB_A] }, NOW);
      expect(resources.get(ids.diskPmk)?.unreadable?.encryptionType).toBe(
        "Microsoft.Compute/disks/read was throttled (TooManyRequests) and still refused after 4 attempts",
      );
      expect(emulator.requests.filter((r) => r.path.toLowerCase() === ids.diskPmk.toLowerCase()).length).toBe(
        4,
      );
      expect(resources.get(ids.diskCmk)?.attributes?.encryptionType).toBe("EncryptionAtRestWithCustomerKey");
    } finally {
      await emulator.close();
    }
  });
});

describe("the ARM emulator refuses what ARM refuses", () => {
  const get = async (emulator: ArmEmulator, path: string) => {
    const { request } = await import("node:https");
    return new Promise<{ status: number; code?: string }>((resolve, reject) => {
      const req = request(
        `${emulator.endpoint}${path}`,
        { agent: emulator.agent, headers: { authorization: "Bearer test-token" } },
        (res) => {
          let body = "";
          res.on("data", (chunk) => {
            body += chunk;
          });
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, code: JSON.parse(body || "{}")?.error?.code }),
          );
        },
      );
      req.on("error", reject);
      req.end();
    });
  };

  it("a doubled slash, a missing or a wrong api-version", async () => {
    const emulator = await startArmEmulator(azureScenario(NOW));
    try {
      expect(await get(emulator, `/${ids.stGood}?api-version=2023-05-01`)).toEqual({
        status: 400,
        code: "InvalidRequestUri",
      });
      expect(await get(emulator, ids.stGood)).toEqual({ status: 400, code: "MissingApiVersionParameter" });
      expect(await get(emulator, `${ids.stGood}?api-version=2019-06-01`)).toEqual({
        status: 400,
        code: "InvalidApiVersionParameter",
      });
      expect(await get(emulator, `${ids.kvGood}/keys?api-version=2019-09-01`)).toMatchObject({ status: 400 });
      expect(
        await get(emulator, `${ids.rsvGood}/backupconfig/vaultconfig?api-version=2016-06-01`),
      ).toMatchObject({ status: 400 });
      expect(await get(emulator, `${ids.stGood}?api-version=2023-05-01`)).toEqual({ status: 200 });
    } finally {
      await emulator.close();
    }
  });
});

describe("Azure collector error kinds", () => {
  it("unreachable: nothing listens at the endpoint", async () => {
    const emulator = await startArmEmulator(azureScenario(NOW));
    const endpoint = emulator.endpoint;
    await emulator.close();
    const { resources, errors } = await collectAzure(
      { ...emulator, endpoint } as ArmEmulator,
      { maxRetries: 0 },
      NOW,
    );
    expect(resources.size).toBe(0);
    expect(errors).toEqual([
      expect.objectContaining({ scope: "subscriptions", code: "ECONNREFUSED", message: expect.any(String) }),
    ]);
    expect(errors[0]).toMatchObject({
      kind: "unreachable",
      message:
        "could not list subscriptions: Microsoft.Resources/subscriptions/read: the endpoint could not be reached (ECONNREFUSED)",
    });
    expect(errors[0]?.permission).toBeUndefined();
  });

  it("service error: a 500 is retried once (not maxRetries times), then named as such", async () => {
    const scenario = azureScenario(NOW);
    scenario.faults = [{ path: ids.diskPmk, status: 500 }];
    const emulator = await startArmEmulator(scenario);
    try {
      const { resources } = await collectAzure(emulator, { subscriptions: [SUB_A], maxRetries: 7 }, NOW);
      expect(resources.get(ids.diskPmk)?.unreadable?.encryptionType).toBe(
        "Microsoft.Compute/disks/read: the service failed to answer (InternalServerError, HTTP 500)",
      );
      const calls = emulator.requests.filter((r) => r.path.toLowerCase() === ids.diskPmk.toLowerCase());
      expect(calls.map((c) => c.status)).toEqual([500, 500]);
    } finally {
      await emulator.close();
    }
  });

  it("not found: a resource deleted between listing and reading is not reported", async () => {
    const scenario = azureScenario(NOW);
    scenario.faults = [{ path: ids.diskPmk, status: 404 }];
    const emulator = await startArmEmulator(scenario);
    try {
      const { resources, errors } = await collectAzure(emulator, { subscriptions: [SUB_A] }, NOW);
      expect(resources.has(ids.diskPmk)).toBe(false);
      expect(resources.has(ids.diskCmk)).toBe(true);
      expect(errors.filter((e) => e.scope.includes("/disks/"))).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});
