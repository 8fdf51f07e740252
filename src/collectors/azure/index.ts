import { setMaxListeners } from "node:events";
import type { Agent } from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import pLimit from "p-limit";
import { attemptCall, DEFAULT_ATTEMPT_POLICY } from "../kit/attempts.js";
import { collectType, errorRecord, type ProviderBinding } from "../kit/runner.js";
import type { Collector } from "../types.js";
import { azureClassifier, createArmReader } from "./arm.js";
import { AZURE_CALLS } from "./calls.js";
import type { EntraScope } from "./entra.js";
import { createGraphReader } from "./graph.js";
import { AZURE_PERMISSIONS } from "./permissions.js";
import { AZURE_RESOURCE_TYPES } from "./produces.js";
import { AZURE_RESOURCE_DECLARATIONS, AZURE_TENANT_DECLARATIONS } from "./resources.js";
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
 * protect, NSGs, subnets, SQL servers/databases, Log Analytics workspaces and the subscription itself
 * (Defender plans, owners); with `entra`, the tenant's Entra ID users from Microsoft Graph. Nothing is
 * created until `collect` runs.
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
      // Resource Manager and Graph share the credential, TLS agent, cancellation and timeout; each has its own
      // endpoint and token audience.
      const connection = {
        credential,
        signal,
        timeoutMs: settings.timeoutSeconds * 1000,
        ...(options.agent ? { agent: options.agent } : {}),
      };
      const arm = await createArmReader({
        ...connection,
        endpoint: settings.endpoint,
        audience: settings.audience,
      });
      const graph = settings.entra
        ? await createGraphReader({
            ...connection,
            endpoint: settings.entra.endpoint,
            audience: settings.entra.audience,
          })
        : undefined;
      const limit = pLimit(settings.concurrency);
      // maxRetries counts retries; the kit counts attempts, and bounds each call (waits included) in time.
      const policy = {
        ...DEFAULT_ATTEMPT_POLICY,
        maxAttempts: settings.maxRetries + 1,
        budgetMs: settings.timeoutSeconds * 1000,
      };

      // Entra ID users belong to the tenant, not a subscription: read once, alongside the subscriptions.
      const entra = graph ? collectTenant(graph, settings.tenantId) : Promise.resolve();
      async function collectTenant(reader: NonNullable<typeof graph>, tenantId: string | undefined) {
        const binding: ProviderBinding<EntraScope> = {
          provider: "azure",
          handle: { graph: reader, ...(tenantId ? { tenantId } : {}) },
          classifier: azureClassifier,
          policy,
          signal,
          limiter: () => limit,
          emit: (resource) => ctx.emit(resource),
          reportError: (record) => ctx.reportError(record),
          itemsInFlight: 64,
        };
        const where = tenantId ?? "tenant";
        for (const decl of AZURE_TENANT_DECLARATIONS)
          await collectType(binding, decl, where, `entra/${where}`);
      }

      let subscriptionIds = settings.subscriptions;
      if (!subscriptionIds) {
        try {
          const subscriptions = await limit(() =>
            attemptCall(
              AZURE_CALLS.listSubscriptions,
              () => arm.listSubscriptions(),
              azureClassifier,
              policy,
              signal,
            ),
          );
          subscriptionIds = subscriptions.map((s) => s.subscriptionId);
        } catch (error) {
          if (signal.aborted) throw error;
          // Every subscription type; the tenant's Entra ID users were read (or reported) on their own.
          const record = errorRecord(
            "azure",
            "subscriptions",
            error,
            AZURE_RESOURCE_DECLARATIONS.map((d) => d.type),
          );
          ctx.reportError({ ...record, message: `could not list subscriptions: ${record.message}` });
          await entra;
          return;
        }
      }
      const session = { arm, ...(graph ? { graph } : {}), limit, policy, ctx: { ...ctx, signal } };
      await Promise.all([entra, ...subscriptionIds.map((id) => collectSubscription(session, id))]);
    },
  };
}

export const azureCollector: Collector = createAzureCollector();
