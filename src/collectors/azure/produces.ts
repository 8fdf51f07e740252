/** Resource types the Azure collector emits; imported by the registry without loading any Azure SDK. */
export const AZURE_RESOURCE_TYPES = [
  "azure.storage.account",
  "azure.keyvault.vault",
  "azure.keyvault.key",
  "azure.compute.disk",
  "azure.compute.vm",
  "azure.recoveryservices.vault",
  "azure.network.nsg",
  "azure.sql.server",
  "azure.sql.database",
  "azure.network.subnet",
  "azure.loganalytics.workspace",
  "azure.subscription",
  "azure.entra.user",
] as const;
