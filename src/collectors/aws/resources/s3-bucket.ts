import type { Bucket, LifecycleRule, PublicAccessBlockConfiguration } from "@aws-sdk/client-s3";
import { type S3BucketFacts, S3BucketFactsSchema } from "../../../core/facts/aws.js";
import { paginate } from "../../kit/bounded.js";
import { type ApiCall, apiCall } from "../../kit/calls.js";
import type { FactsRecord } from "../../kit/facts.js";
import { defineResourceType, type TypeContext } from "../../kit/resource-type.js";
import type { AccountFactsCollector } from "../account.js";
import type { AccountScope } from "../context.js";
import { loadS3ControlSdk, loadS3Sdk } from "../sdk.js";
import { tagsOf } from "../tags.js";

const C = {
  s3ListBuckets: apiCall("s3:ListBuckets", "s3:ListAllMyBuckets"),
  s3GetBucketLocation: apiCall("s3:GetBucketLocation"),
  s3GetBucketEncryption: apiCall("s3:GetBucketEncryption", "s3:GetEncryptionConfiguration"),
  s3GetPublicAccessBlock: apiCall("s3:GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
  s3GetBucketPolicy: apiCall("s3:GetBucketPolicy"),
  s3GetBucketAcl: apiCall("s3:GetBucketAcl"),
  s3GetBucketVersioning: apiCall("s3:GetBucketVersioning"),
  s3GetBucketReplication: apiCall("s3:GetBucketReplication", "s3:GetReplicationConfiguration"),
  s3GetBucketLifecycle: apiCall("s3:GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
  s3GetObjectLock: apiCall("s3:GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"),
  s3GetBucketLogging: apiCall("s3:GetBucketLogging"),
  s3GetBucketTagging: apiCall("s3:GetBucketTagging"),
  s3ControlGetPublicAccessBlock: apiCall("s3control:GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),
};

type Ctx = TypeContext<AccountScope>;

/** The SDK modules, loaded on first use (require() caches them), never when the registry imports this file. */
let loaded: (ReturnType<typeof loadS3Sdk> & { control: ReturnType<typeof loadS3ControlSdk> }) | undefined;
const sdk = () => {
  loaded ??= Object.assign(Object.create(loadS3Sdk()), { control: loadS3ControlSdk() });
  return loaded as NonNullable<typeof loaded>;
};

type PublicAccessBlock = NonNullable<S3BucketFacts["publicAccessBlock"]>;

/** Account-level Block Public Access as returned, or the error that hid it. */
type AccountPab = { ok: true; value: PublicAccessBlock } | { ok: false; error: unknown };

/**
 * A GetPublicAccessBlock reply as returned: no reply (NoSuchPublicAccessBlockConfiguration) is "not
 * configured", and a flag the reply left out stays absent. The rules decide what the two levels mean together.
 */
function publicAccessBlock(
  reply: { PublicAccessBlockConfiguration?: PublicAccessBlockConfiguration } | undefined,
) {
  const c = reply?.PublicAccessBlockConfiguration;
  return {
    configured: reply !== undefined,
    ...(c?.BlockPublicAcls !== undefined ? { blockPublicAcls: c.BlockPublicAcls } : {}),
    ...(c?.IgnorePublicAcls !== undefined ? { ignorePublicAcls: c.IgnorePublicAcls } : {}),
    ...(c?.BlockPublicPolicy !== undefined ? { blockPublicPolicy: c.BlockPublicPolicy } : {}),
    ...(c?.RestrictPublicBuckets !== undefined ? { restrictPublicBuckets: c.RestrictPublicBuckets } : {}),
  } satisfies PublicAccessBlock;
}

/** GetBucketLocation's answer: empty means us-east-1, the legacy `EU` means eu-west-1. */
export function normaliseBucketRegion(constraint: string | undefined | null): string {
  if (!constraint) return "us-east-1";
  if (constraint === "EU") return "eu-west-1";
  return constraint;
}

function s3Client(scope: AccountScope, region: string) {
  const { S3Client } = sdk();
  return scope.client(
    "s3",
    region,
    (config) =>
      new S3Client({
        ...config,
        forcePathStyle: scope.settings.forcePathStyle,
        // A bucket in another region answers with a redirect; the SDK follows it to the right region.
        followRegionRedirects: true,
      }),
  );
}

async function readAccountPab(ctx: Ctx, account: AccountFactsCollector): Promise<AccountPab> {
  const scope = ctx.provider;
  const { GetPublicAccessBlockCommand: GetAccountPublicAccessBlockCommand, S3ControlClient } = sdk().control;
  const region = scope.homeRegion;
  const endpoint = scope.settings.endpoint;
  const client = scope.client(
    "s3control",
    region,
    (config) =>
      new S3ControlClient({
        ...config,
        // S3 Control puts the account id in the host name; a custom endpoint (emulator, private endpoint)
        // cannot take that prefix, so the request goes to the endpoint as given.
        ...(endpoint
          ? { disableHostPrefix: true, endpointProvider: () => ({ url: new URL(endpoint) }) }
          : {}),
      }),
  );
  try {
    const reply = await ctx.callOrAbsent(
      C.s3ControlGetPublicAccessBlock,
      () => client.send(new GetAccountPublicAccessBlockCommand({ AccountId: scope.accountId })),
      ["NoSuchPublicAccessBlockConfiguration"],
    );
    const value = publicAccessBlock(reply);
    account.facts.set("s3PublicAccessBlock", value, C.s3ControlGetPublicAccessBlock);
    return { ok: true, value };
  } catch (error) {
    account.facts.fail("s3PublicAccessBlock", error);
    return { ok: false, error };
  }
}

const LIST_PAGE_SIZE = 1000;
/** Calls each bucket makes once its region is known (encryption, public access block, policy, ACL, …, tags). */
const CALLS_PER_BUCKET = 10;

/**
 * Buckets worked on at once in one region: enough that their calls keep the region's S3 limiter (`concurrency`
 * calls in flight) full while finished buckets are replaced, and no more (see forEachBoundedPerLane). Buckets
 * the listing gave no region for share one lane and may be in any region, so that lane keeps the wider bound.
 */
export function bucketsInFlight(concurrency: number, region: string): number {
  return region ? Math.ceil((2 * concurrency) / CALLS_PER_BUCKET) + 1 : 2 * concurrency;
}

/**
 * S3 buckets (global listing, per-bucket calls in the bucket's region). The account-level Block Public Access
 * is read once (prepare) and carried on each bucket beside the bucket's own; buckets are read in per-region lanes so each region's
 * limiter stays busy without holding thousands of buckets' replies at once (bench/aws-scan).
 */
export const s3Bucket = defineResourceType<AccountScope, Bucket, AccountPab>({
  type: "aws.s3.bucket",
  service: "s3",
  scope: "global",
  facts: S3BucketFactsSchema,
  calls: Object.values(C),
  lanes: {
    of: (bucket) => bucket.BucketRegion ?? "",
    inFlight: (region, ctx) => bucketsInFlight(ctx.provider.settings.concurrency, region),
    waiting: LIST_PAGE_SIZE,
  },

  prepare: (ctx) => readAccountPab(ctx, ctx.provider.accountFacts),

  list(ctx) {
    const { ListBucketsCommand } = sdk();
    const scope = ctx.provider;
    const home = s3Client(scope, scope.homeRegion);
    return paginate(
      (token) =>
        ctx.call(C.s3ListBuckets, () =>
          home.send(new ListBucketsCommand({ MaxBuckets: LIST_PAGE_SIZE, ContinuationToken: token })),
        ),
      (page) => page.Buckets,
      (page) => page.ContinuationToken,
    );
  },

  read: (ctx, bucket, facts, accountPab) => collectBucket(ctx, bucket, facts, accountPab),
});

async function collectBucket(ctx: Ctx, bucket: Bucket, facts: FactsRecord, accountPab: AccountPab) {
  const {
    GetBucketAclCommand,
    GetBucketEncryptionCommand,
    GetBucketLifecycleConfigurationCommand,
    GetBucketLocationCommand,
    GetBucketLoggingCommand,
    GetBucketPolicyCommand,
    GetBucketReplicationCommand,
    GetBucketTaggingCommand,
    GetBucketVersioningCommand,
    GetObjectLockConfigurationCommand,
    GetPublicAccessBlockCommand,
  } = sdk();
  const scope = ctx.provider;
  const name = bucket.Name;
  if (!name) return undefined;
  let region = bucket.BucketRegion;
  if (!region) {
    // Older listings carry no region; ask the bucket (the only per-bucket call the list does not answer).
    try {
      const home = s3Client(scope, scope.homeRegion);
      const reply = await ctx.call(C.s3GetBucketLocation, () =>
        home.send(new GetBucketLocationCommand({ Bucket: name })),
      );
      region = normaliseBucketRegion(reply.LocationConstraint);
    } catch (err) {
      facts.fail("region", err);
      region = scope.homeRegion;
    }
  }
  if (!facts.unreadable.region)
    facts.set("region", region, bucket.BucketRegion ? C.s3ListBuckets : C.s3GetBucketLocation);
  facts.set("name", name, C.s3ListBuckets);
  if (bucket.CreationDate) facts.set("createdAt", bucket.CreationDate.toISOString(), C.s3ListBuckets);

  const client = s3Client(scope, region);
  const send = <T>(api: ApiCall, absent: string[], fn: () => Promise<T>) =>
    ctx.callOrAbsent(api, fn, absent, region);
  let tags: Record<string, string> = {};
  if (accountPab.ok) facts.set("accountPublicAccessBlock", accountPab.value, C.s3ControlGetPublicAccessBlock);
  else facts.fail("accountPublicAccessBlock", accountPab.error);

  await Promise.all([
    facts.read(
      "encryption",
      () =>
        send(C.s3GetBucketEncryption, ["ServerSideEncryptionConfigurationNotFoundError"], () =>
          client.send(new GetBucketEncryptionCommand({ Bucket: name })),
        ),
      (reply) => {
        const rule = reply?.ServerSideEncryptionConfiguration?.Rules?.[0];
        const byDefault = rule?.ApplyServerSideEncryptionByDefault;
        // "none" only when S3 said so (ServerSideEncryptionConfigurationNotFoundError: no reply); a reply
        // without an algorithm leaves it absent, so the rules reading it give error.
        const algorithm = reply === undefined ? "none" : byDefault?.SSEAlgorithm;
        facts.set(
          "encryption",
          {
            ...(algorithm !== undefined ? { algorithm } : {}),
            ...(byDefault?.KMSMasterKeyID ? { kmsKeyId: byDefault.KMSMasterKeyID } : {}),
            ...(rule?.BucketKeyEnabled !== undefined ? { bucketKeyEnabled: rule.BucketKeyEnabled } : {}),
            // As returned (NONE | SSE-C); absent when the reply has no BlockedEncryptionTypes.
            ...(rule?.BlockedEncryptionTypes?.EncryptionType
              ? { blockedEncryptionTypes: [...rule.BlockedEncryptionTypes.EncryptionType] }
              : {}),
          },
          C.s3GetBucketEncryption,
        );
      },
    ),
    facts.read(
      "publicAccessBlock",
      () =>
        send(C.s3GetPublicAccessBlock, ["NoSuchPublicAccessBlockConfiguration"], () =>
          client.send(new GetPublicAccessBlockCommand({ Bucket: name })),
        ),
      (reply) => facts.set("publicAccessBlock", publicAccessBlock(reply), C.s3GetPublicAccessBlock),
    ),
    facts.read(
      "policy",
      () =>
        send(C.s3GetBucketPolicy, ["NoSuchBucketPolicy"], () =>
          client.send(new GetBucketPolicyCommand({ Bucket: name })),
        ),
      (reply) => {
        if (!reply?.Policy) {
          facts.set("policy", { exists: false }, C.s3GetBucketPolicy);
          return;
        }
        let document: unknown;
        try {
          document = JSON.parse(reply.Policy);
        } catch {
          document = undefined;
        }
        if (!document || typeof document !== "object" || Array.isArray(document)) {
          facts.fail(
            "policy",
            new Error("the bucket policy returned by s3:GetBucketPolicy is not a JSON object"),
          );
          return;
        }
        facts.set("policy", { exists: true, document }, C.s3GetBucketPolicy);
      },
    ),
    facts.read(
      "aclGrants",
      () => send(C.s3GetBucketAcl, [], () => client.send(new GetBucketAclCommand({ Bucket: name }))),
      (reply) => {
        facts.set(
          "aclGrants",
          reply?.Grants?.map((g) => ({
            ...(g.Grantee?.Type ? { type: g.Grantee.Type } : {}),
            ...(g.Grantee?.URI ? { uri: g.Grantee.URI } : {}),
            ...(g.Grantee?.ID ? { id: g.Grantee.ID } : {}),
            ...(g.Permission ? { permission: g.Permission } : {}),
          })),
          C.s3GetBucketAcl,
        );
      },
    ),
    facts.read(
      "versioning",
      () =>
        send(C.s3GetBucketVersioning, [], () =>
          client.send(new GetBucketVersioningCommand({ Bucket: name })),
        ),
      (reply) => {
        // As returned: S3 sends no Status for a bucket that never had versioning, and no MFADelete for one
        // never configured with it; the rules state what that absence means.
        facts.set(
          "versioning",
          {
            ...(reply?.Status ? { status: reply.Status } : {}),
            ...(reply?.MFADelete ? { mfaDelete: reply.MFADelete === "Enabled" } : {}),
          },
          C.s3GetBucketVersioning,
        );
      },
    ),
    facts.read(
      "replication",
      () =>
        send(C.s3GetBucketReplication, ["ReplicationConfigurationNotFoundError"], () =>
          client.send(new GetBucketReplicationCommand({ Bucket: name })),
        ),
      (reply) => {
        // No reply: S3 answered ReplicationConfigurationNotFoundError, so there are no rules.
        const rules = (reply?.ReplicationConfiguration?.Rules ?? []).map((r) => ({
          ...(r.ID ? { id: r.ID } : {}),
          ...(r.Status ? { status: r.Status } : {}),
          ...(r.Destination?.Bucket ? { destinationBucket: r.Destination.Bucket } : {}),
          ...(r.Destination?.Account ? { destinationAccount: r.Destination.Account } : {}),
        }));
        facts.set("replication", { rules }, C.s3GetBucketReplication);
      },
    ),
    facts.read(
      "lifecycleRules",
      () =>
        send(C.s3GetBucketLifecycle, ["NoSuchLifecycleConfiguration"], () =>
          client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name })),
        ),
      (reply) => {
        // The rules as returned; counting them (or the enabled ones) is a rule's job, in CEL.
        facts.set("lifecycleRules", (reply?.Rules ?? []).map(lifecycleRuleFacts), C.s3GetBucketLifecycle);
      },
    ),
    facts.read(
      "objectLock",
      () =>
        send(C.s3GetObjectLock, ["ObjectLockConfigurationNotFoundError"], () =>
          client.send(new GetObjectLockConfigurationCommand({ Bucket: name })),
        ),
      (reply) => {
        // As returned; no reply means S3 answered ObjectLockConfigurationNotFoundError (never configured).
        const config = reply?.ObjectLockConfiguration;
        const retention = config?.Rule?.DefaultRetention;
        facts.set(
          "objectLock",
          {
            configured: reply !== undefined,
            ...(config?.ObjectLockEnabled ? { objectLockEnabled: config.ObjectLockEnabled } : {}),
            ...(retention?.Mode ? { mode: retention.Mode } : {}),
            ...(retention?.Days !== undefined ? { retentionDays: retention.Days } : {}),
            ...(retention?.Years !== undefined ? { retentionYears: retention.Years } : {}),
          },
          C.s3GetObjectLock,
        );
      },
    ),
    facts.read(
      "logging",
      () => send(C.s3GetBucketLogging, [], () => client.send(new GetBucketLoggingCommand({ Bucket: name }))),
      (reply) => {
        const target = reply?.LoggingEnabled;
        facts.set(
          "logging",
          {
            ...(target?.TargetBucket ? { targetBucket: target.TargetBucket } : {}),
            ...(target?.TargetPrefix ? { targetPrefix: target.TargetPrefix } : {}),
          },
          C.s3GetBucketLogging,
        );
      },
    ),
    // Tags are labels, not facts rules judge; a denied tagging read leaves the tags empty and is not an error.
    send(C.s3GetBucketTagging, ["NoSuchTagSet"], () =>
      client.send(new GetBucketTaggingCommand({ Bucket: name })),
    ).then(
      (reply) => {
        tags = tagsOf(reply?.TagSet);
      },
      () => undefined,
    ),
  ]);

  return { uid: `arn:${scope.partition}:s3:::${name}`, name, account: scope.accountId, region, tags };
}

