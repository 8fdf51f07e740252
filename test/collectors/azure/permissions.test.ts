import { describe, expect, it } from "vitest";
import { permissionsFor } from "../../../src/cli/permissions.js";
import {
  BACKUP_CONFIG_READ,
  PROTECTED_ITEMS_READ,
  RECOVERY_VAULT_READ,
} from "../../../src/collectors/azure/backup.js";
import { DISK_READ } from "../../../src/collectors/azure/disks.js";
import { KEYVAULT_KEYS_READ, KEYVAULT_READ } from "../../../src/collectors/azure/keyvault.js";
import { NSG_READ } from "../../../src/collectors/azure/network.js";
import { AZURE_PERMISSIONS, buildAzureRoleDefinition } from "../../../src/collectors/azure/permissions.js";
import { SQL_AUDITING_READ, SQL_SERVER_READ, SQL_TDE_READ } from "../../../src/collectors/azure/sql.js";
import { STORAGE_READ } from "../../../src/collectors/azure/storage.js";

describe("Azure permissions", () => {
  it("declare every operation the collector calls, all of them reads", () => {
    const used = [
      "Microsoft.Resources/subscriptions/read",
      "Microsoft.Resources/subscriptions/resources/read",
      STORAGE_READ,
      KEYVAULT_READ,
      KEYVAULT_KEYS_READ,
      DISK_READ,
      RECOVERY_VAULT_READ,
      PROTECTED_ITEMS_READ,
      BACKUP_CONFIG_READ,
      NSG_READ,
      SQL_SERVER_READ,
      SQL_AUDITING_READ,
      SQL_TDE_READ,
    ];
    expect([...AZURE_PERMISSIONS].sort()).toEqual([...new Set(used)].sort());
    expect(AZURE_PERMISSIONS.every((p) => p.endsWith("/read"))).toBe(true);
  });

  it("build a custom role definition that az role definition create accepts", () => {
    const role = buildAzureRoleDefinition(AZURE_PERMISSIONS, ["sub-1"]);
    expect(role).toMatchObject({
      Name: "Assay Reader",
      IsCustom: true,
      AssignableScopes: ["/subscriptions/sub-1"],
    });
    expect(role.Actions).toEqual([...AZURE_PERMISSIONS].sort());
    expect(role.DataActions).toEqual([]);
    expect(buildAzureRoleDefinition().AssignableScopes).toEqual(["/subscriptions/<subscription-id>"]);
  });

  it("are what assay permissions azure prints", async () => {
    const printed = JSON.parse(await permissionsFor("azure"));
    expect(printed).toEqual(buildAzureRoleDefinition(AZURE_PERMISSIONS));
    expect((await permissionsFor("azure", { list: true })).trim().split("\n")).toEqual(
      [...AZURE_PERMISSIONS].sort(),
    );
  });
});
