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
  /** `managementPolicies/default`: the blob lifecycle management policy of a storage account. */
  readManagementPolicy: apiCall("Microsoft.Storage/storageAccounts/managementPolicies/read"),
  readVirtualNetwork: apiCall("Microsoft.Network/virtualNetworks/read"),
  readLogAnalyticsWorkspace: apiCall("Microsoft.OperationalInsights/workspaces/read"),
  /** Microsoft Defender for Cloud plans of a subscription. */
  readDefenderPricings: apiCall("Microsoft.Security/pricings/read"),
  readRoleAssignments: apiCall("Microsoft.Authorization/roleAssignments/read"),
} as const;

/**
 * Microsoft Graph calls (Entra ID), authorised by a Graph application permission granted with admin consent,
 * not by an Azure role: `assay permissions azure` names them in the role's description, never in its Actions.
 * userRegistrationDetails needs AuditLog.Read.All and a tenant with Entra ID P1 or P2.
 */
export const GRAPH_CALLS = {
  listUserRegistrationDetails: apiCall(
    "GET /reports/authenticationMethods/userRegistrationDetails",
    "AuditLog.Read.All",
  ),
  getUserRegistrationDetails: apiCall(
    "GET /reports/authenticationMethods/userRegistrationDetails/{id}",
    "AuditLog.Read.All",
  ),
} as const;

/** Graph permissions: granted to the app registration with admin consent, never part of an Azure role. */
export const GRAPH_PERMISSIONS: readonly string[] = [
  ...new Set(Object.values(GRAPH_CALLS).map((c) => c.permission)),
];