/**
 * One lifecycle rule as GetBucketLifecycleConfiguration returned it
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html): its filter (prefix from the filter,
 * its `And`, or the deprecated top-level Prefix; tag and size conditions) and its expirations. Which rule covers
 * which objects is the rules' judgement.
 */
function lifecycleRuleFacts(rule: LifecycleRule): Record<string, unknown> {
  const f = rule.Filter;
  const prefix = f?.Prefix ?? f?.And?.Prefix ?? rule.Prefix;
  const out: Record<string, unknown> = {
    status: rule.Status ?? "",
    tagConditions: (f?.Tag ? 1 : 0) + (f?.And?.Tags?.length ?? 0),
  };
  const keep = (key: string, value: unknown) => {
    if (value !== undefined) out[key] = value;
  };
  keep("id", rule.ID);
  keep("prefix", prefix);
  keep("objectSizeGreaterThan", f?.ObjectSizeGreaterThan ?? f?.And?.ObjectSizeGreaterThan);
  keep("objectSizeLessThan", f?.ObjectSizeLessThan ?? f?.And?.ObjectSizeLessThan);
  keep("expirationDays", rule.Expiration?.Days);
  keep("expirationDate", rule.Expiration?.Date?.toISOString());
  keep("noncurrentExpirationDays", rule.NoncurrentVersionExpiration?.NoncurrentDays);
  return out;
}
