import { type ApiCall, apiCall as call, permissionsOf } from "../kit/calls.js";
import { AWS_RESOURCE_DECLARATIONS } from "./resources/index.js";

/**
 * AWS API calls made outside the resource type declarations (account discovery, regions, and the services
 * not yet declared in resources/), with the IAM action that authorises each. Declared resource types list
 * their own calls; `AWS_READ_PERMISSIONS` is built from both, so `assay permissions aws` prints exactly the
 * actions the calls use: all read-only (Get/List/Describe/Generate credential report).
 */
export const AWS_CALLS = {
  stsGetCallerIdentity: call("sts:GetCallerIdentity"),
  stsAssumeRole: call("sts:AssumeRole"),
  orgListAccounts: call("organizations:ListAccounts"),
  ec2DescribeRegions: call("ec2:DescribeRegions"),

  s3ListBuckets: call("s3:ListBuckets", "s3:ListAllMyBuckets"),
  s3GetBucketLocation: call("s3:GetBucketLocation"),
  s3GetBucketEncryption: call("s3:GetBucketEncryption", "s3:GetEncryptionConfiguration"),
  s3GetPublicAccessBlock: call("s3:GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
  s3GetBucketPolicy: call("s3:GetBucketPolicy"),
  s3GetBucketAcl: call("s3:GetBucketAcl"),
  s3GetBucketVersioning: call("s3:GetBucketVersioning"),
  s3GetBucketReplication: call("s3:GetBucketReplication", "s3:GetReplicationConfiguration"),
  s3GetBucketLifecycle: call("s3:GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
  s3GetObjectLock: call("s3:GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"),
  s3GetBucketLogging: call("s3:GetBucketLogging"),
  s3GetBucketTagging: call("s3:GetBucketTagging"),
  s3ControlGetPublicAccessBlock: call("s3control:GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),
} as const satisfies Record<string, ApiCall>;

/** Every call the collector can make: the table above and each declared resource type's calls. */
export const AWS_ALL_CALLS: readonly ApiCall[] = [
  ...Object.values(AWS_CALLS),
  ...AWS_RESOURCE_DECLARATIONS.flatMap((d) => d.calls),
];

/**
 * The read-only IAM actions, sorted. sts:AssumeRole is listed separately: it belongs on the caller's identity
 * (to reach member accounts), not on the scanning role in each account; sts:GetCallerIdentity needs no grant.
 */
export const AWS_READ_PERMISSIONS: readonly string[] = permissionsOf(AWS_ALL_CALLS, [
  "sts:AssumeRole",
  "sts:GetCallerIdentity",
]);
