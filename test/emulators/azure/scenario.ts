import {
  backupVaultConfig,
  diskGet,
  keyVaultGetKey,
  keyVaultGetVault,
  logAnalyticsWorkspaceGet,
  managementPolicyGet,
  networkSecurityGroupGet,
  pricingsList,
  recoveryVaultGet,
  roleAssignment,
  sqlServerBlobAuditingGet,
  sqlServerGet,
  storageAccountGetProperties,
  userRegistrationDetailsList,
} from "./examples.js";
import type { ArmResource, ArmSeed } from "./server.js";

/**
 * A seeded Azure estate with resources in known states: two subscriptions, the second one denied. The
 * `…Example` resources serve Microsoft's published example bodies as they are (see examples.ts), fields left
 * out included; the others use the same field names with values chosen to reach each verdict.
 * Api versions are written out here (not imported from the collector) so a wrong version in the
 * collector shows up as an InvalidApiVersionParameter reply.
 */
export const SUB_A = "11111111-1111-1111-1111-111111111111";
export const SUB_B = "22222222-2222-2222-2222-222222222222";
export const SUB_DISABLED = "44444444-4444-4444-4444-444444444444";
const rg = `/subscriptions/${SUB_A}/resourceGroups/rg-prod`;
const prov = (p: string) => `${rg}/providers/${p}`;

export const azureIds = {
  stGood: prov("Microsoft.Storage/storageAccounts/stgood"),
  stBad: prov("Microsoft.Storage/storageAccounts/stbad"),
  stDenied: prov("Microsoft.Storage/storageAccounts/stdenied"),
  stThrottled: prov("Microsoft.Storage/storageAccounts/stthrottled"),
  kvGood: prov("Microsoft.KeyVault/vaults/kv-good"),
  kvBad: prov("Microsoft.KeyVault/vaults/kv-bad"),
  keyRotating: prov("Microsoft.KeyVault/vaults/kv-good/keys/rotating"),
  keyStatic: prov("Microsoft.KeyVault/vaults/kv-good/keys/static"),
  diskCmk: prov("Microsoft.Compute/disks/disk-cmk"),
  diskPmk: prov("Microsoft.Compute/disks/disk-pmk"),
  vmProtected: prov("Microsoft.Compute/virtualMachines/vm-protected"),
  vmStale: prov("Microsoft.Compute/virtualMachines/vm-stale"),
  vmUnprotected: prov("Microsoft.Compute/virtualMachines/vm-unprotected"),
  rsvGood: prov("Microsoft.RecoveryServices/vaults/rsv-good"),
  rsvNoSoftDelete: prov("Microsoft.RecoveryServices/vaults/rsv-nosoftdelete"),
  nsgSsh: prov("Microsoft.Network/networkSecurityGroups/nsg-ssh-open"),
  nsgRdp: prov("Microsoft.Network/networkSecurityGroups/nsg-rdp-range"),
  nsgShadowed: prov("Microsoft.Network/networkSecurityGroups/nsg-shadowed"),
  nsgPrivate: prov("Microsoft.Network/networkSecurityGroups/nsg-private"),
  sqlGood: prov("Microsoft.Sql/servers/sql-good"),
  sqlBad: prov("Microsoft.Sql/servers/sql-bad"),
  dbGood: prov("Microsoft.Sql/servers/sql-good/databases/app"),
  dbBad: prov("Microsoft.Sql/servers/sql-bad/databases/legacy"),
  dbMaster: prov("Microsoft.Sql/servers/sql-good/databases/master"),
  stExample: prov("Microsoft.Storage/storageAccounts/sto8596"),
  kvExample: prov("Microsoft.KeyVault/vaults/sample-vault"),
  keyExample: prov("Microsoft.KeyVault/vaults/sample-vault/keys/sample-key-name"),
  diskExample: prov("Microsoft.Compute/disks/myManagedDisk"),
  diskSetOnly: prov("Microsoft.Compute/disks/disk-set-only"),
  rsvExample: prov("Microsoft.RecoveryServices/vaults/swaggerExample"),
  rsvLegacy: prov("Microsoft.RecoveryServices/vaults/rsv-legacy"),
  sqlExample: prov("Microsoft.Sql/servers/sqlcrudtest-4645"),
  sqlNoRetention: prov("Microsoft.Sql/servers/sql-monitor-only"),
  nsgExample: prov("Microsoft.Network/networkSecurityGroups/testnsg"),
  vnet: prov("Microsoft.Network/virtualNetworks/vnet-prod"),
  vnetDenied: prov("Microsoft.Network/virtualNetworks/vnet-denied"),
  subnetApp: prov("Microsoft.Network/virtualNetworks/vnet-prod/subnets/app"),
  subnetData: prov("Microsoft.Network/virtualNetworks/vnet-prod/subnets/data"),
  subnetGateway: prov("Microsoft.Network/virtualNetworks/vnet-prod/subnets/GatewaySubnet"),
  lawExample: prov("Microsoft.OperationalInsights/workspaces/oiautorest6685"),
  lawLong: prov("Microsoft.OperationalInsights/workspaces/law-audit"),
  subscriptionA: `/subscriptions/${SUB_A}`,
};

