import { z } from "zod";
import { AzureKeyVaultFactsSchema, AzureKeyVaultKeyFactsSchema } from "../../core/facts/azure.js";
import { defineResourceType } from "../kit/resource-type.js";
import type { GenericResourceSummary } from "./arm.js";
import { AZURE_CALLS } from "./calls.js";
import { durationToDays } from "./durations.js";
import { present } from "./present.js";
import {
  type AzureTypeContext,
  armResourceType,
  listedOf,
  readArmResource,
  type SubscriptionScope,
} from "./scope.js";

export const KEYVAULT_API_VERSION = "2023-07-01";

const VaultPropertiesSchema = z.object({
  enableSoftDelete: z.boolean().nullish(),
  softDeleteRetentionInDays: z.number().nullish(),
  enablePurgeProtection: z.boolean().nullish(),
  enableRbacAuthorization: z.boolean().nullish(),
  publicNetworkAccess: z.string().nullish(),
});

/**
 * What `vaults/read` (2023-07-01) returned. Microsoft's getVault example omits enableSoftDelete,
 * softDeleteRetentionInDays, enablePurgeProtection and enableRbacAuthorization: an omitted flag stays absent,
 * so a rule that needs it gives `error`, or states the documented default itself.
 */
export function keyVaultFacts(properties: unknown): z.input<typeof AzureKeyVaultFactsSchema> {
  const p = VaultPropertiesSchema.parse(properties ?? {});
  return {
    ...present("softDeleteEnabled", p.enableSoftDelete),
    ...present("softDeleteRetentionDays", p.softDeleteRetentionInDays),
    ...present("purgeProtectionEnabled", p.enablePurgeProtection),
    ...present("rbacAuthorization", p.enableRbacAuthorization),
    ...present("publicNetworkAccess", p.publicNetworkAccess),
  };
}

export const KeyListItemSchema = z.object({ id: z.string(), name: z.string() });

