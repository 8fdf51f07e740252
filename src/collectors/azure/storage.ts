import { z } from "zod";
import { AzureStorageAccountFactsSchema } from "../../core/facts/azure.js";
import { AZURE_CALLS } from "./calls.js";
import { present } from "./present.js";
import { armResourceType } from "./scope.js";

export const STORAGE_API_VERSION = "2023-05-01";

const StoragePropertiesSchema = z.object({
  supportsHttpsTrafficOnly: z.boolean().nullish(),
  minimumTlsVersion: z.string().nullish(),
  allowBlobPublicAccess: z.boolean().nullish(),
  publicNetworkAccess: z.string().nullish(),
  encryption: z
    .object({
      keySource: z.string().nullish(),
      requireInfrastructureEncryption: z.boolean().nullish(),
      keyvaultproperties: z
        .object({ keyvaulturi: z.string().nullish(), keyname: z.string().nullish() })
        .nullish(),
    })
    .nullish(),
});

/**
 * Exactly what `storageAccounts/read` (2023-05-01) returned. ARM omits several of these on accounts that never
 * set them (Microsoft's own StorageAccountGetProperties example has no allowBlobPublicAccess, minimumTlsVersion
 * or requireInfrastructureEncryption); the documented defaults are stated in the rules, not filled in here.
 */
export function storageAccountFacts(properties: unknown): z.input<typeof AzureStorageAccountFactsSchema> {
  const p = StoragePropertiesSchema.parse(properties ?? {});
  const e = p.encryption;
  const vault = e?.keyvaultproperties;
  return {
    ...present("httpsOnly", p.supportsHttpsTrafficOnly),
    ...present("minimumTlsVersion", p.minimumTlsVersion),
    ...present("allowBlobPublicAccess", p.allowBlobPublicAccess),
    ...present("publicNetworkAccess", p.publicNetworkAccess),
    ...(e
      ? {
          encryption: {
            ...present("keySource", e.keySource),
            ...(vault?.keyvaulturi && vault.keyname
              ? { keyVaultKeyUri: `${vault.keyvaulturi.replace(/\/+$/, "")}/keys/${vault.keyname}` }
              : {}),
            ...present("infrastructureEncryption", e.requireInfrastructureEncryption),
          },
        }
      : {}),
  };
}

export const storageAccount = armResourceType({
  type: "azure.storage.account",
  service: "storage",
  armType: "microsoft.storage/storageaccounts",
  apiVersion: STORAGE_API_VERSION,
  facts: AzureStorageAccountFactsSchema,
  read: AZURE_CALLS.readStorageAccount,
  toFacts: storageAccountFacts,
});