/** Entra ID users of the Graph example (userRegistrationDetails): Alex and Bianca have MFA, Allan has none. */
export const entraUsers = {
  alex: "86462606-fde0-4fc4-9e0c-a20eb73e54c6",
  allan: "c6ad1942-4afa-47f8-8d48-afb5d8d69d2f",
  bianca: "c8096958-797c-44fa-8fde-a6fb62567cf0",
  /** An owner the report does not list. */
  ghost: "99999999-9999-4999-8999-999999999999",
  ownersGroup: "77777777-7777-4777-8777-777777777777",
};
export const OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const READER_ROLE = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

export const API_VERSIONS: Record<string, string> = {
  // @azure/arm-resources-subscriptions and @azure/arm-resources default versions.
  "microsoft.resources/subscriptions": "2022-12-01",
  "microsoft.resources/resources": "2025-04-01",
  "microsoft.storage/storageaccounts": "2023-05-01",
  "microsoft.keyvault/vaults": "2023-07-01",
  "microsoft.keyvault/vaults/keys": "2023-07-01",
  "microsoft.compute/disks": "2024-03-02",
  "microsoft.recoveryservices/vaults": "2024-04-01",
  "microsoft.recoveryservices/vaults/backupconfig": "2024-04-01",
  "microsoft.recoveryservices/vaults/backupprotecteditems": "2024-04-01",
  "microsoft.network/networksecuritygroups": "2024-05-01",
  "microsoft.sql/servers": "2021-11-01",
  "microsoft.sql/servers/auditingsettings": "2021-11-01",
  "microsoft.sql/servers/databases/transparentdataencryption": "2021-11-01",
  "microsoft.storage/storageaccounts/managementpolicies": "2023-05-01",
  "microsoft.network/virtualnetworks": "2024-05-01",
  "microsoft.operationalinsights/workspaces": "2023-09-01",
  "microsoft.security/pricings": "2024-01-01",
  "microsoft.authorization/roleassignments": "2022-04-01",
};

function rule(
  name: string,
  priority: number,
  access: string,
  source: string,
  ports: string | string[],
  protocol = "Tcp",
) {
  return {
    name,
    properties: {
      priority,
      direction: "Inbound",
      access,
      protocol,
      sourceAddressPrefix: source,
      ...(Array.isArray(ports) ? { destinationPortRanges: ports } : { destinationPortRange: ports }),
    },
  };
}

const DEFAULT_NSG_RULES = [
  rule("AllowVnetInBound", 65000, "Allow", "VirtualNetwork", "*", "*"),
  rule("AllowAzureLoadBalancerInBound", 65001, "Allow", "AzureLoadBalancer", "*", "*"),
  rule("DenyAllInBound", 65500, "Deny", "*", "*", "*"),
];