const KeyPropertiesSchema = z.object({
  kty: z.string().nullish(),
  keySize: z.number().int().nullish(),
  curveName: z.string().nullish(),
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

/**
 * ARM's `vaults/keys` reply often has no `rotationPolicy` at all (Microsoft's getKey and listKeys examples,
 * 2023-07-01, carry none), and its absence does not mean "no policy": the policy lives in the Key Vault data
 * plane. So an absent policy is reported as not reported, and rules on rotation give `error`, never `fail`.
 */
export const KEY_ROTATION_NOT_REPORTED =
  "not reported by the API: the Resource Manager key has no rotationPolicy (it is kept by the Key Vault data plane, GET {vault}/keys/{name}/rotationpolicy)";

/** A key's management-plane view (ARM `vaults/keys`, 2023-07-01). */
export function keyVaultKeyFacts(
  vaultName: string,
  properties: unknown,
): z.input<typeof AzureKeyVaultKeyFactsSchema> {
  const p = KeyPropertiesSchema.parse(properties ?? {});
  const exp = p.attributes?.exp ?? p.attributes?.expires;
  return {
    vaultName,
    ...present("keyType", p.kty),
    ...present("keySize", p.keySize),
    ...present("curveName", p.curveName),
    ...present("enabled", p.attributes?.enabled),
    ...(typeof exp === "number" ? { expiresAt: new Date(exp * 1000).toISOString() } : {}),
    ...(p.rotationPolicy ? { rotation: rotationFacts(p.rotationPolicy) } : {}),
  };
}

type RotationPolicy = NonNullable<z.infer<typeof KeyPropertiesSchema>["rotationPolicy"]>;

function rotationFacts(policy: RotationPolicy) {
  const rotate = (policy.lifetimeActions ?? []).find((a) => a.action?.type?.toLowerCase() === "rotate");
  const rotateAfterDays = durationToDays(rotate?.trigger?.timeAfterCreate ?? undefined);
  const rotateBeforeExpiryDays = durationToDays(rotate?.trigger?.timeBeforeExpiry ?? undefined);
  const expiryDays = durationToDays(policy.attributes?.expiryTime ?? undefined);
  return {
    autoRotate: rotate !== undefined,
    ...present("rotateAfterDays", rotateAfterDays),
    ...present("rotateBeforeExpiryDays", rotateBeforeExpiryDays),
    ...present("expiryDays", expiryDays),
  };
}

export const keyVault = armResourceType({
  type: "azure.keyvault.vault",
  service: "keyvault",
  armType: "microsoft.keyvault/vaults",
  apiVersion: KEYVAULT_API_VERSION,
  facts: AzureKeyVaultFactsSchema,
  read: AZURE_CALLS.readKeyVault,
  toFacts: keyVaultFacts,
});

interface VaultKey {
  vault: GenericResourceSummary;
  id: string;
  name: string;
}

/** One vault's keys; a vault whose keys cannot be listed is reported on its own scope and gives none. */
async function keysOf(ctx: AzureTypeContext, vault: GenericResourceSummary): Promise<VaultKey[]> {
  let items: unknown[];
  try {
    items = await ctx.call(AZURE_CALLS.readKeys, () =>
      ctx.provider.arm.listChildren(`${vault.id}/keys`, KEYVAULT_API_VERSION),
    );
  } catch (err) {
    ctx.provider.reportPartial(vault.id, err, ["azure.keyvault.key"]);
    return [];
  }
  const keys: VaultKey[] = [];
  for (const raw of items) {
    const item = KeyListItemSchema.safeParse(raw);
    if (item.success) keys.push({ vault, id: item.data.id, name: item.data.name });
    else ctx.provider.reportPartial(vault.id, item.error, ["azure.keyvault.key"]);
  }
  return keys;
}

/**
 * Keys of every listed vault (`{vault}/keys`, then each key's GET). A vault whose keys cannot be listed is
 * reported on its own scope for the key type; the other vaults' keys are still read.
 */
export const keyVaultKey = defineResourceType<SubscriptionScope, VaultKey>({
  type: "azure.keyvault.key",
  service: "keyvault",
  scope: "perProject",
  facts: AzureKeyVaultKeyFactsSchema,
  calls: [AZURE_CALLS.listResources, AZURE_CALLS.readKeys],
  async *list(ctx) {
    // Each vault's keys are listed as soon as the vault is listed, all vaults at once (bounded by the scan's
    // limiter), and keys are handed out as their vault answers: one slow vault does not hold up the others.
    const ready: VaultKey[] = [];
    let active = 0;
    let vaultsListed = false;
    let failure: { error: unknown } | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    void (async () => {
      try {
        for await (const vault of listedOf(ctx, "microsoft.keyvault/vaults")) {
          active += 1;
          void keysOf(ctx, vault)
            .then((keys) => ready.push(...keys))
            .finally(() => {
              active -= 1;
              notify();
            });
        }
      } catch (error) {
        failure = { error };
      }
      vaultsListed = true;
      notify();
    })();
    for (;;) {
      while (ready.length > 0) yield ready.shift() as VaultKey;
      if (failure) throw failure.error;
      if (vaultsListed && active === 0) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  },
  async read(ctx, key, facts) {
    const summary: GenericResourceSummary = {
      id: key.id,
      name: `${key.vault.name}/${key.name}`,
      type: "Microsoft.KeyVault/vaults/keys",
      ...(key.vault.location ? { location: key.vault.location } : {}),
      tags: {},
    };
    // A key is read like any ARM resource (readArmResource), under the name `{vault}/{key}`.
    return readArmResource(ctx, summary, facts, {
      apiVersion: KEYVAULT_API_VERSION,
      facts: AzureKeyVaultKeyFactsSchema,
      read: AZURE_CALLS.readKeys,
      toFacts: (properties) => keyVaultKeyFacts(key.vault.name, properties),
      notReported: { rotation: KEY_ROTATION_NOT_REPORTED },
    });
  },
});
