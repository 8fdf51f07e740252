// Child process for the Azure scan benchmark: an ARM emulator seeded with one 2,000-resource subscription,
// answering after a fixed latency. Bundled by run.mjs with esbuild; talks to its parent over IPC.

import { API_VERSIONS } from "../../test/emulators/azure/scenario.js";
import type { ArmResource, ArmSeed } from "../../test/emulators/azure/server.js";
import { startArmEmulator } from "../../test/emulators/azure/server.js";

export const SUBSCRIPTION = "33333333-3333-3333-3333-333333333333";

/** How many of each resource type make up the 2,000 resources. */
export const MIX = {
  storage: 500,
  vaults: 200,
  disks: 500,
  nsgs: 300,
  vms: 300,
  recoveryVaults: 10,
  sqlServers: 95,
  databases: 95,
};

function seed(): ArmSeed {
  const rg = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-bench/providers`;
  const resources: ArmResource[] = [];
  const collections: Record<string, unknown[]> = {};
  const add = (id: string, type: string, properties: unknown, listed = true) =>
    resources.push({
      id,
      name: id.split("/").pop() ?? id,
      type,
      location: "westeurope",
      tags: {},
      properties,
      listed,
    });
  for (let i = 0; i < MIX.storage; i++) {
    add(`${rg}/Microsoft.Storage/storageAccounts/st${i}`, "Microsoft.Storage/storageAccounts", {
      supportsHttpsTrafficOnly: i % 3 !== 0,
      minimumTlsVersion: i % 4 === 0 ? "TLS1_0" : "TLS1_2",
      allowBlobPublicAccess: i % 5 === 0,
      encryption: { keySource: "Microsoft.Storage", requireInfrastructureEncryption: i % 2 === 0 },
    });
  }
  for (let i = 0; i < MIX.vaults; i++) {
    const id = `${rg}/Microsoft.KeyVault/vaults/kv${i}`;
    add(id, "Microsoft.KeyVault/vaults", { enableSoftDelete: true, enablePurgeProtection: i % 2 === 0 });
    collections[`${id}/keys`] = [0, 1].map((k) => ({ id: `${id}/keys/key${k}`, name: `key${k}` }));
    for (const k of [0, 1]) {
      add(
        `${id}/keys/key${k}`,
        "Microsoft.KeyVault/vaults/keys",
        {
          kty: "RSA",
          attributes: { enabled: true },
          rotationPolicy: {
            lifetimeActions: k ? [{ trigger: { timeAfterCreate: "P90D" }, action: { type: "Rotate" } }] : [],
          },
        },
        false,
      );
    }
  }
  for (let i = 0; i < MIX.disks; i++) {
    add(`${rg}/Microsoft.Compute/disks/disk${i}`, "Microsoft.Compute/disks", {
      encryption: { type: i % 2 ? "EncryptionAtRestWithPlatformKey" : "EncryptionAtRestWithCustomerKey" },
      networkAccessPolicy: i % 3 ? "DenyAll" : "AllowAll",
    });
  }
  const rule = (priority: number, port: string) => ({
    name: `r${priority}`,
    properties: {
      priority,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      sourceAddressPrefix: "*",
      destinationPortRange: port,
    },
  });
  for (let i = 0; i < MIX.nsgs; i++) {
    add(`${rg}/Microsoft.Network/networkSecurityGroups/nsg${i}`, "Microsoft.Network/networkSecurityGroups", {
      securityRules: [rule(100, "443"), rule(200, i % 10 ? "8080" : "22")],
    });
  }
  const vmIds: string[] = [];
  for (let i = 0; i < MIX.vms; i++) {
    const id = `${rg}/Microsoft.Compute/virtualMachines/vm${i}`;
    vmIds.push(id);
    add(id, "Microsoft.Compute/virtualMachines", {});
  }
  for (let i = 0; i < MIX.recoveryVaults; i++) {
    const id = `${rg}/Microsoft.RecoveryServices/vaults/rsv${i}`;
    add(id, "Microsoft.RecoveryServices/vaults", {
      securitySettings: { softDeleteSettings: { softDeleteState: "Enabled" } },
    });
    add(
      `${id}/backupconfig/vaultconfig`,
      "Microsoft.RecoveryServices/vaults/backupconfig",
      { enhancedSecurityState: "Enabled", softDeleteFeatureState: "Enabled" },
      false,
    );
    collections[`${id}/backupProtectedItems`] = vmIds.slice(i * 25, i * 25 + 25).map((vm) => ({
      properties: {
        sourceResourceId: vm,
        protectionState: "Protected",
        lastBackupStatus: "Completed",
        lastBackupTime: new Date().toISOString(),
      },
    }));
  }
  for (let i = 0; i < MIX.sqlServers; i++) {
    const id = `${rg}/Microsoft.Sql/servers/sql${i}`;
    add(id, "Microsoft.Sql/servers", { minimalTlsVersion: "1.2" });
    add(
      `${id}/auditingSettings/default`,
      "Microsoft.Sql/servers/auditingSettings",
      { state: i % 2 ? "Enabled" : "Disabled", retentionDays: 90 },
      false,
    );
    add(`${id}/databases/db`, "Microsoft.Sql/servers/databases", {});
    add(
      `${id}/databases/db/transparentDataEncryption/current`,
      "Microsoft.Sql/servers/databases/transparentDataEncryption",
      { state: "Enabled" },
      false,
    );
  }
  return {
    subscriptions: [{ subscriptionId: SUBSCRIPTION, displayName: "Bench" }],
    resources,
    collections,
    apiVersions: API_VERSIONS,
  };
}

const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);
const emulator = await startArmEmulator(seed(), { latencyMs, pageSize: 100 });
process.send?.({ endpoint: emulator.endpoint, certificate: emulator.certificate, listed: MIX });
process.on("message", (message: { type?: string }) => {
  if (message?.type === "stats")
    process.send?.({ requests: emulator.requests.length, connections: emulator.connections() });
  if (message?.type === "stop") void emulator.close().then(() => process.disconnect());
});
