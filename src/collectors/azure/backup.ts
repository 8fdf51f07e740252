import { z } from "zod";
import type {
  AzureRecoveryVaultFactsSchema,
  AzureVirtualMachineFactsSchema,
} from "../../core/facts/azure.js";
import { present } from "./present.js";

export const RECOVERY_API_VERSION = "2024-04-01";
export const RECOVERY_VAULT_READ = "Microsoft.RecoveryServices/vaults/read";
/** `backupconfig/vaultconfig`: the setting `az backup vault backup-properties set --soft-delete-feature-state` writes. */
export const BACKUP_CONFIG_READ = "Microsoft.RecoveryServices/Vaults/backupconfig/read";
export const PROTECTED_ITEMS_READ = "Microsoft.RecoveryServices/vaults/backupProtectedItems/read";
/** Only Azure VM backups; other workloads (SQL in VM, file shares) are not VMs. */
export const PROTECTED_VM_FILTER = "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'";

const VaultPropertiesSchema = z.object({
  securitySettings: z
    .object({
      softDeleteSettings: z.object({ softDeleteState: z.string().nullish() }).nullish(),
      immutabilitySettings: z.object({ state: z.string().nullish() }).nullish(),
    })
    .nullish(),
  redundancySettings: z.object({ standardTierStorageRedundancy: z.string().nullish() }).nullish(),
});

/**
 * What `vaults/read` (2024-04-01) returned. Soft delete is on by default for new vaults, but an older vault's
 * reply can lack `securitySettings.softDeleteSettings` altogether; then the state stays absent (the vault
 * config read below may still say it).
 */
export function recoveryVaultFacts(properties: unknown): z.input<typeof AzureRecoveryVaultFactsSchema> {
  const p = VaultPropertiesSchema.parse(properties ?? {});
  return {
    ...present("softDeleteState", p.securitySettings?.softDeleteSettings?.softDeleteState),
    ...present("immutabilityState", p.securitySettings?.immutabilitySettings?.state),
    ...present("storageRedundancy", p.redundancySettings?.standardTierStorageRedundancy),
  };
}

const VaultConfigPropertiesSchema = z.object({
  softDeleteFeatureState: z.string().nullish(),
  softDeleteRetentionPeriodInDays: z.number().int().nullish(),
  enhancedSecurityState: z.string().nullish(),
});

/** `{vault}/backupconfig/vaultconfig` (recoveryservicesbackup 2024-04-01): Enabled | Disabled | AlwaysON | Invalid. */
export function vaultConfigFacts(properties: unknown): z.input<typeof AzureRecoveryVaultFactsSchema> {
  const p = VaultConfigPropertiesSchema.parse(properties ?? {});
  return {
    ...present("softDeleteFeatureState", p.softDeleteFeatureState),
    ...present("softDeleteRetentionDays", p.softDeleteRetentionPeriodInDays),
  };
}

export const ProtectedItemSchema = z.object({
  properties: z.object({
    sourceResourceId: z.string().nullish(),
    virtualMachineId: z.string().nullish(),
    protectionState: z.string().nullish(),
    lastBackupStatus: z.string().nullish(),
    lastBackupTime: z.string().nullish(),
  }),
});

export interface VmProtection {
  vaultId: string;
  protectionState?: string;
  lastBackupStatus?: string;
  lastBackupTime?: string;
}

/**
 * The VM's resource id (lower case) → how a vault protects it, and how many items could not be read
 * (those make "not protected" unprovable for every VM, so the caller marks backup facts unreadable).
 */
export function protectionsByVm(
  vaultId: string,
  items: unknown[],
): { protections: Map<string, VmProtection>; unreadable: number } {
  const out = new Map<string, VmProtection>();
  let unreadable = 0;
  for (const raw of items) {
    const parsed = ProtectedItemSchema.safeParse(raw);
    const p = parsed.success ? parsed.data.properties : undefined;
    const vmId = p?.sourceResourceId ?? p?.virtualMachineId;
    if (!p || !vmId) {
      unreadable += 1;
      continue;
    }
    const time = p.lastBackupTime ? new Date(p.lastBackupTime) : undefined;
    out.set(vmId.toLowerCase(), {
      vaultId,
      ...(p.protectionState ? { protectionState: p.protectionState } : {}),
      ...(p.lastBackupStatus ? { lastBackupStatus: p.lastBackupStatus } : {}),
      ...(time && !Number.isNaN(time.getTime()) ? { lastBackupTime: time.toISOString() } : {}),
    });
  }
  return { protections: out, unreadable };
}

export function vmBackupFacts(
  protection: VmProtection | undefined,
): z.input<typeof AzureVirtualMachineFactsSchema> {
  return { backup: protection ? { protected: true, ...protection } : { protected: false } };
}
