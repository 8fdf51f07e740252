import type { Resource } from "../core/resource.js";

/** What the Assets page shows about a device beyond its name: from the facts its agent reported. */
export interface AssetInventory {
  platform?: string;
  os?: string;
  osVersion?: string;
  kernel?: string;
  arch?: string;
  manufacturer?: string;
  model?: string;
  serial?: string;
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * The inventory columns of an asset row, as JSON, or null for a resource that has none (a cloud resource).
 * Ingest and `assay store verify`'s replay both call this, so the stored column can be recomputed.
 */
export function assetInventory(resource: Pick<Resource, "type" | "attributes">): string | null {
  if (resource.type !== "device") return null;
  const a = resource.attributes as Record<string, unknown>;
  const os = (a.os ?? {}) as Record<string, unknown>;
  const hw = (a.hardware ?? {}) as Record<string, unknown>;
  const inventory: AssetInventory = {
    platform: text(os.platform),
    os: text(os.distro),
    osVersion: text(os.release),
    kernel: text(os.kernel),
    arch: text(os.arch),
    manufacturer: text(hw.manufacturer),
    model: text(hw.model),
    serial: text(hw.serial),
  };
  const defined = Object.entries(inventory).filter(([, v]) => v !== undefined);
  return defined.length === 0 ? null : JSON.stringify(Object.fromEntries(defined));
}

export function parseInventory(column: string | null): AssetInventory {
  if (!column) return {};
  try {
    return JSON.parse(column) as AssetInventory;
  } catch {
    return {};
  }
}
