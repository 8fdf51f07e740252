import type { KeyListEntry } from "@aws-sdk/client-kms";
import { KmsKeyFactsSchema } from "../../../core/facts/aws.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType, type TypeContext } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import { loadKmsSdk } from "../sdk.js";

const CALLS = {
  listKeys: apiCall("kms:ListKeys"),
  listAliases: apiCall("kms:ListAliases"),
  describeKey: apiCall("kms:DescribeKey"),
  getKeyRotationStatus: apiCall("kms:GetKeyRotationStatus"),
};

/** Facts DescribeKey answers; all of them become unreadable together when it fails. */
const METADATA_FACTS = [
  "description",
  "keyManager",
  "keySpec",
  "keyUsage",
  "keyState",
  "enabled",
  "origin",
  "multiRegion",
  "createdAt",
  "deletionDate",
] as const;

/** Key states in which rotation status can be read (others reply KMSInvalidStateException). */
const ROTATION_READABLE_STATES = new Set(["Enabled", "Disabled"]);

/** Every key's aliases from one paginated ListAliases, or the error that kept them from being read. */
type Aliases = { byKey: Map<string, string[]> } | { error: unknown };

// The SDK is loaded on first use, so the registry (and `assay permissions`) can read this declaration for free.
const kmsClient = (ctx: TypeContext<AccountScope>) =>
  ctx.provider.client("kms", ctx.where, (config) => new (loadKmsSdk().KMSClient)(config));

/**
 * KMS keys of one region. Facts are what DescribeKey and GetKeyRotationStatus returned
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_KeyMetadata.html,
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html): a field the reply
 * did not carry stays absent, and the rules decide what its absence means.
 */
export const kmsKey = defineResourceType<AccountScope, KeyListEntry, Aliases>({
  type: "aws.kms.key",
  service: "kms",
  scope: "regional",
  facts: KmsKeyFactsSchema,
  calls: Object.values(CALLS),

  async prepare(ctx) {
    const { ListAliasesCommand } = loadKmsSdk();
    const client = kmsClient(ctx);
    const byKey = new Map<string, string[]>();
    try {
      const all = paginate(
        (Marker) =>
          ctx.call(CALLS.listAliases, () => client.send(new ListAliasesCommand({ Marker, Limit: 100 }))),
        (page) => page.Aliases,
        (page) => (page.Truncated ? page.NextMarker : undefined),
      );
      for await (const alias of all) {
        if (!alias.TargetKeyId || !alias.AliasName) continue;
        byKey.set(alias.TargetKeyId, [...(byKey.get(alias.TargetKeyId) ?? []), alias.AliasName]);
      }
      return { byKey };
    } catch (error) {
      return { error };
    }
  },

  list(ctx) {
    const { ListKeysCommand } = loadKmsSdk();
    const client = kmsClient(ctx);
    return paginate(
      (Marker) => ctx.call(CALLS.listKeys, () => client.send(new ListKeysCommand({ Marker, Limit: 1000 }))),
      (page) => page.Keys,
      (page) => (page.Truncated ? page.NextMarker : undefined),
    );
  },

  async read(ctx, entry, facts, aliases) {
    const { DescribeKeyCommand, GetKeyRotationStatusCommand } = loadKmsSdk();
    const client = kmsClient(ctx);
    const scope = ctx.provider;
    const keyId = entry.KeyId;
    if (!keyId) return undefined;
    const arn = entry.KeyArn ?? `arn:${scope.partition}:kms:${ctx.where}:${scope.accountId}:key/${keyId}`;
    facts.set("keyId", keyId, CALLS.listKeys);
    facts.set("arn", arn, CALLS.listKeys);
    if ("byKey" in aliases) facts.set("aliases", (aliases.byKey.get(keyId) ?? []).sort(), CALLS.listAliases);
    else facts.fail("aliases", aliases.error);

    let rotationReadable = false;
    await facts.read(
      METADATA_FACTS,
      () => ctx.call(CALLS.describeKey, () => client.send(new DescribeKeyCommand({ KeyId: keyId }))),
      (reply) => {
        const m = reply.KeyMetadata;
        if (!m) {
          facts.fail(METADATA_FACTS, new Error("kms:DescribeKey returned no KeyMetadata"));
          return;
        }
        const set = (key: string, value: unknown) => facts.set(key, value, CALLS.describeKey);
        // The API returns an empty description for keys without one; that is a value, not an absence.
        set("description", m.Description);
        set("keyManager", m.KeyManager);
        // CustomerMasterKeySpec is the deprecated name of the same field, still returned beside KeySpec.
        set("keySpec", m.KeySpec ?? m.CustomerMasterKeySpec);
        set("keyUsage", m.KeyUsage);
        set("keyState", m.KeyState);
        set("enabled", m.Enabled);
        set("origin", m.Origin);
        set("multiRegion", m.MultiRegion);
        set("createdAt", m.CreationDate?.toISOString());
        set("deletionDate", m.DeletionDate?.toISOString());
        // GetKeyRotationStatus answers only for customer managed symmetric keys with KMS key material, in
        // states that allow it; other keys keep `rotation` absent and the rotation rules skip them.
        rotationReadable =
          m.KeyManager === "CUSTOMER" &&
          (m.KeySpec ?? m.CustomerMasterKeySpec) === "SYMMETRIC_DEFAULT" &&
          m.Origin === "AWS_KMS" &&
          ROTATION_READABLE_STATES.has(m.KeyState ?? "");
      },
    );
    if (rotationReadable) {
      await facts.read(
        "rotation",
        () =>
          ctx.call(CALLS.getKeyRotationStatus, () =>
            client.send(new GetKeyRotationStatusCommand({ KeyId: keyId })),
          ),
        (reply) => {
          if (reply.KeyRotationEnabled === undefined) {
            facts.fail("rotation", new Error("kms:GetKeyRotationStatus did not report KeyRotationEnabled"));
            return;
          }
          facts.set(
            "rotation",
            {
              enabled: reply.KeyRotationEnabled,
              ...(reply.RotationPeriodInDays !== undefined ? { periodDays: reply.RotationPeriodInDays } : {}),
            },
            CALLS.getKeyRotationStatus,
          );
        },
      );
    }
    const alias = (facts.attributes.aliases as string[] | undefined)?.[0];
    return { uid: arn, name: alias ?? keyId, account: scope.accountId, region: ctx.where };
  },
});