export function azureScenario(now: Date): ArmSeed {
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
  const r = (
    id: string,
    type: string,
    properties: unknown,
    extra: Partial<ArmResource> = {},
  ): ArmResource => ({
    id,
    name: id.split("/").pop() ?? id,
    type,
    location: "westeurope",
    tags: {},
    properties,
    ...extra,
  });
  const goodStorage = {
    supportsHttpsTrafficOnly: true,
    minimumTlsVersion: "TLS1_2",
    allowBlobPublicAccess: false,
    encryption: {
      keySource: "Microsoft.Keyvault",
      requireInfrastructureEncryption: true,
      keyvaultproperties: { keyvaulturi: "https://kv-good.vault.azure.net/", keyname: "rotating" },
    },
  };
  const nsg = (id: string, rules: unknown[]) =>
    r(id, "Microsoft.Network/networkSecurityGroups", {
      securityRules: rules,
      defaultSecurityRules: DEFAULT_NSG_RULES,
    });

  return {
    subscriptions: [
      { subscriptionId: SUB_A, displayName: "Production" },
      { subscriptionId: SUB_B, displayName: "Sandbox" },
      { subscriptionId: SUB_DISABLED, displayName: "Cancelled", state: "Disabled" },
    ],
    apiVersions: API_VERSIONS,
    resources: [
      r(azureIds.stGood, "Microsoft.Storage/storageAccounts", goodStorage, { tags: { env: "prod" } }),
      r(azureIds.stBad, "Microsoft.Storage/storageAccounts", {
        supportsHttpsTrafficOnly: false,
        minimumTlsVersion: "TLS1_0",
        allowBlobPublicAccess: true,
        encryption: { keySource: "Microsoft.Storage", requireInfrastructureEncryption: false },
      }),
      r(azureIds.stDenied, "Microsoft.Storage/storageAccounts", goodStorage),
      r(azureIds.stThrottled, "Microsoft.Storage/storageAccounts", goodStorage),
      r(azureIds.kvGood, "Microsoft.KeyVault/vaults", {
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enablePurgeProtection: true,
        enableRbacAuthorization: true,
      }),
      r(azureIds.kvBad, "Microsoft.KeyVault/vaults", {
        enableSoftDelete: false,
        softDeleteRetentionInDays: 7,
      }),
      r(
        azureIds.keyRotating,
        "Microsoft.KeyVault/vaults/keys",
        {
          kty: "RSA",
          keySize: 3072,
          attributes: { enabled: true, exp: Math.floor(now.getTime() / 1000) + 300 * 86400 },
          rotationPolicy: {
            lifetimeActions: [
              { trigger: { timeAfterCreate: "P90D" }, action: { type: "rotate" } },
              { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "notify" } },
            ],
            attributes: { expiryTime: "P1Y" },
          },
        },
        { listed: false },
      ),
      r(
        azureIds.keyStatic,
        "Microsoft.KeyVault/vaults/keys",
        {
          kty: "EC",
          curveName: "P-256",
          attributes: { enabled: true },
          rotationPolicy: {
            lifetimeActions: [{ trigger: { timeBeforeExpiry: "P30D" }, action: { type: "Notify" } }],
          },
        },
        { listed: false },
      ),
      r(azureIds.diskCmk, "Microsoft.Compute/disks", {
        encryption: {
          type: "EncryptionAtRestWithCustomerKey",
          diskEncryptionSetId: `${rg}/providers/Microsoft.Compute/diskEncryptionSets/des-1`,
        },
        networkAccessPolicy: "DenyAll",
        diskState: "Attached",
      }),
      r(azureIds.diskPmk, "Microsoft.Compute/disks", {
        encryption: { type: "EncryptionAtRestWithPlatformKey" },
        networkAccessPolicy: "AllowAll",
        diskState: "Unattached",
      }),
      r(azureIds.vmProtected, "Microsoft.Compute/virtualMachines", {}),
      r(azureIds.vmStale, "Microsoft.Compute/virtualMachines", {}),
      r(azureIds.vmUnprotected, "Microsoft.Compute/virtualMachines", {}),
      r(azureIds.rsvGood, "Microsoft.RecoveryServices/vaults", {
        securitySettings: {
          softDeleteSettings: { softDeleteState: "AlwaysON" },
          immutabilitySettings: { state: "Locked" },
        },
        redundancySettings: { standardTierStorageRedundancy: "GeoRedundant" },
      }),
      r(azureIds.rsvNoSoftDelete, "Microsoft.RecoveryServices/vaults", {
        securitySettings: { softDeleteSettings: { softDeleteState: "Disabled" } },
      }),
      nsg(azureIds.nsgSsh, [rule("ssh-anywhere", 100, "Allow", "*", "22")]),
      nsg(azureIds.nsgRdp, [rule("mgmt", 300, "Allow", "Internet", ["443", "3380-3390"])]),
      nsg(azureIds.nsgShadowed, [
        rule("deny-ssh", 100, "Deny", "Internet", "22"),
        rule("ssh", 200, "Allow", "*", "22"),
      ]),
      nsg(azureIds.nsgPrivate, [
        rule("ssh-vnet", 100, "Allow", "10.0.0.0/8", "22"),
        rule("https", 110, "Allow", "*", "443"),
      ]),
      r(azureIds.sqlGood, "Microsoft.Sql/servers", {
        minimalTlsVersion: "1.2",
        publicNetworkAccess: "Disabled",
      }),
      r(azureIds.sqlBad, "Microsoft.Sql/servers", {
        minimalTlsVersion: "1.0",
        publicNetworkAccess: "Enabled",
      }),
      r(
        `${azureIds.sqlGood}/auditingSettings/default`,
        "Microsoft.Sql/servers/auditingSettings",
        { state: "Enabled", retentionDays: 120 },
        { listed: false },
      ),
      r(
        `${azureIds.sqlBad}/auditingSettings/default`,
        "Microsoft.Sql/servers/auditingSettings",
        { state: "Disabled", retentionDays: 0 },
        { listed: false },
      ),
      r(azureIds.dbGood, "Microsoft.Sql/servers/databases", {}),
      r(azureIds.dbBad, "Microsoft.Sql/servers/databases", {}),
      r(azureIds.dbMaster, "Microsoft.Sql/servers/databases", {}),
      r(
        `${azureIds.dbGood}/transparentDataEncryption/current`,
        "Microsoft.Sql/servers/databases/transparentDataEncryption",
        { state: "Enabled" },
        { listed: false },
      ),
      r(
        `${azureIds.dbBad}/transparentDataEncryption/current`,
        "Microsoft.Sql/servers/databases/transparentDataEncryption",
        { state: "Disabled" },
        { listed: false },
      ),
      r(azureIds.stExample, "Microsoft.Storage/storageAccounts", storageAccountGetProperties),
      r(azureIds.kvExample, "Microsoft.KeyVault/vaults", keyVaultGetVault),
      r(azureIds.keyExample, "Microsoft.KeyVault/vaults/keys", keyVaultGetKey, { listed: false }),
      r(azureIds.diskExample, "Microsoft.Compute/disks", diskGet),
      // A disk encryption set without `encryption.type`: not a platform key.
      r(azureIds.diskSetOnly, "Microsoft.Compute/disks", {
        encryption: { diskEncryptionSetId: `${rg}/providers/Microsoft.Compute/diskEncryptionSets/des-1` },
      }),
      r(azureIds.rsvExample, "Microsoft.RecoveryServices/vaults", recoveryVaultGet),
      // An older vault: no securitySettings in the vault reply, soft delete said only by its backup config.
      r(azureIds.rsvLegacy, "Microsoft.RecoveryServices/vaults", { provisioningState: "Succeeded" }),
      ...(
        [
          [azureIds.rsvGood, { ...backupVaultConfig, softDeleteFeatureState: "AlwaysON" }],
          [azureIds.rsvNoSoftDelete, { ...backupVaultConfig, softDeleteFeatureState: "Disabled" }],
          [azureIds.rsvExample, backupVaultConfig],
          [azureIds.rsvLegacy, { enhancedSecurityState: "Disabled", softDeleteFeatureState: "Disabled" }],
        ] as const
      ).map(([vault, properties]) =>
        r(`${vault}/backupconfig/vaultconfig`, "Microsoft.RecoveryServices/vaults/backupconfig", properties, {
          name: "vaultconfig",
          listed: false,
        }),
      ),
      r(azureIds.sqlExample, "Microsoft.Sql/servers", sqlServerGet),
      r(
        `${azureIds.sqlExample}/auditingSettings/default`,
        "Microsoft.Sql/servers/auditingSettings",
        sqlServerBlobAuditingGet,
        { listed: false },
      ),
      // Auditing to Log Analytics only: the reply has no retentionDays.
      r(azureIds.sqlNoRetention, "Microsoft.Sql/servers", { minimalTlsVersion: "1.2" }),
      r(
        `${azureIds.sqlNoRetention}/auditingSettings/default`,
        "Microsoft.Sql/servers/auditingSettings",
        { state: "Enabled", isAzureMonitorTargetEnabled: true, auditActionsAndGroups: [] },
        { listed: false },
      ),
      r(azureIds.nsgExample, "Microsoft.Network/networkSecurityGroups", networkSecurityGroupGet),
      r(
        `${azureIds.stGood}/managementPolicies/default`,
        "Microsoft.Storage/storageAccounts/managementPolicies",
        managementPolicyGet.properties,
        { name: "DefaultManagementPolicy", listed: false },
      ),
      // A policy that only moves blobs to cooler tiers: nothing is ever deleted.
      r(
        `${azureIds.stBad}/managementPolicies/default`,
        "Microsoft.Storage/storageAccounts/managementPolicies",
        {
          policy: {
            rules: [
              {
                name: "tiering",
                type: "Lifecycle",
                definition: {
                  actions: { baseBlob: { tierToCool: { daysAfterModificationGreaterThan: 30 } } },
                },
              },
            ],
          },
        },
        { name: "DefaultManagementPolicy", listed: false },
      ),
      // Subnets in the shape of Subnet (specification/network/resource-manager/Microsoft.Network/stable/
      // 2024-05-01/virtualNetwork.json, as in VirtualNetworkGet.json): `networkSecurityGroup` only when one is set.
      r(azureIds.vnet, "Microsoft.Network/virtualNetworks", {
        addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
        provisioningState: "Succeeded",
        subnets: [
          {
            id: azureIds.subnetApp,
            name: "app",
            properties: {
              addressPrefix: "10.0.1.0/24",
              networkSecurityGroup: { id: azureIds.nsgPrivate },
              provisioningState: "Succeeded",
            },
          },
          {
            id: azureIds.subnetData,
            name: "data",
            properties: {
              addressPrefix: "10.0.2.0/24",
              delegations: [
                {
                  name: "sql",
                  properties: { serviceName: "Microsoft.Sql/managedInstances" },
                },
              ],
              provisioningState: "Succeeded",
            },
          },
          {
            id: azureIds.subnetGateway,
            name: "GatewaySubnet",
            properties: { addressPrefix: "10.0.255.0/27", provisioningState: "Succeeded" },
          },
        ],
      }),
      r(azureIds.vnetDenied, "Microsoft.Network/virtualNetworks", { subnets: [] }),
      r(azureIds.lawExample, "Microsoft.OperationalInsights/workspaces", logAnalyticsWorkspaceGet),
      r(azureIds.lawLong, "Microsoft.OperationalInsights/workspaces", {
        provisioningState: "Succeeded",
        sku: { name: "PerGB2018" },
        retentionInDays: 400,
        workspaceCapping: { dailyQuotaGb: -1 },
      }),
      // Something Assay has no rules for: listed, never read.
      r(prov("Microsoft.Web/sites/app-1"), "Microsoft.Web/sites", {}),
    ],
    collections: {
      [`${azureIds.kvGood}/keys`]: [
        { id: azureIds.keyRotating, name: "rotating", type: "Microsoft.KeyVault/vaults/keys" },
        { id: azureIds.keyStatic, name: "static", type: "Microsoft.KeyVault/vaults/keys" },
      ],
      // Protected items follow AzureIaaSVMProtectedItem (ProtectedItem: sourceResourceId, protectedItemType;
      // protectionState, lastBackupStatus, lastBackupTime) in Azure/azure-rest-api-specs
      // specification/recoveryservicesbackup/resource-manager/Microsoft.RecoveryServices/stable/2024-04-01/bms.json.
      [`${azureIds.rsvGood}/backupProtectedItems`]: [
        {
          id: `${azureIds.rsvGood}/backupFabrics/Azure/protectionContainers/c1/protectedItems/vm;vm-protected`,
          properties: {
            protectedItemType: "Microsoft.Compute/virtualMachines",
            sourceResourceId: azureIds.vmProtected,
            protectionState: "Protected",
            lastBackupStatus: "Completed",
            lastBackupTime: hoursAgo(20),
          },
        },
        {
          id: `${azureIds.rsvGood}/backupFabrics/Azure/protectionContainers/c2/protectedItems/vm;vm-stale`,
          properties: {
            protectedItemType: "Microsoft.Compute/virtualMachines",
            sourceResourceId: azureIds.vmStale.toLowerCase(),
            protectionState: "ProtectionError",
            lastBackupStatus: "Failed",
            lastBackupTime: hoursAgo(240),
          },
        },
      ],
      [`${azureIds.rsvNoSoftDelete}/backupProtectedItems`]: [],
      [`${azureIds.rsvExample}/backupProtectedItems`]: [],
      [`${azureIds.rsvLegacy}/backupProtectedItems`]: [],
      [`/subscriptions/${SUB_A}/providers/Microsoft.Security/pricings`]: pricingsList(SUB_A),
      [`/subscriptions/${SUB_A}/providers/Microsoft.Authorization/roleAssignments`]: [
        roleAssignment(`/subscriptions/${SUB_A}`, "ra-alex", OWNER_ROLE, entraUsers.alex, "User"),
        roleAssignment(`/subscriptions/${SUB_A}`, "ra-allan", OWNER_ROLE, entraUsers.allan, "User"),
        roleAssignment(`/subscriptions/${SUB_A}`, "ra-ghost", OWNER_ROLE, entraUsers.ghost, "User"),
        roleAssignment(`/subscriptions/${SUB_A}`, "ra-group", OWNER_ROLE, entraUsers.ownersGroup, "Group"),
        // A reader is no owner.
        roleAssignment(`/subscriptions/${SUB_A}`, "ra-bianca", READER_ROLE, entraUsers.bianca, "User"),
      ],
      // The shape of listKeys.json (keyvault 2023-07-01): id, name, type, location, properties.
      [`${azureIds.kvExample}/keys`]: [
        {
          id: azureIds.keyExample,
          name: "sample-key-name",
          type: "Microsoft.KeyVault/vaults/keys",
          location: "westeurope",
          properties: { attributes: keyVaultGetKey.attributes, keyUri: keyVaultGetKey.keyUri },
        },
      ],
    },
    graph: {
      collections: {
        "/v1.0/reports/authenticationMethods/userRegistrationDetails": userRegistrationDetailsList,
      },
      entities: Object.fromEntries(
        userRegistrationDetailsList.map((u) => [
          `/v1.0/reports/authenticationMethods/userRegistrationDetails/${u.id}`,
          {
            "@odata.context":
              "https://graph.microsoft.com/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails/$entity",
            ...u,
          },
        ]),
      ),
    },
    faults: [
      { path: azureIds.stDenied, status: 403, action: "Microsoft.Storage/storageAccounts/read" },
      { path: azureIds.vnetDenied, status: 403, action: "Microsoft.Network/virtualNetworks/read" },
      { path: azureIds.stThrottled, status: 429, times: 1, retryAfterSeconds: 1 },
      { path: `${azureIds.kvBad}/keys`, status: 403, action: "Microsoft.KeyVault/vaults/keys/read" },
      {
        path: `/subscriptions/${SUB_B}/resources`,
        status: 403,
        action: "Microsoft.Resources/subscriptions/resources/read",
      },
    ],
  };
}
