import {
  EmuError,
  type EmuOperation,
  type EmuReply,
  type EmuRequest,
  inRange,
  page,
  type ServiceHandler,
  xmlReply,
} from "./protocol.js";
import { objectOperation } from "./s3-objects.js";
import type { EmuAccount, EmuBucket, EmuLifecycleRule, EmuWorld, PabFlags } from "./state.js";
import { list, xml } from "./xml.js";

/** S3 REST-XML, path-style (`/bucket?encryption`), plus the one S3 Control call Assay makes. */
const NS = "http://s3.amazonaws.com/doc/2006-03-01/";

function doc(root: string, inner: string): EmuReply {
  return xmlReply(`<${root} xmlns="${NS}">${inner}</${root}>`);
}

function pabXml(flags: PabFlags): EmuReply {
  return doc(
    "PublicAccessBlockConfiguration",
    xml({
      BlockPublicAcls: flags.blockPublicAcls,
      IgnorePublicAcls: flags.ignorePublicAcls,
      BlockPublicPolicy: flags.blockPublicPolicy,
      RestrictPublicBuckets: flags.restrictPublicBuckets,
    }),
  );
}

/**
 * Buckets by name per bucket list, rebuilt when the list's length changes: the benchmark's 10,000 buckets
 * made a linear search per call a visible share of the emulator's CPU, which shares the machine with the scanner.
 */
const bucketIndex = new WeakMap<EmuBucket[], { size: number; byName: Map<string, EmuBucket> }>();

function findBucket(account: EmuAccount, name: string): EmuBucket {
  let index = bucketIndex.get(account.buckets);
  if (index?.size !== account.buckets.length) {
    index = { size: account.buckets.length, byName: new Map(account.buckets.map((b) => [b.name, b])) };
    bucketIndex.set(account.buckets, index);
  }
  const found = index.byName.get(name);
  if (!found) throw new EmuError("NoSuchBucket", 404, "The specified bucket does not exist");
  return found;
}

function listBuckets(req: EmuRequest, account: EmuAccount, world: EmuWorld): EmuReply {
  const maxParam = req.query.get("max-buckets");
  // Without max-buckets real S3 returns every bucket in one reply; with it, pages and a continuation token.
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html: max-buckets 1-10000.
  const requested = maxParam
    ? inRange("InvalidArgument", "max-buckets", Number.parseInt(maxParam, 10), 1, 10000)
    : Number.MAX_SAFE_INTEGER;
  const { slice, next } = maxParam
    ? page(account.buckets, req.query.get("continuation-token"), requested, world)
    : { slice: account.buckets, next: undefined };
  return doc(
    "ListAllMyBucketsResult",
    xml({
      Owner: { ID: `owner-${account.id}`, DisplayName: "owner" },
      Buckets: list(
        "Bucket",
        slice.map((b) => ({ Name: b.name, CreationDate: b.createdAt, BucketRegion: b.region })),
      ),
      ContinuationToken: next,
    }),
  );
}

