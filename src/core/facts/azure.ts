import { z } from "zod";

/**
 * Facts about Azure resources, read from ARM replies (`properties.*`). Every fact is optional: a fact is what
 * the API returned, so a field the reply omitted is absent (never a default filled in by the collector), and a
 * fact the collector could not read (a denied call) is absent and named in the resource's `unreadable` map.
 * Where Microsoft documents what an omitted field means, the rule states it in CEL and cites the document.
 * Durations (ISO 8601 `P90D`) are converted to days so rules compare numbers.
 */
const days = z.number().nonnegative();

const LifecycleDeleteSchema = z.strictObject({
  daysAfterModificationGreaterThan: days.optional(),
  daysAfterCreationGreaterThan: days.optional(),
  daysAfterLastAccessTimeGreaterThan: days.optional(),
});

export const AzureStorageAccountFactsSchema = z.strictObject({
  /** `supportsHttpsTrafficOnly`: plain HTTP requests are refused. */
  httpsOnly: z.boolean().optional(),
  /** `minimumTlsVersion`: TLS1_0, TLS1_1, TLS1_2, TLS1_3. */
  minimumTlsVersion: z.string().optional(),
  /** `allowBlobPublicAccess`: containers may be made anonymously readable (absent: see AZ-ST-003). */
  allowBlobPublicAccess: z.boolean().optional(),
  publicNetworkAccess: z.string().optional(),
  encryption: z
    .strictObject({
      /** `Microsoft.Storage` (platform-managed keys) or `Microsoft.Keyvault` (customer-managed keys). */
      keySource: z.string().optional(),
      keyVaultKeyUri: z.string().optional(),
      /** Second layer of platform encryption (`requireInfrastructureEncryption`). */
      infrastructureEncryption: z.boolean().optional(),
    })
    .optional(),
  /**
   * The rules of the blob lifecycle management policy (`managementPolicies/default`); an empty list when the
   * account has none (ARM answers ManagementPolicyNotFound). Each rule's delete actions in days, as set.
   */
  lifecycleRules: z
    .array(
      z.strictObject({
        name: z.string(),
        /** `enabled` as returned (the 2023-05-01 spec: "Rule is enabled if set to true"). */
        enabled: z.boolean().optional(),
        /** `Lifecycle` is the only type the API defines. */
        type: z.string().optional(),
        /** `actions.baseBlob.delete`: days after modification, creation or last access (whichever is set). */
        baseBlobDelete: LifecycleDeleteSchema.optional(),
        /** `actions.snapshot.delete`. */
        snapshotDelete: LifecycleDeleteSchema.optional(),
        /** `actions.version.delete`. */
        versionDelete: LifecycleDeleteSchema.optional(),
      }),
    )
    .optional(),
});

export const AzureKeyVaultFactsSchema = z.strictObject({
  softDeleteEnabled: z.boolean().optional(),
  softDeleteRetentionDays: days.optional(),
  purgeProtectionEnabled: z.boolean().optional(),
  rbacAuthorization: z.boolean().optional(),
  publicNetworkAccess: z.string().optional(),
});

export const AzureKeyVaultKeyFactsSchema = z.strictObject({
  vaultName: z.string().optional(),
  /** `kty`: RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM. */
  keyType: z.string().optional(),
  /** `keySize` in bits (RSA and oct keys). */
  keySize: z.number().int().positive().optional(),
  /** `curveName` of an EC key: P-256, P-384, P-521, P-256K. */
  curveName: z.string().optional(),
  enabled: z.boolean().optional(),
  /** Expiry of the current key version, if set. */
  expiresAt: z.iso.datetime().optional(),
  rotation: z
    .strictObject({
      /** A lifetime action of type `rotate` exists. */
      autoRotate: z.boolean(),
      /** `timeAfterCreate` of the rotate action, in days. */
      rotateAfterDays: days.optional(),
      /** `timeBeforeExpiry` of the rotate action, in days. */
      rotateBeforeExpiryDays: days.optional(),
      /** `attributes.expiryTime` of the policy: how long each new version lives, in days. */
      expiryDays: days.optional(),
    })
    .optional(),
});

