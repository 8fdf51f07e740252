import type { KeyListEntry } from "@aws-sdk/client-kms";
import { KmsKeyFactsSchema } from "../../core/facts/aws.js";
import { forEachBounded, paginate } from "./concurrency.js";
import { type AccountScope, FactsBuilder } from "./context.js";
import { AWS_CALLS as C } from "./permissions.js";
import { loadKmsSdk } from "./sdk.js";

const { DescribeKeyCommand, GetKeyRotationStatusCommand, KMSClient, ListAliasesCommand, ListKeysCommand } =
  loadKmsSdk();
type KMSClient = InstanceType<typeof KMSClient>;

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
] as const;

/** Key states in which rotation status can be read (others reply KMSInvalidStateException). */
const ROTATION_READABLE_STATES = new Set(["Enabled", "Disabled"]);

export async function collectKms(scope: AccountScope, region: string): Promise<number> {
  const client = scope.client("kms", region, (config) => new KMSClient(config));

  // One paginated ListAliases answers every key's aliases, instead of a ListAliases call per key.
  const aliases = new Map<string, string[]>();
  let aliasError: unknown;
  try {
    const all = paginate(
      (Marker) =>
        scope.call("kms", region, C.kmsListAliases, () =>
          client.send(new ListAliasesCommand({ Marker, Limit: 100 })),
        ),
      (page) => page.Aliases,
      (page) => (page.Truncated ? page.NextMarker : undefined),
    );
    for await (const alias of all) {
      if (!alias.TargetKeyId || !alias.AliasName) continue;
      aliases.set(alias.TargetKeyId, [...(aliases.get(alias.TargetKeyId) ?? []), alias.AliasName]);
    }
  } catch (err) {
    aliasError = err;
  }

  let count = 0;
  const keys = paginate(
    (Marker) =>
      scope.call("kms", region, C.kmsListKeys, () =>
        client.send(new ListKeysCommand({ Marker, Limit: 1000 })),
      ),
    (page) => page.Keys,
    (page) => (page.Truncated ? page.NextMarker : undefined),
  );
  try {
    await forEachBounded(keys, scope.settings.concurrency * 2, async (entry) => {
      const resource = await collectKey(scope, client, region, entry, aliases, aliasError);
      if (resource) {
        scope.ctx.emit(resource);
        count += 1;
      }
    });
  } catch (err) {
    scope.reportListFailure(`${region}/kms`, err, ["aws.kms.key"]);
  }
  return count;
}

async function collectKey(
  scope: AccountScope,
  client: KMSClient,
  region: string,
  entry: KeyListEntry,
  aliases: Map<string, string[]>,
  aliasError: unknown,
) {
  const keyId = entry.KeyId;
  if (!keyId) return undefined;
  const arn = entry.KeyArn ?? `arn:${scope.partition}:kms:${region}:${scope.accountId}:key/${keyId}`;
  const facts = new FactsBuilder();
  facts.set("keyId", keyId, C.kmsListKeys);
  facts.set("arn", arn, C.kmsListKeys);
  if (aliasError === undefined) facts.set("aliases", (aliases.get(keyId) ?? []).sort(), C.kmsListAliases);
  else facts.fail("aliases", aliasError);

  let rotationSupported = false;
  await facts.read(
    METADATA_FACTS,
    () =>
      scope.call("kms", region, C.kmsDescribeKey, () =>
        client.send(new DescribeKeyCommand({ KeyId: keyId })),
      ),
    (reply) => {
      const m = reply.KeyMetadata;
      if (!m) throw new Error("kms:DescribeKey returned no KeyMetadata");
      const keySpec = m.KeySpec ?? m.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
      if (m.Description) facts.set("description", m.Description, C.kmsDescribeKey);
      facts.set("keyManager", m.KeyManager ?? "CUSTOMER", C.kmsDescribeKey);
      facts.set("keySpec", keySpec, C.kmsDescribeKey);
      facts.set("keyUsage", m.KeyUsage ?? "ENCRYPT_DECRYPT", C.kmsDescribeKey);
      facts.set("keyState", m.KeyState ?? (m.Enabled ? "Enabled" : "Disabled"), C.kmsDescribeKey);
      facts.set("enabled", m.Enabled === true, C.kmsDescribeKey);
      facts.set("origin", m.Origin ?? "AWS_KMS", C.kmsDescribeKey);
      facts.set("multiRegion", m.MultiRegion === true, C.kmsDescribeKey);
      if (m.CreationDate) facts.set("createdAt", m.CreationDate.toISOString(), C.kmsDescribeKey);
      if (m.DeletionDate) facts.set("deletionDate", m.DeletionDate.toISOString(), C.kmsDescribeKey);
      // Automatic rotation exists only for symmetric keys with key material in KMS; AWS managed keys rotate
      // yearly by themselves, so only customer keys need the extra call.
      rotationSupported =
        m.KeyManager === "CUSTOMER" &&
        keySpec === "SYMMETRIC_DEFAULT" &&
        (m.Origin ?? "AWS_KMS") === "AWS_KMS" &&
        ROTATION_READABLE_STATES.has(m.KeyState ?? "");
    },
  );
  if (rotationSupported) {
    await facts.read(
      "rotation",
      () =>
        scope.call("kms", region, C.kmsGetKeyRotationStatus, () =>
          client.send(new GetKeyRotationStatusCommand({ KeyId: keyId })),
        ),
      (reply) => {
        facts.set(
          "rotation",
          {
            enabled: reply.KeyRotationEnabled === true,
            ...(reply.RotationPeriodInDays !== undefined ? { periodDays: reply.RotationPeriodInDays } : {}),
          },
          C.kmsGetKeyRotationStatus,
        );
      },
    );
  }
  const alias = (facts.attributes.aliases as string[] | undefined)?.[0];
  return facts.build(KmsKeyFactsSchema, {
    uid: arn,
    type: "aws.kms.key",
    name: alias ?? keyId,
    account: scope.accountId,
    region,
  });
}