const bucketOps: Record<string, { action: string; run: (b: EmuBucket) => EmuReply }> = {
  location: {
    action: "s3:GetBucketLocation",
    run: (b) =>
      xmlReply(
        `<LocationConstraint xmlns="${NS}">${b.region === "us-east-1" ? "" : b.region}</LocationConstraint>`,
      ),
  },
  encryption: {
    action: "s3:GetEncryptionConfiguration",
    // Shape of the GetBucketEncryption response example in the API reference: one Rule with
    // ApplyServerSideEncryptionByDefault and BucketKeyEnabled; unconfigured buckets answer the SSE-S3 default.
    run: (b) => {
      const encryption = b.encryption ?? { algorithm: "AES256" };
      return doc(
        "ServerSideEncryptionConfiguration",
        xml({
          Rule: {
            ApplyServerSideEncryptionByDefault: {
              SSEAlgorithm: encryption.algorithm,
              KMSMasterKeyID: encryption.kmsKeyId,
            },
            BucketKeyEnabled: encryption.bucketKey ?? false,
            // A flattened list: <BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType>…
            BlockedEncryptionTypes: b.blockedEncryptionTypes
              ? list("EncryptionType", b.blockedEncryptionTypes)
              : undefined,
          },
        }),
      );
    },
  },
  publicAccessBlock: {
    action: "s3:GetBucketPublicAccessBlock",
    run: (b) => {
      if (!b.publicAccessBlock) {
        throw new EmuError(
          "NoSuchPublicAccessBlockConfiguration",
          404,
          "The public access block configuration was not found",
        );
      }
      return pabXml(b.publicAccessBlock);
    },
  },
  policy: {
    action: "s3:GetBucketPolicy",
    run: (b) => {
      if (b.policy === null)
        throw new EmuError("NoSuchBucketPolicy", 404, "The bucket policy does not exist");
      return { contentType: "application/json", body: JSON.stringify(b.policy) };
    },
  },
  acl: {
    action: "s3:GetBucketAcl",
    run: (b) => {
      const grants = [
        `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>owner</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>`,
        ...b.aclGrants.map(
          (g) =>
            `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/${g}</URI></Grantee><Permission>READ</Permission></Grant>`,
        ),
      ];
      return doc(
        "AccessControlPolicy",
        `<Owner><ID>owner</ID></Owner><AccessControlList>${grants.join("")}</AccessControlList>`,
      );
    },
  },
  versioning: {
    action: "s3:GetBucketVersioning",
    run: (b) =>
      doc(
        "VersioningConfiguration",
        xml({
          Status: b.versioning.status ?? undefined,
          MfaDelete: b.versioning.status ? (b.versioning.mfaDelete ? "Enabled" : "Disabled") : undefined,
        }),
      ),
  },
  replication: {
    action: "s3:GetReplicationConfiguration",
    run: (b) => {
      if (!b.replication) {
        throw new EmuError(
          "ReplicationConfigurationNotFoundError",
          404,
          "The replication configuration was not found",
        );
      }
      return doc(
        "ReplicationConfiguration",
        xml({
          Role: "arn:aws:iam::000000000000:role/replication",
          Rule: {
            ID: "all",
            Status: "Enabled",
            Priority: 1,
            Destination: { Bucket: `arn:aws:s3:::${b.name}-replica` },
          },
        }),
      );
    },
  },
  lifecycle: {
    action: "s3:GetLifecycleConfiguration",
    run: (b) => {
      if (b.lifecycle) return lifecycleXml(b.lifecycle);
      if (b.lifecycleRules === 0) {
        throw new EmuError("NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist");
      }
      let rules = "";
      for (let i = 0; i < b.lifecycleRules; i++) {
        rules += xml({
          Rule: { ID: `rule-${i}`, Filter: { Prefix: "" }, Status: "Enabled", Expiration: { Days: 365 } },
        });
      }
      return doc("LifecycleConfiguration", rules);
    },
  },
  "object-lock": {
    action: "s3:GetBucketObjectLockConfiguration",
    run: (b) => {
      if (!b.objectLock) {
        throw new EmuError(
          "ObjectLockConfigurationNotFoundError",
          404,
          "Object Lock configuration does not exist for this bucket",
        );
      }
      return doc(
        "ObjectLockConfiguration",
        xml({
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: b.objectLock.mode, Days: b.objectLock.days } },
        }),
      );
    },
  },
  logging: {
    action: "s3:GetBucketLogging",
    run: (b) =>
      doc(
        "BucketLoggingStatus",
        b.loggingTarget
          ? xml({ LoggingEnabled: { TargetBucket: b.loggingTarget, TargetPrefix: `${b.name}/` } })
          : "",
      ),
  },
  tagging: {
    action: "s3:GetBucketTagging",
    run: (b) => {
      const entries = Object.entries(b.tags);
      if (entries.length === 0) throw new EmuError("NoSuchTagSet", 404, "The TagSet does not exist");
      return doc(
        "Tagging",
        xml({
          TagSet: list(
            "Tag",
            entries.map(([Key, Value]) => ({ Key, Value })),
          ),
        }),
      );
    },
  },
};

export const s3Handler: ServiceHandler = {
  protocol: "restXml",
  resolve(req, account, world): EmuOperation {
    // Objects, versions and Object Lock (the store's checkpoint witness): s3-objects.ts.
    const objects = objectOperation(req, account);
    if (objects) return objects;
    if (req.method !== "GET")
      throw new EmuError("MethodNotAllowed", 405, "The emulator serves read calls only");
    if (req.path.startsWith("/v20180820/configuration/publicAccessBlock")) {
      return {
        action: "s3:GetAccountPublicAccessBlock",
        run: () => {
          if (req.headers["x-amz-account-id"] !== account.id) {
            throw new EmuError("AccessDenied", 403, "x-amz-account-id does not match the caller's account");
          }
          if (!account.accountPublicAccessBlock) {
            throw new EmuError(
              "NoSuchPublicAccessBlockConfiguration",
              404,
              "The public access block configuration was not found",
            );
          }
          return pabXml(account.accountPublicAccessBlock);
        },
      };
    }
    const segments = req.path.split("/").filter(Boolean);
    if (segments.length === 0)
      return { action: "s3:ListAllMyBuckets", run: () => listBuckets(req, account, world) };
    const name = decodeURIComponent(segments[0] ?? "");
    const subresource = [...req.query.keys()].find((k) => k in bucketOps);
    const op = subresource ? bucketOps[subresource] : undefined;
    if (!op || segments.length > 1)
      throw new EmuError("NotImplemented", 501, `GET ${req.path} is not emulated`);
    return { action: op.action, run: () => op.run(findBucket(account, name)) };
  },
};

/**
 * Written-out lifecycle rules (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLifecycleConfiguration.html):
 * a rule without a prefix has an empty `<Filter/>`, i.e. the whole bucket; no rules = NoSuchLifecycleConfiguration.
 */
function lifecycleXml(rules: EmuLifecycleRule[]): EmuReply {
  if (rules.length === 0) {
    throw new EmuError("NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist");
  }
  const body = rules
    .map((r) =>
      xml({
        Rule: {
          ID: r.id,
          Filter: r.prefix !== undefined ? { Prefix: r.prefix } : "",
          Status: r.enabled ? "Enabled" : "Disabled",
          Expiration: r.expirationDays !== undefined ? { Days: r.expirationDays } : undefined,
        },
      }),
    )
    .join("");
  return doc("LifecycleConfiguration", body);
}
