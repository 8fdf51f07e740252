import { setMaxListeners } from "node:events";
import type { Agent } from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import pLimit from "p-limit";
import type { Collector } from "../types.js";
import { createArmReader } from "./arm.js";
import { AZURE_PERMISSIONS } from "./permissions.js";
import { AZURE_RESOURCE_TYPES } from "./produces.js";
import { parseAzureSettings } from "./settings.js";
import { collectSubscription } from "./subscription.js";

export { AZURE_PERMISSIONS, buildAzureRoleDefinition } from "./permissions.js";

export interface AzureCollectorOptions {
  /** Defaults to DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, …). */
  credential?: TokenCredential;
  /** HTTPS agent for Resource Manager calls, e.g. one that trusts a private CA. */
  agent?: Agent;
}

/**
 * The Azure collector: every subscription the identity can list (or the configured ones), each scanned
 * for storage accounts, Key Vaults and keys, managed disks, Recovery Services vaults and the VMs they
 * protect, NSGs and SQL servers/databases. Nothing is created until `collect` runs.
 */
export function createAzureCollector(options: AzureCollectorOptions = {}): Collector {
  return {
    name: "azure",
    provider: "azure",
    produces: AZURE_RESOURCE_TYPES,
    permissions: AZURE_PERMISSIONS,
    checkSettings: (settings) => void parseAzureSettings(settings),
    async collect(ctx) {
      const settings = parseAzureSettings(ctx.settings);
      const credential =
        options.credential ??
        new (await import("@azure/identity")).DefaultAzureCredential(
          settings.tenantId ? { tenantId: settings.tenantId } : undefined,
        );
      // Each request in flight listens for cancellation: up to `concurrency` listeners by design.
      const signal = AbortSignal.any([ctx.signal]);
      setMaxListeners(0, signal);
      const arm = await createArmReader({
        credential,
        endpoint: settings.endpoint,
        audience: settings.audience,
        signal,
        timeoutMs: settings.timeoutSeconds * 1000,
        maxRetries: settings.maxRetries,
        ...(options.agent ? { agent: options.agent } : {}),
      });

      let subscriptionIds = settings.subscriptions;
      if (!subscriptionIds) {
        try {
          subscriptionIds = (await arm.listSubscriptions()).map((s) => s.subscriptionId);
        } catch (error) {
          const failure = (error as { failure?: { code: string; message: string; permission?: string } })
            .failure;
          ctx.reportError({
            collector: "azure",
            scope: "subscriptions",
            code: failure?.code ?? "SubscriptionsUnlisted",
            message: `could not list subscriptions: ${failure?.message ?? String(error)}`,
            ...(failure?.permission ? { permission: failure.permission } : {}),
            resourceTypes: [...AZURE_RESOURCE_TYPES],
          });
          return;
        }
      }
      const limit = pLimit(settings.concurrency);
      const session = {
        arm,
        gate: <T>(call: () => Promise<T>) => limit(call),
        ctx,
        collectedAt: ctx.now.toISOString(),
      };
      await Promise.all(subscriptionIds.map((id) => collectSubscription(session, id)));
    },
  };
}

export const azureCollector: Collector = createAzureCollector();
