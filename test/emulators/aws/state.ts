import type { EmuIssue12Services } from "./vuln-network-logs.js";

/**
 * The emulated AWS world: accounts with their resources in known states, which IAM actions each account's
 * caller is denied, and which actions reply "throttled" a number of times before succeeding.
 */
export interface PabFlags {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export interface EmuBucket {
  name: string;
  region: string;
  createdAt: string;
  /**
   * null = nothing configured by the owner. Since January 2023 S3 then answers GetBucketEncryption with its
   * SSE-S3 default (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html: "By default,
   * all buckets have a default encryption configuration that uses server-side encryption with Amazon S3
   * managed keys (SSE-S3)"), not ServerSideEncryptionConfigurationNotFoundError.
   */
  encryption: {
    algorithm: "AES256" | "aws:kms" | "aws:kms:dsse";
    kmsKeyId?: string;
    bucketKey?: boolean;
  } | null;
  /**
   * `BlockedEncryptionTypes` of the encryption rule (API_BlockedEncryptionTypes.html: valid values NONE |
   * SSE-C, Required: No); undefined = the element is omitted from the reply.
   */
  blockedEncryptionTypes?: ("NONE" | "SSE-C")[];
  publicAccessBlock: PabFlags | null;
  /** Bucket policy document, or null when there is none. */
  policy: unknown | null;
  aclGrants: ("AllUsers" | "AuthenticatedUsers")[];
  versioning: { status: "Enabled" | "Suspended" | null; mfaDelete: boolean };
  replication: boolean;
  lifecycleRules: number;
  objectLock: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number } | null;
  loggingTarget: string | null;
  tags: Record<string, string>;
  /** Lifecycle rules written out (GetBucketLifecycleConfiguration); when set, replaces `lifecycleRules`' generated ones. */
  lifecycle?: EmuLifecycleRule[];
}

export interface EmuLifecycleRule {
  id: string;
  enabled: boolean;
  prefix?: string;
  expirationDays?: number;
}

export interface EmuKey {
  keyId: string;
  region: string;
  manager: "AWS" | "CUSTOMER";
  spec: string;
  usage: string;
  state: string;
  origin: string;
  createdAt: string;
  description?: string;
  aliases: string[];
  /** `periodDays` undefined: GetKeyRotationStatus omits RotationPeriodInDays, as AWS may. */
  rotation: { enabled: boolean; periodDays?: number };
}

export interface EmuAccessKey {
  active: boolean;
  lastRotated: string;
  lastUsed: string | null;
}

export interface EmuPolicyRef {
  name: string;
  arn: string;
}

export interface EmuUser {
  name: string;
  createdAt: string;
  /** Console password, or null for programmatic-only users. */
  password: { lastChanged: string; lastUsed: string | null } | null;
  mfa: boolean;
  accessKeys: EmuAccessKey[];
  groups: string[];
  managedPolicies: EmuPolicyRef[];
  inlinePolicies: { name: string; document: unknown }[];
}

export interface EmuGroup {
  name: string;
  managedPolicies: EmuPolicyRef[];
  inlinePolicies: { name: string; document: unknown }[];
}

export interface EmuManagedPolicy {
  name: string;
  arn: string;
  document: unknown;
}

export interface EmuPasswordPolicy {
  minimumLength: number;
  requireSymbols: boolean;
  requireNumbers: boolean;
  requireUppercase: boolean;
  requireLowercase: boolean;
  maxAgeDays?: number;
  reusePrevention?: number;
  hardExpiry?: boolean;
}

export interface EmuTrail {
  name: string;
  homeRegion: string;
  multiRegion: boolean;
  logging: boolean;
  logFileValidation: boolean;
  kmsKeyId?: string;
  s3BucketName: string;
  cloudWatchLogsLogGroupArn?: string;
}

export interface EmuBackupPlan {
  id: string;
  name: string;
  region: string;
  rules: {
    name: string;
    schedule?: string;
    vault: string;
    deleteAfterDays?: number;
    coldAfterDays?: number;
    copies?: number;
  }[];
  selections: string[];
}

