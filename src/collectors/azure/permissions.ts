/**
 * The read-only Azure operations the collector calls, one per API it uses. `assay permissions azure` prints
 * them as a custom role definition; assigning it (or the built-in Reader role, which is a superset) is enough.
 */
export const AZURE_PERMISSIONS = [
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
] as const;

export interface AzureRoleDefinition {
  Name: string;
  IsCustom: true;
  Description: string;
  Actions: string[];
  NotActions: string[];
  DataActions: string[];
  NotDataActions: string[];
  AssignableScopes: string[];
}

/** A custom role definition (`az role definition create --role-definition @assay-reader.json`). */
export function buildAzureRoleDefinition(
  actions: readonly string[] = AZURE_PERMISSIONS,
  subscriptionIds: readonly string[] = [],
): AzureRoleDefinition {
  return {
    Name: "Assay Reader",
    IsCustom: true,
    Description:
      "Read-only access Assay needs to check storage, Key Vault, disks, backup, NSG and SQL settings.",
    Actions: [...actions].sort(),
    NotActions: [],
    DataActions: [],
    NotDataActions: [],
    AssignableScopes: subscriptionIds.length
      ? subscriptionIds.map((id) => `/subscriptions/${id}`)
      : ["/subscriptions/<subscription-id>"],
  };
}
