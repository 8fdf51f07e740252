/**
 * Every AWS API call the collector makes, with the IAM action that authorises it. The collector calls AWS only
 * through entries of this table, so the permissions it declares (and `assay permissions aws` prints) are exactly
 * the actions it uses: all read-only (Get/List/Describe/Generate credential report).
 */
export interface AwsApiCall {
  /** The API operation, as written in sources (`s3:GetBucketEncryption`). */
  api: string;
  /** The IAM action that allows it (`s3:GetEncryptionConfiguration`). */
  permission: string;
  /** `api: <api>`, built once and shared by every resource's `sources` (10,000 buckets, one string). */
  source: string;
}

function call(api: string, permission = api): AwsApiCall {
  return { api, permission, source: `api: ${api}` };
}

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

  kmsListKeys: call("kms:ListKeys"),
  kmsListAliases: call("kms:ListAliases"),
  kmsDescribeKey: call("kms:DescribeKey"),
  kmsGetKeyRotationStatus: call("kms:GetKeyRotationStatus"),

  iamGenerateCredentialReport: call("iam:GenerateCredentialReport"),
  iamGetCredentialReport: call("iam:GetCredentialReport"),
  iamGetAccountAuthorizationDetails: call("iam:GetAccountAuthorizationDetails"),
  iamGetAccountPasswordPolicy: call("iam:GetAccountPasswordPolicy"),

  cloudtrailDescribeTrails: call("cloudtrail:DescribeTrails"),
  cloudtrailGetTrailStatus: call("cloudtrail:GetTrailStatus"),

  backupListBackupPlans: call("backup:ListBackupPlans"),
  backupGetBackupPlan: call("backup:GetBackupPlan"),
  backupListBackupSelections: call("backup:ListBackupSelections"),

  rdsDescribeDBInstances: call("rds:DescribeDBInstances"),

  ec2GetEbsEncryptionByDefault: call("ec2:GetEbsEncryptionByDefault"),
  ec2GetEbsDefaultKmsKeyId: call("ec2:GetEbsDefaultKmsKeyId"),
  ec2DescribeVolumes: call("ec2:DescribeVolumes"),
  ec2DescribeSecurityGroups: call("ec2:DescribeSecurityGroups"),
} as const satisfies Record<string, AwsApiCall>;

/**
 * The read-only IAM actions, sorted. sts:AssumeRole is listed separately: it belongs on the caller's identity
 * (to reach member accounts), not on the scanning role in each account.
 */
export const AWS_READ_PERMISSIONS: readonly string[] = [
  ...new Set(
    Object.values(AWS_CALLS)
      .map((c) => c.permission)
      .filter((p) => p !== "sts:AssumeRole" && p !== "sts:GetCallerIdentity"),
  ),
].sort();
