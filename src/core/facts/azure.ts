import { z } from "zod";

/**
 * Facts about Azure resources, read from ARM replies (`properties.*`). Every fact is optional: a fact is what
 * the API returned, so a field the reply omitted is absent (never a default filled in by the collector), and a
 * fact the collector could not read (a denied call) is absent and named in the resource's `unreadable` map.
 * Where Microsoft documents what an omitted field means, the rule states it in CEL and cites the document.
 * Durations (ISO 8601 `P90D`) are converted to days so rules compare numbers.
 */
const days = z.number().nonnegative();

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
  keyType: z.string().optional(),
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
};
