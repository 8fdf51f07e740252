import { z } from "zod";
import type { AzureManagedDiskFactsSchema } from "../../core/facts/azure.js";

export const DISK_API_VERSION = "2024-03-02";
export const DISK_READ = "Microsoft.Compute/disks/read";

const DiskPropertiesSchema = z.object({
  encryption: z.object({ type: z.string().nullish(), diskEncryptionSetId: z.string().nullish() }).nullish(),
  encryptionSettingsCollection: z.object({ enabled: z.boolean().nullish() }).nullish(),
  networkAccessPolicy: z.string().nullish(),
  diskState: z.string().nullish(),
});

export function managedDiskFacts(properties: unknown): z.input<typeof AzureManagedDiskFactsSchema> {
  const p = DiskPropertiesSchema.parse(properties ?? {});
  // Managed disks are always encrypted at rest; an absent type is the platform-key default.
  const encryptionType = p.encryption?.type ?? "EncryptionAtRestWithPlatformKey";
  return {
    encryptionType,
    customerManagedKey: /CustomerKey/i.test(encryptionType),
    ...(p.encryption?.diskEncryptionSetId ? { diskEncryptionSetId: p.encryption.diskEncryptionSetId } : {}),
    adeEnabled: p.encryptionSettingsCollection?.enabled ?? false,
    networkAccessPolicy: p.networkAccessPolicy ?? "AllowAll",
    ...(p.diskState ? { diskState: p.diskState } : {}),
  };
}
