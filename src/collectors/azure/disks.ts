import { z } from "zod";
import { AzureManagedDiskFactsSchema } from "../../core/facts/azure.js";
import { AZURE_CALLS } from "./calls.js";
import { present } from "./present.js";
import { armResourceType } from "./scope.js";

export const DISK_API_VERSION = "2024-03-02";

const DiskPropertiesSchema = z.object({
  encryption: z.object({ type: z.string().nullish(), diskEncryptionSetId: z.string().nullish() }).nullish(),
  encryptionSettingsCollection: z.object({ enabled: z.boolean().nullish() }).nullish(),
  networkAccessPolicy: z.string().nullish(),
  diskState: z.string().nullish(),
});

/**
 * What `disks/read` (2024-03-02) returned. No value is inferred: a disk with a diskEncryptionSetId but no
 * `encryption.type` keeps the set and no type (it is not "PlatformKey"); Microsoft's Disk_Get example omits
 * networkAccessPolicy and diskState, which stay absent.
 */
export function managedDiskFacts(properties: unknown): z.input<typeof AzureManagedDiskFactsSchema> {
  const p = DiskPropertiesSchema.parse(properties ?? {});
  return {
    ...present("encryptionType", p.encryption?.type),
    ...present("diskEncryptionSetId", p.encryption?.diskEncryptionSetId),
    ...present("adeEnabled", p.encryptionSettingsCollection?.enabled),
    ...present("networkAccessPolicy", p.networkAccessPolicy),
    ...present("diskState", p.diskState),
  };
}

export const managedDisk = armResourceType({
  type: "azure.compute.disk",
  service: "compute",
  armType: "microsoft.compute/disks",
  apiVersion: DISK_API_VERSION,
  facts: AzureManagedDiskFactsSchema,
  read: AZURE_CALLS.readDisk,
  toFacts: managedDiskFacts,
});