export const AzureManagedDiskFactsSchema = z.strictObject({
  /** EncryptionAtRestWithPlatformKey | EncryptionAtRestWithCustomerKey | EncryptionAtRestWithPlatformAndCustomerKeys. */
  encryptionType: z.string().optional(),
  /** A disk encryption set wraps the disk's key with a customer-managed Key Vault key. */
  diskEncryptionSetId: z.string().optional(),
  /** Azure Disk Encryption (BitLocker/dm-crypt inside the guest) settings present and enabled. */
  adeEnabled: z.boolean().optional(),
  /** AllowAll | AllowPrivate | DenyAll: whether a SAS export URL can be created from anywhere. */
  networkAccessPolicy: z.string().optional(),
  diskState: z.string().optional(),
});

export const AzureVirtualMachineFactsSchema = z.strictObject({
  backup: z
    .strictObject({
      /** A Recovery Services vault in the subscription protects this VM. */
      protected: z.boolean(),
      vaultId: z.string().optional(),
      protectionState: z.string().optional(),
      lastBackupStatus: z.string().optional(),
      lastBackupTime: z.iso.datetime().optional(),
    })
    .optional(),
});

export const AzureRecoveryVaultFactsSchema = z.strictObject({
  /** `securitySettings.softDeleteSettings.softDeleteState` of the vault: Enabled | Disabled | AlwaysON. */
  softDeleteState: z.string().optional(),
  /** `backupconfig/vaultconfig` `softDeleteFeatureState` (what `az backup vault backup-properties set` writes). */
  softDeleteFeatureState: z.string().optional(),
  /** `backupconfig/vaultconfig` `softDeleteRetentionPeriodInDays`. */
  softDeleteRetentionDays: days.optional(),
  immutabilityState: z.string().optional(),
  storageRedundancy: z.string().optional(),
  protectedItemCount: z.number().int().nonnegative().optional(),
});

const NsgRuleSchema = z.strictObject({
  name: z.string(),
  priority: z.number().int(),
  access: z.string(),
  protocol: z.string(),
  sources: z.array(z.string()),
  ports: z.array(z.string()),
});

export const AzureNetworkSecurityGroupFactsSchema = z.strictObject({
  /**
   * Inbound security rules and default security rules as configured (sorted by priority): `sources` merges
   * sourceAddressPrefix(es), `ports` destinationPortRange(s). Exposure is judged by the rules (AZ-NSG-*).
   */
  inboundRules: z.array(NsgRuleSchema).optional(),
});

export const AzureSqlServerFactsSchema = z.strictObject({
  minimalTlsVersion: z.string().optional(),
  publicNetworkAccess: z.string().optional(),
  auditing: z
    .strictObject({
      enabled: z.boolean(),
      /** 0 means kept forever; absent when the API did not return it. */
      retentionDays: z.number().int().nonnegative().optional(),
    })
    .optional(),
});

export const AzureSqlDatabaseFactsSchema = z.strictObject({
  serverName: z.string().optional(),
  /** Transparent data encryption state is `Enabled`. */
  tdeEnabled: z.boolean().optional(),
});

export const AzureSubnetFactsSchema = z.strictObject({
  /** The virtual network the subnet belongs to (its name). */
  virtualNetwork: z.string().optional(),
  /** `addressPrefix` and `addressPrefixes` merged. */
  addressPrefixes: z.array(z.string()).optional(),
  /** `networkSecurityGroup.id`; ARM leaves `networkSecurityGroup` out of a subnet that has none. */
  networkSecurityGroupId: z.string().optional(),
  /** `delegations[].properties.serviceName` (a subnet delegated to a service, e.g. Microsoft.Web/serverFarms). */
  delegations: z.array(z.string()).optional(),
  provisioningState: z.string().optional(),
});

