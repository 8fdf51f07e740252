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

const DeleteActionSchema = z.object({
  daysAfterModificationGreaterThan: z.number().nullish(),
  daysAfterCreationGreaterThan: z.number().nullish(),
  daysAfterLastAccessTimeGreaterThan: z.number().nullish(),
});
const ManagementPolicySchema = z.object({
  properties: z
    .object({
      policy: z
        .object({
          rules: z
            .array(
              z.object({
                name: z.string(),
                enabled: z.boolean().nullish(),
                type: z.string().nullish(),
                definition: z
                  .object({
                    actions: z
                      .object({
                        baseBlob: z.object({ delete: DeleteActionSchema.nullish() }).nullish(),
                        snapshot: z.object({ delete: DeleteActionSchema.nullish() }).nullish(),
                        version: z.object({ delete: DeleteActionSchema.nullish() }).nullish(),
                      })
                      .nullish(),
                  })
                  .nullish(),
              }),
            )
            .nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

function deleteFacts(action: z.infer<typeof DeleteActionSchema> | null | undefined) {
  if (!action) return undefined;
  return {
    ...present("daysAfterModificationGreaterThan", action.daysAfterModificationGreaterThan),
    ...present("daysAfterCreationGreaterThan", action.daysAfterCreationGreaterThan),
    ...present("daysAfterLastAccessTimeGreaterThan", action.daysAfterLastAccessTimeGreaterThan),
  };
}

/**
 * The rules of `managementPolicies/default` (2023-05-01, ManagementPolicy): each rule's name, `enabled` as
 * returned and its delete actions. Whether they dispose of data soon enough is the rules' judgement (AZ-ST-006).
 */
export function lifecycleRulesFacts(
  reply: unknown,
): NonNullable<z.input<typeof AzureStorageAccountFactsSchema>["lifecycleRules"]> {
  const parsed = ManagementPolicySchema.parse(reply ?? {});
  return (parsed.properties?.policy?.rules ?? []).map((rule) => {
    const actions = rule.definition?.actions;
    const baseBlobDelete = deleteFacts(actions?.baseBlob?.delete);
    const snapshotDelete = deleteFacts(actions?.snapshot?.delete);
    const versionDelete = deleteFacts(actions?.version?.delete);
    return {
      name: rule.name,
      ...present("enabled", rule.enabled),
      ...present("type", rule.type),
      ...(baseBlobDelete ? { baseBlobDelete } : {}),
      ...(snapshotDelete ? { snapshotDelete } : {}),
      ...(versionDelete ? { versionDelete } : {}),
    };
  });
}

/** ARM's answer for an account without a lifecycle policy (404): "no policy", not a failure to read one. */
export const NO_MANAGEMENT_POLICY = ["ManagementPolicyNotFound"] as const;

export const storageAccount = armResourceType({
  type: "azure.storage.account",
  service: "storage",
  armType: "microsoft.storage/storageaccounts",
  apiVersion: STORAGE_API_VERSION,
  facts: AzureStorageAccountFactsSchema,
  read: AZURE_CALLS.readStorageAccount,
  extraCalls: [AZURE_CALLS.readManagementPolicy],
  toFacts: storageAccountFacts,
  async extra(ctx, summary, facts) {
    await facts.read(
      "lifecycleRules",
      // Parsed inside the call, so a reply of another shape is a service error for this fact only.
      async () =>
        (await ctx.callOrAbsent(
          AZURE_CALLS.readManagementPolicy,
          async () =>
            lifecycleRulesFacts(
              await ctx.provider.arm.get(`${summary.id}/managementPolicies/default`, STORAGE_API_VERSION),
            ),
          NO_MANAGEMENT_POLICY,
        )) ?? [],
      (rules) => facts.set("lifecycleRules", rules, AZURE_CALLS.readManagementPolicy),
    );
  },
});
