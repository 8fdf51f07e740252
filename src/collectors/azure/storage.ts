import { z } from "zod";
import type { AzureStorageAccountFactsSchema } from "../../core/facts/azure.js";

export const STORAGE_API_VERSION = "2023-05-01";
export const STORAGE_READ = "Microsoft.Storage/storageAccounts/read";

const StoragePropertiesSchema = z.object({
  supportsHttpsTrafficOnly: z.boolean().optional(),
  minimumTlsVersion: z.string().optional(),
  allowBlobPublicAccess: z.boolean().optional(),
  publicNetworkAccess: z.string().optional(),
  encryption: z
    .object({
      keySource: z.string().optional(),
      requireInfrastructureEncryption: z.boolean().optional(),
      keyvaultproperties: z
        .object({ keyvaulturi: z.string().optional(), keyname: z.string().optional() })
        .nullish(),
    })
    .optional(),
});

/**
 * ARM omits some booleans on older accounts; the omission means the service default at creation time:
 * HTTPS-only true since 2019, blob public access allowed, TLS 1.0, no infrastructure encryption.
 */
export function storageAccountFacts(properties: unknown): z.input<typeof AzureStorageAccountFactsSchema> {
  const p = StoragePropertiesSchema.parse(properties ?? {});
  const keySource = p.encryption?.keySource ?? "Microsoft.Storage";
  const vault = p.encryption?.keyvaultproperties;
  return {
    httpsOnly: p.supportsHttpsTrafficOnly ?? true,
    minimumTlsVersion: p.minimumTlsVersion ?? "TLS1_0",
    allowBlobPublicAccess: p.allowBlobPublicAccess ?? true,
    ...(p.publicNetworkAccess ? { publicNetworkAccess: p.publicNetworkAccess } : {}),
    encryption: {
      keySource,
      customerManagedKey: keySource.toLowerCase() === "microsoft.keyvault",
      ...(vault?.keyvaulturi && vault.keyname
        ? { keyVaultKeyUri: `${vault.keyvaulturi.replace(/\/+$/, "")}/keys/${vault.keyname}` }
        : {}),
      infrastructureEncryption: p.encryption?.requireInfrastructureEncryption ?? false,
    },
  };
}
