import { z } from "zod";
import { AzureRecoveryVaultFactsSchema, AzureVirtualMachineFactsSchema } from "../../core/facts/azure.js";
import { reasonOf } from "../kit/facts.js";
import { defineResourceType } from "../kit/resource-type.js";
import type { GenericResourceSummary } from "./arm.js";
import { AZURE_CALLS } from "./calls.js";
import { present } from "./present.js";
import {
  type AzureTypeContext,
  armResourceType,
  identityOf,
  listedOf,
  readChild,
  type SubscriptionScope,
  setAll,
} from "./scope.js";

export const RECOVERY_API_VERSION = "2024-04-01";
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

/** What every vault of a subscription protects: one protected-items list per vault, shared by two types. */
interface Protections {
  byVm: Map<string, VmProtection>;
  /** Vault id (lower case) → its item count, or why its items could not be read. */
  byVault: Map<string, { count: number } | { error: unknown }>;
  /** Reasons some VM's protection cannot be known (a vault unread, items unreadable). */
  unknown: string[];
}

function protections(ctx: AzureTypeContext): Promise<Protections> {
  return ctx.provider.once("recovery-services-protections", async () => {
    const result: Protections = { byVm: new Map(), byVault: new Map(), unknown: [] };
    // VMs are judged against every vault, so this waits for the complete list.
    const vaults = await ctx.provider.listing.allOfType("microsoft.recoveryservices/vaults");
    await Promise.all(
      vaults.map(async (vault) => {
        try {
          const items = await ctx.call(AZURE_CALLS.listProtectedItems, () =>
            ctx.provider.arm.listChildren(
              `${vault.id}/backupProtectedItems`,
              RECOVERY_API_VERSION,
              PROTECTED_VM_FILTER,
            ),
          );
          const found = protectionsByVm(vault.id, items);
          for (const [vm, protection] of found.protections) result.byVm.set(vm, protection);
          if (found.unreadable > 0) {
            result.unknown.push(
              `${found.unreadable} protected item(s) of vault ${vault.name} are not what the API documents`,
            );
          }
          result.byVault.set(vault.id.toLowerCase(), { count: items.length });
        } catch (error) {
          result.unknown.push(`${reasonOf(error)} (vault ${vault.name})`);
          result.byVault.set(vault.id.toLowerCase(), { error });
        }
      }),
    );
    return result;
  });
}

export const recoveryServicesVault = armResourceType({
  type: "azure.recoveryservices.vault",
  service: "recoveryservices",
  armType: "microsoft.recoveryservices/vaults",
  apiVersion: RECOVERY_API_VERSION,
  facts: AzureRecoveryVaultFactsSchema,
  read: AZURE_CALLS.readRecoveryVault,
  extraCalls: [AZURE_CALLS.readBackupConfig, AZURE_CALLS.listProtectedItems],
  toFacts: recoveryVaultFacts,
  async extra(ctx, vault, facts) {
    await facts.read(
      ["softDeleteFeatureState", "softDeleteRetentionDays"],
      () =>
        readChild(
          ctx,
          AZURE_CALLS.readBackupConfig,
          `${vault.id}/backupconfig/vaultconfig`,
          RECOVERY_API_VERSION,
          vaultConfigFacts,
        ),
      (config) => setAll(facts, config, AZURE_CALLS.readBackupConfig),
    );
    const items = (await protections(ctx)).byVault.get(vault.id.toLowerCase());
    if (items && "count" in items)
      facts.set("protectedItemCount", items.count, AZURE_CALLS.listProtectedItems);
    else facts.fail("protectedItemCount", items?.error ?? new Error("protected items not read"));
  },
});

/**
 * Virtual machines, with how a Recovery Services vault of the subscription protects them. A VM no vault
 * lists is unprotected only when every vault's items were read; otherwise `backup` is unreadable.
 */
export const virtualMachine = defineResourceType<SubscriptionScope, GenericResourceSummary>({
  type: "azure.compute.vm",
  service: "compute",
  scope: "perProject",
  facts: AzureVirtualMachineFactsSchema,
  calls: [AZURE_CALLS.listResources, AZURE_CALLS.listProtectedItems],
  list: (ctx) => listedOf(ctx, "microsoft.compute/virtualmachines"),
  async read(ctx, vm, facts) {
    const found = await protections(ctx);
    const protection = found.byVm.get(vm.id.toLowerCase());
    if (!protection && found.unknown.length > 0) facts.fail("backup", new Error(found.unknown.join("; ")));
    else facts.set("backup", vmBackupFacts(protection).backup, AZURE_CALLS.listProtectedItems);
    return identityOf(vm, ctx.provider.subscriptionId);
  },
});
