import { describe, expect, it } from "vitest";
import { permissionsFor } from "../../../src/cli/permissions.js";
import { AZURE_PERMISSIONS, buildAzureRoleDefinition } from "../../../src/collectors/azure/permissions.js";
import { AZURE_RESOURCE_TYPES } from "../../../src/collectors/azure/produces.js";
import {
  AZURE_RESOURCE_DECLARATIONS,
  AZURE_TENANT_DECLARATIONS,
} from "../../../src/collectors/azure/resources.js";

describe("Azure permissions", () => {
  it("declare every operation the collector calls, all of them reads", () => {
    // Derived from the declarations' calls, the table every call goes through (the kit refuses others).
    expect([...AZURE_PERMISSIONS]).toEqual(
      [
        "Microsoft.Resources/subscriptions/read",
        "Microsoft.Resources/subscriptions/resources/read",
        "Microsoft.Storage/storageAccounts/read",
        "Microsoft.KeyVault/vaults/read",
        "Microsoft.KeyVault/vaults/keys/read",
        "Microsoft.Compute/disks/read",
        "Microsoft.RecoveryServices/vaults/read",
        "Microsoft.RecoveryServices/Vaults/backupconfig/read",
        "Microsoft.RecoveryServices/vaults/backupProtectedItems/read",
        "Microsoft.Network/networkSecurityGroups/read",
        "Microsoft.Sql/servers/read",
        "Microsoft.Sql/servers/auditingSettings/read",
        "Microsoft.Sql/servers/databases/transparentDataEncryption/read",
        "Microsoft.Storage/storageAccounts/managementPolicies/read",
        "Microsoft.Network/virtualNetworks/read",
        "Microsoft.OperationalInsights/workspaces/read",
        "Microsoft.Security/pricings/read",
        "Microsoft.Authorization/roleAssignments/read",
      ].sort(),
    );
    expect([...AZURE_RESOURCE_DECLARATIONS, ...AZURE_TENANT_DECLARATIONS].map((d) => d.type).sort()).toEqual(
      [...AZURE_RESOURCE_TYPES].sort(),
    );
    // The Graph permission is granted to the app with admin consent, never put in an Azure role.
    expect(AZURE_PERMISSIONS).not.toContain("AuditLog.Read.All");
    expect(buildAzureRoleDefinition().Description).toContain("AuditLog.Read.All");
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
