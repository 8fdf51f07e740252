import { z } from "zod";

/**
 * Facts about AWS resources, normalised from the API replies so rules never see raw SDK shapes. Every group
 * is optional: a group whose API call was denied or failed is absent and named in the resource's
 * `unreadable` map with the reason (`AccessDenied: s3:GetEncryptionConfiguration`), so a rule that reads it
 * becomes `error`, never `pass`.
 */
const days = z.number().int().nonnegative();
const isoTime = z.iso.datetime();

/**
 * A Block Public Access configuration as GetPublicAccessBlock (bucket: s3, account: s3control) returned it:
 * `configured` is false when S3 answered NoSuchPublicAccessBlockConfiguration; a flag the reply left out is
 * absent. What the two levels mean together is the rules' judgement (AWS-S3-007/008/010).
 */
const PublicAccessBlockSchema = z.strictObject({
  configured: z.boolean(),
  blockPublicAcls: z.boolean().optional(),
  ignorePublicAcls: z.boolean().optional(),
  blockPublicPolicy: z.boolean().optional(),
  restrictPublicBuckets: z.boolean().optional(),
});

export const S3BucketFactsSchema = z.strictObject({
  name: z.string(),
  /** From the bucket listing, or s3:GetBucketLocation when the listing has none. */
  region: z.string().optional(),
  createdAt: isoTime.optional(),
  /**
   * Default encryption of new objects as GetBucketEncryption returned it. Since January 2023 every bucket has one
   * (SSE-S3 unless configured), so `algorithm` is `none` only for S3-compatible endpoints that still answer "not
   * configured".
   */
  encryption: z
    .strictObject({
      /**
       * `AES256` (SSE-S3), `aws:kms`, `aws:kms:dsse`, or `none` (S3 answered that no configuration exists);
       * absent when a reply named no algorithm.
       */
      algorithm: z.string().optional(),
      kmsKeyId: z.string().optional(),
      /** BucketKeyEnabled as returned. */
      bucketKeyEnabled: z.boolean().optional(),
      /**
       * Encryption types S3 refuses for new objects (`SSE-C`, or `NONE`), as GetBucketEncryption returned
       * them; absent when the reply did not include BlockedEncryptionTypes.
       */
      blockedEncryptionTypes: z.array(z.string()).optional(),
    })
    .optional(),
  /** The bucket's own Block Public Access configuration (s3:GetPublicAccessBlock). */
  publicAccessBlock: PublicAccessBlockSchema.optional(),
  /**
   * The account's Block Public Access configuration (s3control:GetPublicAccessBlock, read once per scan), carried
   * on each bucket because S3 applies both levels to it and a rule sees one resource at a time.
   */
  accountPublicAccessBlock: PublicAccessBlockSchema.optional(),
  /**
   * The bucket policy as GetBucketPolicy returned it (parsed JSON) when there is one. Whether it makes the bucket
   * public or refuses plain HTTP is judged in the rules' CEL (AWS-S3-008, AWS-S3-003).
   */
  policy: z
    .strictObject({
      exists: z.boolean(),
      document: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  /** The bucket ACL's grants as GetBucketAcl returned them (grantee type, group URI or canonical id, permission). */
  aclGrants: z
    .array(
      z.strictObject({
        type: z.string().optional(),
        uri: z.string().optional(),
        id: z.string().optional(),
        permission: z.string().optional(),
      }),
    )
    .optional(),
  /**
   * GetBucketVersioning as returned: `status` absent when versioning was never enabled, `mfaDelete` absent when
   * MFA delete was never configured (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html).
   */
  versioning: z
    .strictObject({
      status: z.enum(["Enabled", "Suspended"]).optional(),
      mfaDelete: z.boolean().optional(),
    })
    .optional(),
  /**
   * GetBucketReplication's rules as returned (`rules` empty when S3 answered
   * ReplicationConfigurationNotFoundError); whether the bucket is replicated is judged in AWS-S3-006.
   */
  replication: z
    .strictObject({
      rules: z.array(
        z.strictObject({
          id: z.string().optional(),
          /** `Enabled` or `Disabled`, as returned. */
          status: z.string().optional(),
          destinationBucket: z.string().optional(),
          destinationAccount: z.string().optional(),
        }),
      ),
    })
    .optional(),
  /** GetBucketLifecycleConfiguration's rules as returned (src/collectors/aws/resources/s3-bucket.ts). */
  lifecycleRules: z
    .array(
      z.strictObject({
        id: z.string().optional(),
        /** `Enabled` or `Disabled`. */
        status: z.string(),
        /** The rule's key prefix; absent or "" for the whole bucket. */
        prefix: z.string().optional(),
        /** Tag conditions of the filter (a rule with any applies only to tagged objects). */
        tagConditions: z.number().int().nonnegative(),
        objectSizeGreaterThan: z.number().int().nonnegative().optional(),
        objectSizeLessThan: z.number().int().nonnegative().optional(),
        expirationDays: days.optional(),
        expirationDate: isoTime.optional(),
        noncurrentExpirationDays: days.optional(),
      }),
    )
    .optional(),
  /**
   * GetObjectLockConfiguration as returned: `configured` false for ObjectLockConfigurationNotFoundError;
   * ObjectLockEnabled (`Enabled`), the default retention's Mode and its Days or Years.
   */
  objectLock: z
    .strictObject({
      configured: z.boolean(),
      objectLockEnabled: z.string().optional(),
      mode: z.string().optional(),
      retentionDays: days.optional(),
      retentionYears: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /**
   * GetBucketLogging as returned: the LoggingEnabled element's target, absent when the reply has no
   * LoggingEnabled (AWS-S3-011 states what that absence means).
   */
  logging: z
    .strictObject({ targetBucket: z.string().optional(), targetPrefix: z.string().optional() })
    .optional(),
});

/**
 * `keyId` and `arn` come from kms:ListKeys; the rest from kms:DescribeKey, which a key policy may deny for one
 * key, so those facts are optional and named in `unreadable` when missing.
 */
export const KmsKeyFactsSchema = z.strictObject({
  keyId: z.string(),
  arn: z.string(),
  description: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  /** `AWS` (AWS managed) or `CUSTOMER`. */
  keyManager: z.string().optional(),
  keySpec: z.string().optional(),
  keyUsage: z.string().optional(),
  /** `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, … */
  keyState: z.string().optional(),
  enabled: z.boolean().optional(),
  /** `AWS_KMS`, `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`. */
  origin: z.string().optional(),
  multiRegion: z.boolean().optional(),
  createdAt: isoTime.optional(),
  deletionDate: isoTime.optional(),
  /** Read only for keys that support automatic rotation (customer symmetric keys with AWS_KMS origin). */
  rotation: z
    .strictObject({
      enabled: z.boolean(),
      periodDays: days.optional(),
    })
    .optional(),
});

/** One access key as the credential report states it; a date the report gives as N/A is absent. */
const AccessKeyFactsSchema = z.strictObject({
  /** 1 or 2, the slot in the credential report. */
  slot: z.number().int().min(1).max(2),
  active: z.boolean(),
  /** access_key_N_last_rotated: when the key was created or last rotated. */
  lastRotatedAt: isoTime.optional(),
  /** access_key_N_last_used_date; absent when the key was never used (N/A). */
  lastUsedAt: isoTime.optional(),
});

export const IamUserFactsSchema = z.strictObject({
  userName: z.string(),
  arn: z.string(),
  userId: z.string().optional(),
  createdAt: isoTime.optional(),
  /** From the credential report. */
  credentials: z
    .strictObject({
      passwordEnabled: z.boolean(),
      /** password_last_used; absent when never used or not reported (no_information, N/A). */
      passwordLastUsedAt: isoTime.optional(),
      /** password_last_changed. */
      passwordLastChangedAt: isoTime.optional(),
      mfaActive: z.boolean(),
      accessKeys: z.array(AccessKeyFactsSchema),
    })
    .optional(),
  /** From the authorization details: policies attached to the user itself and through its groups. */
  policies: z
    .strictObject({
      attachedManaged: z.array(z.string()),
      inlineNames: z.array(z.string()),
      groups: z.array(z.string()),
      /**
       * Policies attached to the user itself, with their documents as the API returned them: inline policies
       * (name + document) and managed policies (arn + the default version's document when the authorization
       * details carried it: customer managed ones; AWS managed ones are named by ARN only). Whether a policy
       * makes the user an administrator is the rules' judgement (iamStatementAllowsAll in CEL).
       */
      directPolicies: z.array(
        z.strictObject({
          name: z.string().optional(),
          arn: z.string().optional(),
          document: z.record(z.string(), z.unknown()).optional(),
        }),
      ),
    })
    .optional(),
});

export const AwsAccountFactsSchema = z.strictObject({
  accountId: z.string(),
  root: z
    .strictObject({
      mfaActive: z.boolean(),
      accessKeysPresent: z.boolean(),
      passwordLastUsedAt: isoTime.optional(),
    })
    .optional(),
  passwordPolicy: z
    .strictObject({
      exists: z.boolean(),
      minimumLength: z.number().int().nonnegative().optional(),
      /** The four Require… flags as returned; absent when the reply leaves them out (AWS-IAM-008). */
      requireSymbols: z.boolean().optional(),
      requireNumbers: z.boolean().optional(),
      requireUppercase: z.boolean().optional(),
      requireLowercase: z.boolean().optional(),
      /** ExpirePasswords as returned. */
      expirePasswords: z.boolean().optional(),
      /** MaxPasswordAge as returned (absent when passwords do not expire). */
      maxAgeDays: days.optional(),
      /** PasswordReusePrevention as returned (absent when reuse is not prevented). */
      reusePrevention: z.number().int().nonnegative().optional(),
      /** HardExpiry as returned. */
      hardExpiry: z.boolean().optional(),
    })
    .optional(),
  /** The account's Block Public Access configuration as s3control:GetPublicAccessBlock returned it. */
  s3PublicAccessBlock: PublicAccessBlockSchema.optional(),
  /**
   * Every trail DescribeTrails listed in the scanned regions, with GetTrailStatus's IsLogging, as returned.
   * Unreadable (never partial) when a region's listing or a trail's status could not be read.
   */
  cloudtrail: z
    .strictObject({
      trails: z.array(
        z.strictObject({
          arn: z.string(),
          homeRegion: z.string(),
          multiRegion: z.boolean().optional(),
          logging: z.boolean().optional(),
          logFileValidation: z.boolean().optional(),
          kmsKeyId: z.string().optional(),
        }),
      ),
    })
    .optional(),
  /**
   * Every AWS Backup plan in the scanned regions with the number of resource selections ListBackupSelections
   * returned for it. Unreadable (never partial) when a region's plans or a plan's selections could not be read.
   */
  backup: z
    .strictObject({
      plans: z.array(
        z.strictObject({
          planId: z.string(),
          region: z.string(),
          selections: z.number().int().nonnegative(),
        }),
      ),
    })
    .optional(),
});

export const CloudTrailTrailFactsSchema = z.strictObject({
  name: z.string(),
  arn: z.string(),
  homeRegion: z.string(),
  /** DescribeTrails fields as returned; absent when the reply lacks them. */
  multiRegion: z.boolean().optional(),
  organizationTrail: z.boolean().optional(),
  logging: z.boolean().optional(),
  latestDeliveryAt: isoTime.optional(),
  logFileValidation: z.boolean().optional(),
  /** KmsKeyId as DescribeTrails returned it; AWS-CT-003 states what its absence means. */
  kmsKeyId: z.string().optional(),
  s3BucketName: z.string().optional(),
  includeGlobalServiceEvents: z.boolean().optional(),
});

export const BackupPlanFactsSchema = z.strictObject({
  planId: z.string(),
  name: z.string(),
  rules: z
    .array(
      z.strictObject({
        name: z.string(),
        schedule: z.string().optional(),
        targetVault: z.string(),
        /** Lifecycle.DeleteAfterDays as returned (-1: kept indefinitely); AWS-BAK-002 states what absence means. */
        deleteAfterDays: z.number().int().min(-1).optional(),
        moveToColdStorageAfterDays: days.optional(),
        copiesToOtherVaults: z.number().int().nonnegative(),
      }),
    )
    .optional(),
  selections: z.number().int().nonnegative().optional(),
});

/** One route of a route table as DescribeRouteTables returned it (API_Route.html). */
const RouteSchema = z.strictObject({
  destinationCidr: z.string().optional(),
  destinationIpv6Cidr: z.string().optional(),
  destinationPrefixListId: z.string().optional(),
  /** `igw-…` (internet gateway), `vgw-…`, or `local`; NAT, peering, egress-only IGW and others in their own fields. */
  gatewayId: z.string().optional(),
  natGatewayId: z.string().optional(),
  egressOnlyInternetGatewayId: z.string().optional(),
  transitGatewayId: z.string().optional(),
  vpcPeeringConnectionId: z.string().optional(),
  networkInterfaceId: z.string().optional(),
  /** `active` or `blackhole`. */
  state: z.string().optional(),
});

/** A route table: its routes and its associations (explicit subnet ids, and whether it is the VPC's main table). */
const RouteTableSchema = z.strictObject({
  routeTableId: z.string(),
  main: z.boolean(),
  subnetIds: z.array(z.string()),
  routes: z.array(RouteSchema),
});

/**
 * DescribeDBInstances fields as returned; only the identifier is certain. A field the reply lacks is absent, so
 * the rule reading it gives `error` instead of a default deciding the verdict.
 */
export const RdsInstanceFactsSchema = z.strictObject({
  identifier: z.string(),
  engine: z.string().optional(),
  engineVersion: z.string().optional(),
  instanceClass: z.string().optional(),
  status: z.string().optional(),
  storageEncrypted: z.boolean().optional(),
  kmsKeyId: z.string().optional(),
  backupRetentionDays: days.optional(),
  deletionProtection: z.boolean().optional(),
  publiclyAccessible: z.boolean().optional(),
  multiAz: z.boolean().optional(),
  autoMinorVersionUpgrade: z.boolean().optional(),
  iamAuthentication: z.boolean().optional(),
  /** DBSubnetGroup.VpcId and its subnets, as DescribeDBInstances returned them. */
  vpcId: z.string().optional(),
  subnetIds: z.array(z.string()).optional(),
  /** IsDefault of that VPC (ec2:DescribeVpcs). */
  vpcIsDefault: z.boolean().optional(),
  /** The route tables of the VPC that can apply to its subnets: the main table and those associated with them. */
  routeTables: z.array(RouteTableSchema).optional(),
  /** DBParameterGroups[].DBParameterGroupName. */
  parameterGroups: z.array(z.string()).optional(),
  /**
   * The transport-security parameters (`rds.force_ssl`, `require_secure_transport`) of its parameter group, as
   * DescribeDBParameters listed them: `value` absent when the parameter is listed without a value (the engine
   * default applies, which the rule states per engine). A parameter the group does not list is not in the list.
   */
  tlsParameters: z
    .array(z.strictObject({ name: z.string(), value: z.string().optional(), source: z.string().optional() }))
    .optional(),
});

/** DescribeVolumes fields as returned; absent when the reply lacks them. */
export const Ec2VolumeFactsSchema = z.strictObject({
  volumeId: z.string(),
  encrypted: z.boolean().optional(),
  kmsKeyId: z.string().optional(),
  state: z.string().optional(),
  sizeGiB: z.number().int().nonnegative().optional(),
  volumeType: z.string().optional(),
  attachedTo: z.array(z.string()).optional(),
});

export const Ec2EbsDefaultsFactsSchema = z.strictObject({
  region: z.string(),
  encryptionByDefault: z.boolean().optional(),
  defaultKmsKeyId: z.string().optional(),
});

/** One ingress permission per source, as DescribeSecurityGroups returned it (aws/ec2.ts). */
const IngressRuleSchema = z.strictObject({
  /** `tcp`, `udp`, `icmp`, a protocol number, or `-1` for every protocol. */
  protocol: z.string().optional(),
  /** Absent for `-1`; `-1` for every ICMP type. */
  fromPort: z.number().int().optional(),
  toPort: z.number().int().optional(),
  /** Exactly one source: an IPv4 or IPv6 CIDR, a security group id, or a prefix list id. */
  cidr: z.string().optional(),
  sourceGroup: z.string().optional(),
  prefixList: z.string().optional(),
  description: z.string().optional(),
});

export const Ec2SecurityGroupFactsSchema = z.strictObject({
  groupId: z.string(),
  groupName: z.string().optional(),
  vpcId: z.string().optional(),
  description: z.string().optional(),
  /** Every ingress permission, one entry per source; the rules decide what "open to the world" means. */
  ingress: z.array(IngressRuleSchema).optional(),
  /** IpPermissions entries in the reply (one entry may carry several sources). */
  ingressRules: z.number().int().nonnegative().optional(),
});

/**
 * Amazon Inspector v2 in one account and region, from BatchGetAccountStatus
 * (https://docs.aws.amazon.com/inspector/v2/APIReference/API_BatchGetAccountStatus.html): each status as
 * returned (`ENABLING`, `ENABLED`, `DISABLING`, `DISABLED`, `SUSPENDING`, `SUSPENDED`), absent when not reported.
 */
export const Inspector2AccountFactsSchema = z.strictObject({
  region: z.string(),
  status: z.string().optional(),
  ec2Status: z.string().optional(),
  ecrStatus: z.string().optional(),
  lambdaStatus: z.string().optional(),
  lambdaCodeStatus: z.string().optional(),
  /** errorCode of the account's state when Inspector reported one (e.g. ACCESS_DENIED). */
  errorCode: z.string().optional(),
});

/**
 * An ECR repository: DescribeRepositories, the effective scanning configuration AWS reports for it
 * (BatchGetRepositoryScanningConfiguration: registry rules applied, or the repository's own scanOnPush) and the
 * registry's scan type (GetRegistryScanningConfiguration: `BASIC` or `ENHANCED`, the latter by Inspector).
 */
export const EcrRepositoryFactsSchema = z.strictObject({
  repositoryName: z.string(),
  arn: z.string(),
  /** imageScanningConfiguration.scanOnPush of DescribeRepositories (the repository-level setting). */
  scanOnPush: z.boolean().optional(),
  /** `SCAN_ON_PUSH`, `CONTINUOUS_SCAN` or `MANUAL`: what AWS applies to this repository. */
  scanFrequency: z.string().optional(),
  /** The registry rule filters AWS reports as applied to the repository. */
  appliedScanFilters: z.array(z.string()).optional(),
  registryScanType: z.string().optional(),
});

/** An EC2 instance from DescribeInstances, with IsDefault of its VPC (DescribeVpcs). */
export const Ec2InstanceFactsSchema = z.strictObject({
  instanceId: z.string(),
  /** `pending`, `running`, `stopping`, `stopped`, `shutting-down`, `terminated`. */
  state: z.string().optional(),
  instanceType: z.string().optional(),
  vpcId: z.string().optional(),
  subnetId: z.string().optional(),
  vpcIsDefault: z.boolean().optional(),
  publicIpAddress: z.string().optional(),
});

/**
 * An Elastic Load Balancing v2 listener (DescribeListeners), with its load balancer's type and scheme
 * (DescribeLoadBalancers) and the protocols its security policy allows (DescribeSSLPolicies).
 */
export const ElbListenerFactsSchema = z.strictObject({
  listenerArn: z.string(),
  loadBalancerArn: z.string(),
  loadBalancerName: z.string().optional(),
  /** `application`, `network`, `gateway`. */
  loadBalancerType: z.string().optional(),
  /** `internet-facing` or `internal`. */
  scheme: z.string().optional(),
  /** `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`, `GENEVE`. */
  protocol: z.string().optional(),
  port: z.number().int().optional(),
  sslPolicy: z.string().optional(),
  /** SslProtocols of the policy, as DescribeSSLPolicies listed them (`TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`). */
  sslProtocols: z.array(z.string()).optional(),
  /** The default actions: type, and for a redirect the protocol it redirects to as written (`HTTPS`, `#{protocol}`). */
  defaultActions: z
    .array(z.strictObject({ type: z.string(), redirectProtocol: z.string().optional() }))
    .optional(),
  /** HTTP listeners only: the actions of their other rules (DescribeRules, the default rule left out). */
  ruleActions: z
    .array(z.strictObject({ type: z.string(), redirectProtocol: z.string().optional() }))
    .optional(),
});

/**
 * A CloudWatch Logs log group (DescribeLogGroups): `retentionInDays` absent means the events never expire
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogGroup.html); `cloudTrailTrails`
 * are the trails whose CloudWatchLogsLogGroupArn names this group (cloudtrail:DescribeTrails).
 */
export const LogGroupFactsSchema = z.strictObject({
  logGroupName: z.string(),
  arn: z.string(),
  retentionInDays: days.optional(),
  createdAt: isoTime.optional(),
  storedBytes: z.number().int().nonnegative().optional(),
  kmsKeyId: z.string().optional(),
  cloudTrailTrails: z.array(z.string()).optional(),
});

/** A CloudTrail Lake event data store: GetEventDataStore's fields as returned. */
export const CloudTrailEventDataStoreFactsSchema = z.strictObject({
  arn: z.string(),
  name: z.string().optional(),
  /** `CREATED`, `ENABLED`, `PENDING_DELETION`, `STARTING_INGESTION`, `STOPPING_INGESTION`, `STOPPED_INGESTION`. */
  status: z.string().optional(),
  /** RetentionPeriod: days CloudTrail keeps the events, after which it deletes them. */
  retentionPeriodDays: days.optional(),
  multiRegion: z.boolean().optional(),
  organizationEnabled: z.boolean().optional(),
  terminationProtection: z.boolean().optional(),
  billingMode: z.string().optional(),
});

export const awsFactsSchemas: Record<string, z.ZodType> = {
  "aws.s3.bucket": S3BucketFactsSchema,
  "aws.kms.key": KmsKeyFactsSchema,
  "aws.iam.user": IamUserFactsSchema,
  "aws.account": AwsAccountFactsSchema,
  "aws.cloudtrail.trail": CloudTrailTrailFactsSchema,
  "aws.backup.plan": BackupPlanFactsSchema,
  "aws.rds.instance": RdsInstanceFactsSchema,
  "aws.ec2.volume": Ec2VolumeFactsSchema,
  "aws.ec2.ebsDefaults": Ec2EbsDefaultsFactsSchema,
  "aws.ec2.securityGroup": Ec2SecurityGroupFactsSchema,
  "aws.inspector2.account": Inspector2AccountFactsSchema,
  "aws.ecr.repository": EcrRepositoryFactsSchema,
  "aws.ec2.instance": Ec2InstanceFactsSchema,
  "aws.elbv2.listener": ElbListenerFactsSchema,
  "aws.logs.logGroup": LogGroupFactsSchema,
  "aws.cloudtrail.eventDataStore": CloudTrailEventDataStoreFactsSchema,
};

export type S3BucketFacts = z.infer<typeof S3BucketFactsSchema>;
export type KmsKeyFacts = z.infer<typeof KmsKeyFactsSchema>;
export type IamUserFacts = z.infer<typeof IamUserFactsSchema>;
export type AwsAccountFacts = z.infer<typeof AwsAccountFactsSchema>;
export type CloudTrailTrailFacts = z.infer<typeof CloudTrailTrailFactsSchema>;
export type BackupPlanFacts = z.infer<typeof BackupPlanFactsSchema>;
export type RdsInstanceFacts = z.infer<typeof RdsInstanceFactsSchema>;
export type Ec2VolumeFacts = z.infer<typeof Ec2VolumeFactsSchema>;
export type Ec2EbsDefaultsFacts = z.infer<typeof Ec2EbsDefaultsFactsSchema>;
export type Ec2SecurityGroupFacts = z.infer<typeof Ec2SecurityGroupFactsSchema>;
