import { z } from "zod";
import {
  AzureKeyVaultFactsSchema,
  AzureKeyVaultKeyFactsSchema,
  AzureManagedDiskFactsSchema,
  AzureNetworkSecurityGroupFactsSchema,
  AzureRecoveryVaultFactsSchema,
  AzureSqlServerFactsSchema,
  AzureStorageAccountFactsSchema,
} from "../../core/facts/azure.js";
import type { ResourceInput } from "../../core/resource.js";
import type { CollectContext } from "../types.js";
import { ArmCallError, type ArmFailure, type ArmReader, type GenericResourceSummary } from "./arm.js";
import {
  BACKUP_CONFIG_READ,
  PROTECTED_ITEMS_READ,
  PROTECTED_VM_FILTER,
  protectionsByVm,
  RECOVERY_API_VERSION,
  RECOVERY_VAULT_READ,
  recoveryVaultFacts,
  type VmProtection,
  vaultConfigFacts,
  vmBackupFacts,
} from "./backup.js";
import { DISK_API_VERSION, DISK_READ, managedDiskFacts } from "./disks.js";
import {
  KEY_ROTATION_NOT_REPORTED,
  KEYVAULT_API_VERSION,
  KEYVAULT_KEYS_READ,
  KEYVAULT_READ,
  KeyListItemSchema,
  keyVaultFacts,
  keyVaultKeyFacts,
} from "./keyvault.js";
import { NETWORK_API_VERSION, NSG_READ, networkSecurityGroupFacts } from "./network.js";
import { AZURE_RESOURCE_TYPES } from "./produces.js";
import {
  SQL_API_VERSION,
  SQL_AUDITING_READ,
  SQL_SERVER_READ,
  SQL_TDE_READ,
  sqlAuditingFacts,
  sqlServerFacts,
  sqlTdeEnabled,
} from "./sql.js";
import { STORAGE_API_VERSION, STORAGE_READ, storageAccountFacts } from "./storage.js";

/** What one scan shares across subscriptions: the ARM reader, the concurrency gate and the scan context. */
export interface AzureSession {
  arm: ArmReader;
  /** Every ARM call goes through this gate (p-limit), so the whole scan keeps at most N calls in flight. */
  gate: <T>(call: () => Promise<T>) => Promise<T>;
  ctx: CollectContext;
  collectedAt: string;
}

type Facts = Record<string, unknown>;

interface Read {
  attributes: Facts;
  sources: Record<string, string>;
  unreadable: Record<string, string>;
}

const COLLECTOR = "azure";

function factKeys(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}

function failureOf(error: unknown): ArmFailure {
  if (error instanceof ArmCallError) return error.failure;
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    return {
      kind: "service-error",
      code: "InvalidReply",
      message: `service error: the reply is not what the API documents (${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"})`,
    };
  }
  return {
    kind: "service-error",
    code: "ReadFailed",
    message: `service error: ${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)}`,
  };
}

function propertiesOf(reply: unknown): unknown {
  return (reply as { properties?: unknown } | undefined)?.properties;
}

/**
 * Scan one subscription: list every resource once, read the ones Assay has rules for as they arrive
 * (so reads overlap listing), then emit VMs once every Recovery Services vault has said what it protects.
 */
