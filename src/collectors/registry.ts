import { AWS_RESOURCE_TYPES } from "./aws/produces.js";
import { AZURE_RESOURCE_TYPES } from "./azure/produces.js";
import { GCP_RESOURCE_TYPES } from "./gcp/produces.js";
import type { Collector } from "./types.js";

/**
 * name → lazy loader. A device scan imports only the device collector; cloud SDKs load only when a scan
 * selects their collector. Adding a provider is one line here.
 */
export const collectorLoaders: Record<string, () => Promise<Collector>> = {
  device: async () => (await import("./device/index.js")).deviceCollector,
  aws: async () => (await import("./aws/index.js")).awsCollector,
  azure: async () => (await import("./azure/index.js")).azureCollector,
  gcp: async () => (await import("./gcp/index.js")).gcpCollector,
};

/** Resource types each collector produces, known without loading it (the planner uses this). */
export const collectorProduces: Record<string, readonly string[]> = {
  device: ["device"],
  aws: AWS_RESOURCE_TYPES,
  azure: AZURE_RESOURCE_TYPES,
  gcp: GCP_RESOURCE_TYPES,
};

export async function loadCollector(name: string): Promise<Collector> {
  const load = collectorLoaders[name];
  if (!load) throw new Error(`unknown collector "${name}"`);
  return load();
}
