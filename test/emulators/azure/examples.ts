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

/**
 * Azure/azure-rest-api-specs specification/security/resource-manager/Microsoft.Security/stable/2024-01-01/examples/Pricings/ListPricings_example.json
 * (the list's items, trimmed of `extensions`; the KubernetesService plan is deprecated and Free).
 */
export const pricingsList = (subscriptionId: string) =>
  (
    [
      [
        "VirtualMachines",
        {
          pricingTier: "Standard",
          subPlan: "P2",
          freeTrialRemainingTime: "PT0S",
          enablementTime: "2023-03-01T12:42:42.1921106Z",
          enforce: "False",
          resourcesCoverageStatus: "PartiallyCovered",
        },
      ],
      [
        "SqlServers",
        {
          pricingTier: "Standard",
          freeTrialRemainingTime: "PT0S",
          enablementTime: "2023-03-01T12:42:42.1921106Z",
          enforce: "False",
          resourcesCoverageStatus: "FullyCovered",
        },
      ],
      [
        "AppServices",
        {
          pricingTier: "Free",
          freeTrialRemainingTime: "PT0S",
          enforce: "False",
          resourcesCoverageStatus: "NotCovered",
        },
      ],
      [
        "KubernetesService",
        {
          pricingTier: "Free",
          freeTrialRemainingTime: "PT0S",
          enforce: "False",
          resourcesCoverageStatus: "NotCovered",
          deprecated: true,
          replacedBy: ["Containers"],
        },
      ],
      [
        "Containers",
        {
          pricingTier: "Standard",
          freeTrialRemainingTime: "PT0S",
          enablementTime: "2023-03-01T12:42:42.1921106Z",
          enforce: "False",
          resourcesCoverageStatus: "FullyCovered",
        },
      ],
    ] as const
  ).map(([name, properties]) => ({
    id: `/subscriptions/${subscriptionId}/providers/Microsoft.Security/pricings/${name}`,
    name,
    type: "Microsoft.Security/pricings",
    properties,
  }));

/** Azure/azure-rest-api-specs specification/storage/resource-manager/Microsoft.Storage/stable/2023-05-01/examples/StorageAccountGetManagementPolicy.json */
export const managementPolicyGet = {
  name: "DefaultManagementPolicy",
  type: "Microsoft.Storage/storageAccounts/managementPolicies",
  properties: {
    policy: {
      rules: [
        {
          enabled: true,
          name: "olcmtest",
          type: "Lifecycle",
          definition: {
            filters: { blobTypes: ["blockBlob"], prefixMatch: ["olcmtestcontainer"] },
            actions: {
              baseBlob: {
                tierToCool: { daysAfterModificationGreaterThan: 30 },
                tierToArchive: { daysAfterModificationGreaterThan: 90 },
                delete: { daysAfterModificationGreaterThan: 1000 },
              },
              snapshot: { delete: { daysAfterCreationGreaterThan: 30 } },
            },
          },
        },
      ],
    },
    lastModifiedTime: "2018-06-08T03:01:55.7168089Z",
  },
};

/** Azure/azure-rest-api-specs specification/operationalinsights/resource-manager/Microsoft.OperationalInsights/stable/2023-09-01/examples/WorkspacesGet.json */
export const logAnalyticsWorkspaceGet = {
  customerId: "5b02755b-5bf4-430c-9487-45502a2a7e62",
  provisioningState: "Succeeded",
  sku: { name: "Free" },
  retentionInDays: 30,
  publicNetworkAccessForQuery: "Enabled",
  publicNetworkAccessForIngestion: "Enabled",
};

/**
 * Microsoft Graph v1.0 `GET /reports/authenticationMethods/userRegistrationDetails`, the example response of
 * microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/api/authenticationmethodsroot-list-userregistrationdetails.md
 */
export const userRegistrationDetailsList = [
  {
    id: "86462606-fde0-4fc4-9e0c-a20eb73e54c6",
    userPrincipalName: "AlexW@Contoso.com",
    userDisplayName: "Alex Wilber",
    isAdmin: false,
    isSsprRegistered: false,
    isSsprEnabled: false,
    isSsprCapable: false,
    isMfaRegistered: true,
    isMfaCapable: true,
    isPasswordlessCapable: false,
    lastUpdatedDateTime: "2023-03-13T19:15:41.6195833Z",
    methodsRegistered: ["microsoftAuthenticatorPush", "softwareOneTimePasscode"],
    isSystemPreferredAuthenticationMethodEnabled: true,
    systemPreferredAuthenticationMethods: ["push"],
    userPreferredMethodForSecondaryAuthentication: "push",
    userType: "member",
  },
  {
    id: "c6ad1942-4afa-47f8-8d48-afb5d8d69d2f",
    userPrincipalName: "AllanD@Contoso.com",
    userDisplayName: "Allan Deyoung",
    isAdmin: false,
    isSsprRegistered: false,
    isSsprEnabled: false,
    isSsprCapable: false,
    isMfaRegistered: false,
    isMfaCapable: false,
    isPasswordlessCapable: false,
    lastUpdatedDateTime: "2023-03-13T19:15:41.6195833Z",
    methodsRegistered: [],
    isSystemPreferredAuthenticationMethodEnabled: true,
    systemPreferredAuthenticationMethods: [],
    userPreferredMethodForSecondaryAuthentication: "",
    userType: "guest",
  },
  {
    id: "c8096958-797c-44fa-8fde-a6fb62567cf0",
    userPrincipalName: "BiancaP@Contoso.com",
    userDisplayName: "Bianca Pisani",
    isAdmin: false,
    isSsprRegistered: true,
    isSsprEnabled: false,
    isSsprCapable: false,
    isMfaRegistered: true,
    isMfaCapable: true,
    isPasswordlessCapable: false,
    lastUpdatedDateTime: "2023-03-13T19:15:41.6195833Z",
    methodsRegistered: ["mobilePhone", "microsoftAuthenticatorPush", "softwareOneTimePasscode"],
    isSystemPreferredAuthenticationMethodEnabled: true,
    systemPreferredAuthenticationMethods: ["push"],
    userPreferredMethodForSecondaryAuthentication: "voiceMobile",
    userType: "member",
  },
];

/**
 * A role assignment in the shape of RoleAssignment (Azure/azure-rest-api-specs
 * specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleAssignmentsCalls.json,
 * as in its example RoleAssignments_ListForSubscription.json): id, name, type and properties with
 * roleDefinitionId, principalId, principalType and scope.
 */
export function roleAssignment(
  scope: string,
  name: string,
  roleDefinition: string,
  principalId: string,
  principalType: string,
) {
  const subscription = /^\/subscriptions\/[^/]+/.exec(scope)?.[0] ?? scope;
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    type: "Microsoft.Authorization/roleAssignments",
    properties: {
      roleDefinitionId: `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${roleDefinition}`,
      principalId,
      principalType,
      scope,
      createdOn: "2022-04-01T10:00:00.0000000Z",
      updatedOn: "2022-04-01T10:00:00.0000000Z",
    },
  };
}
