import { z } from "zod";
import type { AzureKeyVaultFactsSchema, AzureKeyVaultKeyFactsSchema } from "../../core/facts/azure.js";
import { durationToDays } from "./durations.js";

export const KEYVAULT_API_VERSION = "2023-07-01";
export const KEYVAULT_READ = "Microsoft.KeyVault/vaults/read";
export const KEYVAULT_KEYS_READ = "Microsoft.KeyVault/vaults/keys/read";

const VaultPropertiesSchema = z.object({
  enableSoftDelete: z.boolean().nullish(),
  softDeleteRetentionInDays: z.number().nullish(),
  enablePurgeProtection: z.boolean().nullish(),
  enableRbacAuthorization: z.boolean().nullish(),
  publicNetworkAccess: z.string().nullish(),
});

/** Soft delete cannot be turned off since 2020, so an absent flag means enabled; purge protection defaults off. */
export function keyVaultFacts(properties: unknown): z.input<typeof AzureKeyVaultFactsSchema> {
  const p = VaultPropertiesSchema.parse(properties ?? {});
  return {
    softDeleteEnabled: p.enableSoftDelete ?? true,
    softDeleteRetentionDays: p.softDeleteRetentionInDays ?? 90,
    purgeProtectionEnabled: p.enablePurgeProtection ?? false,
    rbacAuthorization: p.enableRbacAuthorization ?? false,
    ...(p.publicNetworkAccess ? { publicNetworkAccess: p.publicNetworkAccess } : {}),
  };
}

export const KeyListItemSchema = z.object({ id: z.string(), name: z.string() });

const KeyPropertiesSchema = z.object({
  kty: z.string().nullish(),
  attributes: z
    .object({ enabled: z.boolean().nullish(), exp: z.number().nullish(), expires: z.number().nullish() })
    .nullish(),
  rotationPolicy: z
    .object({
      lifetimeActions: z
        .array(
          z.object({
            trigger: z
              .object({ timeAfterCreate: z.string().nullish(), timeBeforeExpiry: z.string().nullish() })
              .nullish(),
            action: z.object({ type: z.string().nullish() }).nullish(),
          }),
        )
        .nullish(),
      attributes: z.object({ expiryTime: z.string().nullish() }).nullish(),
    })
    .nullish(),
});

/** A key's management-plane view (ARM `vaults/keys`, api 2021-11-01 and later carries the rotation policy). */
export function keyVaultKeyFacts(
  vaultName: string,
  properties: unknown,
): z.input<typeof AzureKeyVaultKeyFactsSchema> {
  const p = KeyPropertiesSchema.parse(properties ?? {});
  const rotate = (p.rotationPolicy?.lifetimeActions ?? []).find(
    (a) => a.action?.type?.toLowerCase() === "rotate",
  );
  const exp = p.attributes?.exp ?? p.attributes?.expires;
  const rotateAfterDays = durationToDays(rotate?.trigger?.timeAfterCreate ?? undefined);
  const rotateBeforeExpiryDays = durationToDays(rotate?.trigger?.timeBeforeExpiry ?? undefined);
  const expiryDays = durationToDays(p.rotationPolicy?.attributes?.expiryTime ?? undefined);
  return {
    vaultName,
    ...(p.kty ? { keyType: p.kty } : {}),
    enabled: p.attributes?.enabled ?? true,
    ...(typeof exp === "number" ? { expiresAt: new Date(exp * 1000).toISOString() } : {}),
    rotation: {
      autoRotate: rotate !== undefined,
      ...(rotateAfterDays !== undefined ? { rotateAfterDays } : {}),
      ...(rotateBeforeExpiryDays !== undefined ? { rotateBeforeExpiryDays } : {}),
      ...(expiryDays !== undefined ? { expiryDays } : {}),
    },
  };
}