export interface EmuDbInstance {
  id: string;
  region: string;
  engine: string;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  backupRetention: number;
  deletionProtection: boolean;
  publiclyAccessible: boolean;
  multiAz: boolean;
  engineVersion?: string;
  /** DBSubnetGroup of the reply; omitted when undefined. */
  subnetGroup?: { vpcId: string; subnetIds: string[] };
  /** DBParameterGroups[0]; its parameters are in the account's `dbParameterGroups`. */
  parameterGroup?: string;
}

export interface EmuVolume {
  id: string;
  region: string;
  encrypted: boolean;
  kmsKeyId?: string;
  sizeGiB: number;
  attachedTo: string[];
}

export interface EmuPermission {
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidrs: string[];
  ipv6Cidrs: string[];
}

export interface EmuSecurityGroup {
  id: string;
  name: string;
  region: string;
  vpcId: string;
  ingress: EmuPermission[];
}

export interface EmuAccount extends EmuIssue12Services {
  id: string;
  enabledRegions: string[];
  accountPublicAccessBlock: PabFlags | null;
  buckets: EmuBucket[];
  keys: EmuKey[];
  users: EmuUser[];
  groups: EmuGroup[];
  managedPolicies: EmuManagedPolicy[];
  passwordPolicy: EmuPasswordPolicy | null;
  root: { mfa: boolean; accessKeys: boolean; passwordLastUsed: string | null };
  trails: EmuTrail[];
  backupPlans: EmuBackupPlan[];
  dbInstances: EmuDbInstance[];
  volumes: EmuVolume[];
  securityGroups: EmuSecurityGroup[];
  ebsDefaults: Record<string, { enabled: boolean; kmsKeyId: string }>;
  /** Role names in this account that the emulator lets anyone assume. */
  roles: string[];
  /** When set, this account is an Organization's management account and lists these members. */
  organizationMembers?: { id: string; name: string; status: "ACTIVE" | "SUSPENDED" }[];
  /** IAM actions (`s3:GetBucketPolicy`) the scanning principal of this account is denied. */
  denied: Set<string>;
  /** IAM action → how many more calls reply with a throttling error before succeeding. */
  throttle: Map<string, number>;
}

export interface EmuWorld {
  accounts: Map<string, EmuAccount>;
  /** Access key id → account and principal. STS AssumeRole adds entries. */
  credentials: Map<string, { accountId: string; arn: string }>;
  /** Largest page any list call returns, so small seeds still exercise pagination. */
  pageSize: number;
  /** Delay added to every reply (benchmarks model network latency with it). */
  latencyMs: number;
  /** Count of calls per `service:Operation` and in total, for tests and the benchmark. */
  calls: Map<string, number>;
}

export function emptyAccount(id: string, regions: string[] = ["us-east-1", "eu-west-1"]): EmuAccount {
  return {
    id,
    enabledRegions: regions,
    accountPublicAccessBlock: null,
    buckets: [],
    keys: [],
    users: [],
    groups: [],
    managedPolicies: [],
    passwordPolicy: null,
    root: { mfa: true, accessKeys: false, passwordLastUsed: null },
    trails: [],
    backupPlans: [],
    dbInstances: [],
    volumes: [],
    securityGroups: [],
    ebsDefaults: {},
    roles: [],
    denied: new Set(),
    throttle: new Map(),
  };
}

export function bucket(name: string, overrides: Partial<EmuBucket> = {}): EmuBucket {
  return {
    name,
    region: "us-east-1",
    createdAt: "2025-01-01T00:00:00.000Z",
    encryption: { algorithm: "AES256" },
    blockedEncryptionTypes: ["NONE"],
    publicAccessBlock: null,
    policy: null,
    aclGrants: [],
    versioning: { status: null, mfaDelete: false },
    replication: false,
    lifecycleRules: 0,
    objectLock: null,
    loggingTarget: null,
    tags: {},
    ...overrides,
  };
}

export const ALL_BLOCKED: PabFlags = {
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
};
