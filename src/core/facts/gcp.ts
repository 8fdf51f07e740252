import { z } from "zod";

/**
 * Facts about Google Cloud and Google Workspace resources: what the JSON APIs returned, under one name per
 * fact. A field the API did not return is absent, never a default (a documented default is stated in the rule
 * that relies on it); one the collector could not read (a denied call) is absent and named in `unreadable`.
 * Judgements ("public", "open to the world", "TLS required") are made by the rules, over these facts.
 */
export const GcpBucketFactsSchema = z.strictObject({
  /** `iamConfiguration.uniformBucketLevelAccess.enabled`. */
  uniformBucketLevelAccess: z.boolean().optional(),
  /** `iamConfiguration.publicAccessPrevention` as returned: `enforced`, `inherited` (older replies: `unspecified`). */
  publicAccessPrevention: z.string().optional(),
  /**
   * The effective `constraints/storage.publicAccessPrevention` organization policy of the bucket's project
   * (Resource Manager v1 `projects.getEffectiveOrgPolicy`): `enforced` is `booleanPolicy.enforced` as returned.
   * Read only for a bucket whose own setting is not `enforced`, where the policy decides.
   */
  publicAccessPreventionOrgPolicy: z.strictObject({ enforced: z.boolean().optional() }).optional(),
  /** The bindings of the bucket's IAM policy, read at policy version 3 so conditional bindings are included. */
  iamBindings: z
    .array(
      z.strictObject({
        role: z.string(),
        members: z.array(z.string()).optional(),
        /** An IAM Condition: the binding applies only when its CEL expression holds. */
        condition: z.strictObject({ title: z.string().optional(), expression: z.string() }).optional(),
      }),
    )
    .optional(),
  /** `versioning.enabled`; Cloud Storage omits `versioning` on a bucket where it was never configured. */
  versioningEnabled: z.boolean().optional(),
  /** `retentionPolicy`; absent when the bucket has none. */
  retentionPolicy: z
    .strictObject({
      /** `retentionPeriod` (seconds in the API) in days. */
      periodDays: z.number().nonnegative().optional(),
      isLocked: z.boolean().optional(),
    })
    .optional(),
  /**
   * `lifecycle.rule[]`: each Object Lifecycle Management rule's action type (`Delete`, `SetStorageClass`,
   * `AbortIncompleteMultipartUpload`) and the conditions it holds, all of which must match. Absent when the
   * bucket has no lifecycle configuration.
   */
  lifecycleRules: z
    .array(
      z.strictObject({
        action: z.string(),
        /** Days since the object was created. */
        age: z.number().int().nonnegative().optional(),
        /** true: live objects only; false: noncurrent versions only. */
        isLive: z.boolean().optional(),
        daysSinceNoncurrentTime: z.number().int().nonnegative().optional(),
        numNewerVersions: z.number().int().nonnegative().optional(),
        createdBefore: z.string().optional(),
        matchesPrefix: z.array(z.string()).optional(),
        matchesSuffix: z.array(z.string()).optional(),
        matchesStorageClass: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  /** `encryption.defaultKmsKeyName`; absent when the bucket has no default Cloud KMS key. */
  defaultKmsKeyName: z.string().optional(),
  /** `billing.requesterPays`. */
  requesterPays: z.boolean().optional(),
  location: z.string().optional(),
});

export const GcpCryptoKeyFactsSchema = z.strictObject({
  /** ENCRYPT_DECRYPT, ASYMMETRIC_SIGN, ASYMMETRIC_DECRYPT, MAC, RAW_ENCRYPT_DECRYPT. */
  purpose: z.string().optional(),
  /** State of the primary version (ENABLED, DISABLED, DESTROYED, …); absent when there is no primary. */
  state: z.string().optional(),
  protectionLevel: z.string().optional(),
  algorithm: z.string().optional(),
  /** Automatic rotation period in days; absent when the key does not rotate automatically. */
  rotationPeriodDays: z.number().nonnegative().optional(),
  nextRotationTime: z.iso.datetime().optional(),
  keyRing: z.string().optional(),
});

export const GcpSqlInstanceFactsSchema = z.strictObject({
  /** `CLOUD_SQL_INSTANCE` (a primary), `READ_REPLICA_INSTANCE`, `ON_PREMISES_INSTANCE`, `READ_POOL_INSTANCE`. */
  instanceType: z.string().optional(),
  /** The primary a replica copies (`project:instance`). */
  masterInstanceName: z.string().optional(),
  databaseVersion: z.string().optional(),
  /** `settings.backupConfiguration.enabled`. */
  backupEnabled: z.boolean().optional(),
  /** `settings.backupConfiguration.binaryLogEnabled` (MySQL point-in-time recovery). */
  binaryLogEnabled: z.boolean().optional(),
  /** `settings.backupConfiguration.pointInTimeRecoveryEnabled` (PostgreSQL and SQL Server). */
  pointInTimeRecoveryEnabled: z.boolean().optional(),
  /** `settings.ipConfiguration.requireSsl` (the legacy flag). */
  requireSsl: z.boolean().optional(),
  /** `settings.ipConfiguration.sslMode`: ALLOW_UNENCRYPTED_AND_ENCRYPTED, ENCRYPTED_ONLY, TRUSTED_CLIENT_CERTIFICATE_REQUIRED, SSL_MODE_UNSPECIFIED. */
  sslMode: z.string().optional(),
  /** `settings.ipConfiguration.ipv4Enabled`: the instance has a public IPv4 address. */
  ipv4Enabled: z.boolean().optional(),
  /** The `value` (a CIDR range) of each `settings.ipConfiguration.authorizedNetworks` entry. */
  authorizedNetworks: z.array(z.string()).optional(),
});

const FirewallPortsSchema = z.strictObject({
  /** `tcp`, `udp`, `icmp`, `esp`, `ah`, `sctp`, `ipip`, `all`, or a protocol number. */
  IPProtocol: z.string(),
  /** `22`, `1000-2000`; absent: every port of the protocol. */
  ports: z.array(z.string()).optional(),
});

export const GcpFirewallFactsSchema = z.strictObject({
  /** The network's name (last segment of the network URL). */
  network: z.string().optional(),
  /** INGRESS | EGRESS. */
  direction: z.string().optional(),
  disabled: z.boolean().optional(),
  priority: z.number().int().optional(),
  sourceRanges: z.array(z.string()).optional(),
  sourceTags: z.array(z.string()).optional(),
  sourceServiceAccounts: z.array(z.string()).optional(),
  destinationRanges: z.array(z.string()).optional(),
  targetTags: z.array(z.string()).optional(),
  targetServiceAccounts: z.array(z.string()).optional(),
  /** ALLOW entries (protocol and ports). */
  allowed: z.array(FirewallPortsSchema).optional(),
  /** DENY entries. */
  denied: z.array(FirewallPortsSchema).optional(),
});

export const GcpWorkspaceUserFactsSchema = z.strictObject({
  primaryEmail: z.string().optional(),
  /** Super administrator. */
  isAdmin: z.boolean().optional(),
  isDelegatedAdmin: z.boolean().optional(),
  isEnrolledIn2Sv: z.boolean().optional(),
  isEnforcedIn2Sv: z.boolean().optional(),
  suspended: z.boolean().optional(),
  archived: z.boolean().optional(),
  lastLoginTime: z.iso.datetime().optional(),
});

const IamBindingSchema = z.strictObject({
  role: z.string(),
  members: z.array(z.string()).optional(),
  /** An IAM Condition: the binding applies only when its CEL expression holds. */
  condition: z.strictObject({ title: z.string().optional(), expression: z.string() }).optional(),
});

export const GcpNetworkFactsSchema = z.strictObject({
  /** `autoCreateSubnetworks`: an auto mode VPC network (one subnet per region, created for you). Absent on a legacy network. */
  autoCreateSubnetworks: z.boolean().optional(),
  /** How many subnetworks the network has (`subnetworks` URLs). */
  subnetworkCount: z.number().int().nonnegative().optional(),
  /** `routingConfig.routingMode`: REGIONAL or GLOBAL. */
  routingMode: z.string().optional(),
  /** `IPv4Range`: set only on a legacy (non-VPC) network. */
  IPv4Range: z.string().optional(),
});

export const GcpProjectFactsSchema = z.strictObject({
  /** The bindings of the project's IAM policy, read at policy version 3 so conditional bindings are included. */
  iamBindings: z.array(IamBindingSchema).optional(),
  /**
   * Service Usage `state` (ENABLED, DISABLED) of the vulnerability-scanning services, by service name:
   * `containerscanning.googleapis.com` (Artifact Analysis scanning) and `securitycenter.googleapis.com`.
   */
  services: z.record(z.string(), z.string()).optional(),
});

export const GcpServiceAccountKeyFactsSchema = z.strictObject({
  /** The service account's email. */
  serviceAccount: z.string().optional(),
  /** USER_MANAGED or SYSTEM_MANAGED. */
  keyType: z.string().optional(),
  /** GOOGLE_PROVIDED or USER_PROVIDED (an uploaded public key). */
  keyOrigin: z.string().optional(),
  keyAlgorithm: z.string().optional(),
  /** When the key became valid (created). */
  validAfterTime: z.iso.datetime().optional(),
  validBeforeTime: z.iso.datetime().optional(),
  /** `disabled`; the API leaves it out for an enabled key (proto3 JSON omits false). */
  disabled: z.boolean().optional(),
});

export const gcpFactsSchemas: Record<string, z.ZodType> = {
  "gcp.storage.bucket": GcpBucketFactsSchema,
  "gcp.kms.cryptoKey": GcpCryptoKeyFactsSchema,
  "gcp.sql.instance": GcpSqlInstanceFactsSchema,
  "gcp.compute.firewall": GcpFirewallFactsSchema,
  "gcp.workspace.user": GcpWorkspaceUserFactsSchema,
  "gcp.compute.network": GcpNetworkFactsSchema,
  "gcp.project": GcpProjectFactsSchema,
  "gcp.iam.serviceAccountKey": GcpServiceAccountKeyFactsSchema,
};