export const AzureLogAnalyticsWorkspaceFactsSchema = z.strictObject({
  /** `retentionInDays`: how long ingested data is kept (interactive retention). */
  retentionInDays: z.number().int().nonnegative().optional(),
  /** `sku.name`: Free (retention fixed at 7 days), PerGB2018, CapacityReservation, … */
  sku: z.string().optional(),
  /** `workspaceCapping.dailyQuotaGb`; -1 means no cap. */
  dailyQuotaGb: z.number().optional(),
});

const DefenderPlanSchema = z.strictObject({
  /** `pricingTier`: Free or Standard (Standard = the Defender plan is on). */
  pricingTier: z.string().optional(),
  subPlan: z.string().optional(),
  /** `deprecated`: the plan is retired and replaced (its replacements are other plans). */
  deprecated: z.boolean().optional(),
});

const SubscriptionOwnerSchema = z.strictObject({
  principalId: z.string(),
  /** `principalType` of the role assignment: User, Group, ServicePrincipal, ForeignGroup, Device. */
  principalType: z.string().optional(),
  /** The scope the assignment was made at (the subscription or a management group above it). */
  scope: z.string().optional(),
  /** From Microsoft Graph userRegistrationDetails (users only). */
  userPrincipalName: z.string().optional(),
  isMfaRegistered: z.boolean().optional(),
  isMfaCapable: z.boolean().optional(),
});

export const AzureSubscriptionFactsSchema = z.strictObject({
  /** Microsoft Defender for Cloud plans by name (`VirtualMachines`, `Containers`, `SqlServers`, …). */
  defenderPlans: z.record(z.string(), DefenderPlanSchema).optional(),
  /**
   * Role assignments of the built-in Owner role (8e3af657-a8ff-443c-a75c-2fe8c4bcb635) at the subscription or
   * above (`$filter=atScope()`), users with their MFA registration from Microsoft Graph.
   */
  owners: z.array(SubscriptionOwnerSchema).optional(),
});

export const AzureEntraUserFactsSchema = z.strictObject({
  userPrincipalName: z.string().optional(),
  userDisplayName: z.string().optional(),
  /** `member` or `guest`. */
  userType: z.string().optional(),
  /** Holds a privileged Entra ID role. */
  isAdmin: z.boolean().optional(),
  /** Registered a strong authentication method. */
  isMfaRegistered: z.boolean().optional(),
  /** Registered a method allowed by the authentication methods policy, so MFA can be required. */
  isMfaCapable: z.boolean().optional(),
  isPasswordlessCapable: z.boolean().optional(),
  isSsprRegistered: z.boolean().optional(),
  /** `methodsRegistered`: microsoftAuthenticatorPush, fido2, softwareOneTimePasscode, mobilePhone, … */
  methodsRegistered: z.array(z.string()).optional(),
  /** When the report row was last updated (as Graph wrote it). */
  lastUpdatedDateTime: z.string().optional(),
});

export const azureFactsSchemas: Record<string, z.ZodType> = {
  "azure.storage.account": AzureStorageAccountFactsSchema,
  "azure.keyvault.vault": AzureKeyVaultFactsSchema,
  "azure.keyvault.key": AzureKeyVaultKeyFactsSchema,
  "azure.compute.disk": AzureManagedDiskFactsSchema,
  "azure.compute.vm": AzureVirtualMachineFactsSchema,
  "azure.recoveryservices.vault": AzureRecoveryVaultFactsSchema,
  "azure.network.nsg": AzureNetworkSecurityGroupFactsSchema,
  "azure.sql.server": AzureSqlServerFactsSchema,
  "azure.sql.database": AzureSqlDatabaseFactsSchema,
  "azure.network.subnet": AzureSubnetFactsSchema,
  "azure.loganalytics.workspace": AzureLogAnalyticsWorkspaceFactsSchema,
  "azure.subscription": AzureSubscriptionFactsSchema,
  "azure.entra.user": AzureEntraUserFactsSchema,
};
