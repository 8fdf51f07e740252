/**
 * Response bodies copied from Microsoft's published REST examples (the x-ms-examples of
 * github.com/Azure/azure-rest-api-specs, for the api-versions the collector calls), trimmed only of fields
 * Assay never reads (endpoints, private endpoint connections, access policies). Fields an example leaves out
 * are left out here too: those omissions are what the collector must not fill in.
 */
// Each body names its file under github.com/Azure/azure-rest-api-specs, `specification/…`.

/** Azure/azure-rest-api-specs specification/storage/resource-manager/Microsoft.Storage/stable/2023-05-01/examples/StorageAccountGetProperties.json */
export const storageAccountGetProperties = {
  keyCreationTime: { key1: "2021-03-18T04:42:22.4322836Z", key2: "2021-03-18T04:42:22.4322836Z" },
  isHnsEnabled: true,
  creationTime: "2017-06-01T02:42:41.7633306Z",
  networkAcls: { bypass: "AzureServices", defaultAction: "Allow", ipRules: [], virtualNetworkRules: [] },
  primaryLocation: "eastus2(stage)",
  provisioningState: "Succeeded",
  encryption: {
    services: {
      file: { keyType: "Account", enabled: true, lastEnabledTime: "2019-12-11T20:49:31.7036140Z" },
      blob: { keyType: "Account", enabled: true, lastEnabledTime: "2019-12-11T20:49:31.7036140Z" },
    },
    keySource: "Microsoft.Storage",
  },
  secondaryLocation: "northcentralus(stage)",
  statusOfPrimary: "available",
  statusOfSecondary: "available",
  supportsHttpsTrafficOnly: false,
  isSkuConversionBlocked: false,
  accountMigrationInProgress: false,
};

/** Azure/azure-rest-api-specs specification/keyvault/resource-manager/Microsoft.KeyVault/stable/2023-07-01/examples/getVault.json */
export const keyVaultGetVault = {
  sku: { family: "A", name: "standard" },
  tenantId: "00000000-0000-0000-0000-000000000000",
  accessPolicies: [],
  enabledForDeployment: true,
  enabledForDiskEncryption: true,
  enabledForTemplateDeployment: true,
  hsmPoolResourceId: "00000000-0000-0000-0000-000000000000",
  vaultUri: "https://sample-vault.vault.azure.net",
  provisioningState: "Succeeded",
  publicNetworkAccess: "Enabled",
};

/** Azure/azure-rest-api-specs specification/keyvault/resource-manager/Microsoft.KeyVault/stable/2023-07-01/examples/getKey.json: no rotationPolicy. */
export const keyVaultGetKey = {
  attributes: { enabled: true, created: 1598533051, updated: 1598533051, recoveryLevel: "Purgeable" },
  kty: "RSA",
  keyOps: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
  keySize: 2048,
  keyUri: "https://sample-vault-name.vault.azure.net:443/keys/sample-key-name",
  keyUriWithVersion:
    "https://sample-vault-name.vault.azure.net:443/keys/sample-key-name/fd618d9519b74f9aae94ade66b876acc",
};

/** Azure/azure-rest-api-specs specification/compute/resource-manager/Microsoft.Compute/DiskRP/stable/2024-03-02/examples/diskExamples/Disk_Get.json */
export const diskGet = {
  osType: "Windows",
  hyperVGeneration: "V1",
  supportsHibernation: true,
  securityProfile: { securityType: "TrustedLaunch" },
  creationData: { createOption: "FromImage" },
  diskSizeGB: 10,
  encryptionSettingsCollection: { enabled: true, encryptionSettings: [] },
  encryption: { type: "EncryptionAtRestWithPlatformKey" },
  LastOwnershipUpdateTime: "2016-12-28T04:41:35.079872+00:00",
  timeCreated: "2016-12-28T04:41:35.079872+00:00",
  provisioningState: "Succeeded",
};

/** Azure/azure-rest-api-specs specification/recoveryservices/resource-manager/Microsoft.RecoveryServices/stable/2024-04-01/examples/GETVault.json */
export const recoveryVaultGet = {
  publicNetworkAccess: "Enabled",
  provisioningState: "Succeeded",
  privateEndpointStateForBackup: "Enabled",
  privateEndpointStateForSiteRecovery: "None",
  securitySettings: {
    immutabilitySettings: { state: "Disabled" },
    softDeleteSettings: {
      softDeleteRetentionPeriodInDays: 14,
      softDeleteState: "Enabled",
      enhancedSecurityState: "Enabled",
    },
    multiUserAuthorization: "Disabled",
  },
  redundancySettings: { standardTierStorageRedundancy: "GeoRedundant", crossRegionRestore: "Enabled" },
  secureScore: "None",
  bcdrSecurityLevel: "Poor",
};