export async function collectSubscription(session: AzureSession, subscriptionId: string): Promise<void> {
  const { arm, ctx } = session;
  ctx.progress({ collector: COLLECTOR, scope: subscriptionId, phase: "start" });
  const work: Promise<unknown>[] = [];
  const vms: GenericResourceSummary[] = [];
  const protections = new Map<string, VmProtection>();
  const backupUnknown: string[] = [];
  const vaultWork: Promise<unknown>[] = [];
  let emitted = 0;
  const emit = (summary: GenericResourceSummary, type: string, read: Read) => {
    const resource: ResourceInput = {
      uid: summary.id,
      type,
      provider: "azure",
      account: subscriptionId,
      ...(summary.location ? { region: summary.location } : {}),
      name: summary.name,
      tags: summary.tags,
      attributes: read.attributes,
      sources: read.sources,
      unreadable: read.unreadable,
      collectedAt: session.collectedAt,
    };
    ctx.emit(resource);
    emitted += 1;
  };

  /** Read a resource's properties; a denial or failure leaves every fact of the type unreadable. */
  const readFacts = async (
    summary: GenericResourceSummary,
    apiVersion: string,
    permission: string,
    schema: z.ZodObject,
    toFacts: (properties: unknown) => Facts,
    /** Facts the API may leave out although they exist elsewhere: absent → unreadable with this reason. */
    notReported: Record<string, string> = {},
  ): Promise<Read | undefined> => {
    try {
      const reply = await session.gate(() => arm.get(summary.id, apiVersion, permission));
      const facts = toFacts(propertiesOf(reply));
      const source = `api: ${permission}`;
      return {
        attributes: facts,
        sources: Object.fromEntries(Object.keys(facts).map((k) => [k, source])),
        unreadable: Object.fromEntries(Object.entries(notReported).filter(([k]) => !(k in facts))),
      };
    } catch (error) {
      const failure = failureOf(error);
      // Deleted between listing and reading: it no longer exists, so there is nothing to report.
      if (failure.kind === "not-found") return undefined;
      return {
        attributes: {},
        sources: {},
        unreadable: Object.fromEntries(factKeys(schema).map((k) => [k, failure.message])),
      };
    }
  };

  /** Read one extra fact (a child resource); on failure only that fact becomes unreadable. */
  const readChildFact = async (
    read: Read,
    key: string,
    permission: string,
    load: () => Promise<unknown>,
  ): Promise<void> => {
    try {
      read.attributes[key] = await session.gate(load);
      read.sources[key] = `api: ${permission}`;
    } catch (error) {
      read.unreadable[key] = failureOf(error).message;
    }
  };

  /** Read a child resource that adds several facts; on failure those facts become unreadable. */
  const readChildFacts = async (
    read: Read,
    keys: readonly string[],
    permission: string,
    load: () => Promise<Facts>,
  ): Promise<void> => {
    try {
      const facts = await session.gate(load);
      for (const [key, value] of Object.entries(facts)) {
        read.attributes[key] = value;
        read.sources[key] = `api: ${permission}`;
      }
    } catch (error) {
      const reason = failureOf(error).message;
      for (const key of keys) read.unreadable[key] = reason;
    }
  };

  const handlers: Record<string, (summary: GenericResourceSummary) => Promise<void>> = {
    "microsoft.storage/storageaccounts": async (s) => {
      const read = await readFacts(
        s,
        STORAGE_API_VERSION,
        STORAGE_READ,
        AzureStorageAccountFactsSchema,
        storageAccountFacts,
      );
      if (read) emit(s, "azure.storage.account", read);
    },
    "microsoft.keyvault/vaults": async (s) => {
      const read = await readFacts(
        s,
        KEYVAULT_API_VERSION,
        KEYVAULT_READ,
        AzureKeyVaultFactsSchema,
        keyVaultFacts,
      );
      if (!read) return;
      emit(s, "azure.keyvault.vault", read);
      await collectVaultKeys(s);
    },
    "microsoft.compute/disks": async (s) => {
      const read = await readFacts(
        s,
        DISK_API_VERSION,
        DISK_READ,
        AzureManagedDiskFactsSchema,
        managedDiskFacts,
      );
      if (read) emit(s, "azure.compute.disk", read);
    },
    "microsoft.network/networksecuritygroups": async (s) => {
      const read = await readFacts(
        s,
        NETWORK_API_VERSION,
        NSG_READ,
        AzureNetworkSecurityGroupFactsSchema,
        networkSecurityGroupFacts,
      );
      if (read) emit(s, "azure.network.nsg", read);
    },
    "microsoft.sql/servers": async (s) => {
      const read = await readFacts(
        s,
        SQL_API_VERSION,
        SQL_SERVER_READ,
        AzureSqlServerFactsSchema,
        sqlServerFacts,
      );
      if (!read) return;
      if (!("minimalTlsVersion" in read.unreadable)) {
        await readChildFact(read, "auditing", SQL_AUDITING_READ, async () =>
          sqlAuditingFacts(
            propertiesOf(
              await arm.get(`${s.id}/auditingSettings/default`, SQL_API_VERSION, SQL_AUDITING_READ),
            ),
          ),
        );
      }
      emit(s, "azure.sql.server", read);
    },
    "microsoft.sql/servers/databases": async (s) => {
      // `master` is the logical server's system database; TDE cannot be set on it.
      if (s.name.toLowerCase() === "master" || s.name.toLowerCase().endsWith("/master")) return;
      const serverName = s.id.split("/")[8] ?? "";
      const read: Read = {
        attributes: { serverName },
        sources: { serverName: "api: resource id" },
        unreadable: {},
      };
      await readChildFact(read, "tdeEnabled", SQL_TDE_READ, async () =>
        sqlTdeEnabled(
          propertiesOf(
            await arm.get(`${s.id}/transparentDataEncryption/current`, SQL_API_VERSION, SQL_TDE_READ),
          ),
        ),
      );
      emit(s, "azure.sql.database", read);
    },
    "microsoft.recoveryservices/vaults": async (s) => {
      const read = await readFacts(
        s,
        RECOVERY_API_VERSION,
        RECOVERY_VAULT_READ,
        AzureRecoveryVaultFactsSchema,
        recoveryVaultFacts,
      );
      if (!read) return;
      if (!("softDeleteState" in read.unreadable)) {
        await readChildFacts(
          read,
          ["softDeleteFeatureState", "softDeleteRetentionDays"],
          BACKUP_CONFIG_READ,
          async () =>
            vaultConfigFacts(
              propertiesOf(
                await arm.get(`${s.id}/backupconfig/vaultconfig`, RECOVERY_API_VERSION, BACKUP_CONFIG_READ),
              ),
            ),
        );
      }
      try {
        const items = await session.gate(() =>
          arm.listChildren(
            `${s.id}/backupProtectedItems`,
            RECOVERY_API_VERSION,
            PROTECTED_ITEMS_READ,
            PROTECTED_VM_FILTER,
          ),
        );
        const found = protectionsByVm(s.id, items);
        for (const [vm, protection] of found.protections) protections.set(vm, protection);
        if (found.unreadable > 0) {
          backupUnknown.push(
            `service error: ${found.unreadable} protected item(s) of vault ${s.name} are not what the API documents`,
          );
        }
        read.attributes.protectedItemCount = items.length;
        read.sources.protectedItemCount = `api: ${PROTECTED_ITEMS_READ}`;
      } catch (error) {
        const reason = `${failureOf(error).message} (vault ${s.name})`;
        read.unreadable.protectedItemCount = reason;
        backupUnknown.push(reason);
      }
      emit(s, "azure.recoveryservices.vault", read);
    },
  };

  async function collectVaultKeys(vault: GenericResourceSummary): Promise<void> {
    let items: unknown[];
    try {
      items = await session.gate(() =>
        arm.listChildren(`${vault.id}/keys`, KEYVAULT_API_VERSION, KEYVAULT_KEYS_READ),
      );
    } catch (error) {
      const failure = failureOf(error);
      ctx.reportError({
        collector: COLLECTOR,
        scope: vault.id,
        code: failure.code,
        message: `could not list the keys of Key Vault ${vault.name}: ${failure.message}`,
        ...(failure.permission ? { permission: failure.permission } : {}),
        resourceTypes: ["azure.keyvault.key"],
      });
      return;
    }
    await Promise.all(
      items.map(async (raw) => {
        const item = KeyListItemSchema.safeParse(raw);
        if (!item.success) {
          const failure = failureOf(item.error);
          ctx.reportError({
            collector: COLLECTOR,
            scope: vault.id,
            code: failure.code,
            message: `a key of Key Vault ${vault.name} could not be read: ${failure.message}`,
            resourceTypes: ["azure.keyvault.key"],
          });
          return;
        }
        const summary: GenericResourceSummary = {
          id: item.data.id,
          name: `${vault.name}/${item.data.name}`,
          type: "Microsoft.KeyVault/vaults/keys",
          ...(vault.location ? { location: vault.location } : {}),
          tags: {},
        };
        const read = await readFacts(
          summary,
          KEYVAULT_API_VERSION,
          KEYVAULT_KEYS_READ,
          AzureKeyVaultKeyFactsSchema,
          (p) => keyVaultKeyFacts(vault.name, p),
          { rotation: KEY_ROTATION_NOT_REPORTED },
        );
        if (read) emit(summary, "azure.keyvault.key", read);
      }),
    );
  }

  try {
    for await (const summary of arm.listResources(subscriptionId)) {
      const type = summary.type.toLowerCase();
      if (type === "microsoft.compute/virtualmachines") {
        vms.push(summary);
        continue;
      }
      const handler = handlers[type];
      if (!handler) continue;
      const task = handler(summary);
      (type === "microsoft.recoveryservices/vaults" ? vaultWork : work).push(task);
    }
  } catch (error) {
    const failure = failureOf(error);
    ctx.reportError({
      collector: COLLECTOR,
      scope: subscriptionId,
      code: failure.code,
      message: `could not list the resources of subscription ${subscriptionId}: ${failure.message}`,
      ...(failure.permission ? { permission: failure.permission } : {}),
      resourceTypes: [...AZURE_RESOURCE_TYPES],
    });
  }

  await Promise.all(vaultWork);
  for (const vm of vms) {
    const unknown = backupUnknown.length > 0 && !protections.has(vm.id.toLowerCase());
    emit(
      vm,
      "azure.compute.vm",
      unknown
        ? { attributes: {}, sources: {}, unreadable: { backup: backupUnknown.join("; ") } }
        : {
            attributes: vmBackupFacts(protections.get(vm.id.toLowerCase())),
            sources: { backup: `api: ${PROTECTED_ITEMS_READ}` },
            unreadable: {},
          },
    );
  }
  await Promise.all(work);
  ctx.progress({ collector: COLLECTOR, scope: subscriptionId, phase: "done", resources: emitted });
}
