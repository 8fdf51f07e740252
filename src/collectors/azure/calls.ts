import { apiCall } from "../kit/calls.js";

/**
 * Every Resource Manager operation the Azure collector performs, each with the RBAC action that allows it
 * (the operation and the permission have the same name in Azure). The resource type declarations list the
 * ones they use; `assay permissions azure` prints exactly these.
 */
export const AZURE_CALLS = {
  listSubscriptions: apiCall("Microsoft.Resources/subscriptions/read"),
  listResources: apiCall("Microsoft.Resources/subscriptions/resources/read"),
  readStorageAccount: apiCall("Microsoft.Storage/storageAccounts/read"),
  readKeyVault: apiCall("Microsoft.KeyVault/vaults/read"),
  readKeys: apiCall("Microsoft.KeyVault/vaults/keys/read"),
  readDisk: apiCall("Microsoft.Compute/disks/read"),
  readRecoveryVault: apiCall("Microsoft.RecoveryServices/vaults/read"),
  /** `backupconfig/vaultconfig`: the setting `az backup vault backup-properties set --soft-delete-feature-state` writes. */
  readBackupConfig: apiCall("Microsoft.RecoveryServices/Vaults/backupconfig/read"),
  listProtectedItems: apiCall("Microsoft.RecoveryServices/vaults/backupProtectedItems/read"),
  readNsg: apiCall("Microsoft.Network/networkSecurityGroups/read"),
  readSqlServer: apiCall("Microsoft.Sql/servers/read"),
  readSqlAuditing: apiCall("Microsoft.Sql/servers/auditingSettings/read"),
  readSqlTde: apiCall("Microsoft.Sql/servers/databases/transparentDataEncryption/read"),
} as const;
