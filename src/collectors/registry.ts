import { AZURE_RESOURCE_TYPES } from "./azure/produces.js";
import { GCP_RESOURCE_TYPES } from "./gcp/produces.js";
import type { Collector } from "./types.js";

/**
 * name → lazy loader. A device scan imports only the device collector; cloud SDKs load only when a scan
 * selects their collector. Adding a provider is one line here.
 */
export const collectorLoaders: Record<string, () => Promise<Collector>> = {
  device: async () => (await import("./device/index.js")).deviceCollector,
  azure: async () => (await import("./azure/index.js")).azureCollector,
  gcp: async () => (await import("./gcp/index.js")).gcpCollector,
};

/** Resource types each collector produces, known without loading it (the planner uses this). */
export const collectorProduces: Record<string, readonly string[]> = {
  device: ["device"],
  azure: AZURE_RESOURCE_TYPES,
  gcp: GCP_RESOURCE_TYPES,
};

export async function loadCollector(name: string): Promise<Collector> {
  const load = collectorLoaders[name];
  if (!load) throw new Error(`unknown collector "${name}"`);
  return load();
}