/**
 * The 200 reply of Azure/azure-rest-api-specs specification/recoveryservicesbackup/resource-manager/Microsoft.RecoveryServices/stable/2024-04-01/
 * examples/Common/BackupResourceVaultConfigs_Put.json` (the GET returns the same resource).
 */
export const backupVaultConfig = { enhancedSecurityState: "Enabled", softDeleteFeatureState: "Enabled" };

/** Azure/azure-rest-api-specs specification/sql/resource-manager/Microsoft.Sql/stable/2021-11-01/examples/ServerGet.json: no minimalTlsVersion. */
export const sqlServerGet = {
  fullyQualifiedDomainName: "sqlcrudtest-4645.database.windows.net",
  administratorLogin: "dummylogin",
  version: "12.0",
  state: "Ready",
  workspaceFeature: "Connected",
  publicNetworkAccess: "Enabled",
  restrictOutboundNetworkAccess: "Enabled",
};

/** Azure/azure-rest-api-specs specification/sql/resource-manager/Microsoft.Sql/stable/2021-11-01/examples/ServerBlobAuditingGet.json */
export const sqlServerBlobAuditingGet = {
  state: "Disabled",
  storageEndpoint: "",
  retentionDays: 0,
  auditActionsAndGroups: [],
  storageAccountSubscriptionId: "00000000-0000-0000-0000-000000000000",
  isStorageSecondaryKeyInUse: false,
  isAzureMonitorTargetEnabled: false,
  isManagedIdentityInUse: false,
};

const nsgRule = (name: string, p: Record<string, unknown>) => ({
  name,
  properties: { provisioningState: "Succeeded", protocol: "*", sourcePortRange: "*", ...p },
});

/** Azure/azure-rest-api-specs specification/network/resource-manager/Microsoft.Network/stable/2024-05-01/examples/NetworkSecurityGroupGet.json */
export const networkSecurityGroupGet = {
  provisioningState: "Succeeded",
  securityRules: [
    nsgRule("rule1", {
      destinationPortRange: "80",
      sourceAddressPrefix: "*",
      destinationAddressPrefix: "*",
      access: "Allow",
      priority: 130,
      direction: "Inbound",
    }),
  ],
  defaultSecurityRules: [
    nsgRule("AllowVnetInBound", {
      description: "Allow inbound traffic from all VMs in VNET",
      destinationPortRange: "*",
      sourceAddressPrefix: "VirtualNetwork",
      destinationAddressPrefix: "VirtualNetwork",
      access: "Allow",
      priority: 65000,
      direction: "Inbound",
    }),
    nsgRule("AllowAzureLoadBalancerInBound", {
      description: "Allow inbound traffic from azure load balancer",
      destinationPortRange: "*",
      sourceAddressPrefix: "AzureLoadBalancer",
      destinationAddressPrefix: "*",
      access: "Allow",
      priority: 65001,
      direction: "Inbound",
    }),
    nsgRule("DenyAllInBound", {
      description: "Deny all inbound traffic",
      destinationPortRange: "*",
      sourceAddressPrefix: "*",
      destinationAddressPrefix: "*",
      access: "Deny",
      priority: 65500,
      direction: "Inbound",
    }),
    nsgRule("AllowVnetOutBound", {
      description: "Allow outbound traffic from all VMs to all VMs in VNET",
      destinationPortRange: "*",
      sourceAddressPrefix: "VirtualNetwork",
      destinationAddressPrefix: "VirtualNetwork",
      access: "Allow",
      priority: 65000,
      direction: "Outbound",
    }),
    nsgRule("AllowInternetOutBound", {
      description: "Allow outbound traffic from all VMs to Internet",
      destinationPortRange: "*",
      sourceAddressPrefix: "*",
      destinationAddressPrefix: "Internet",
      access: "Allow",
      priority: 65001,
      direction: "Outbound",
    }),
    nsgRule("DenyAllOutBound", {
      description: "Deny all outbound traffic",
      destinationPortRange: "*",
      sourceAddressPrefix: "*",
      destinationAddressPrefix: "*",
      access: "Deny",
      priority: 65500,
      direction: "Outbound",
    }),
  ],
};
