import { z } from "zod";

/**
 * Facts about Google Cloud and Google Workspace resources, normalised from the JSON APIs. Every fact is
 * optional: one the collector could not read (a denied call) is absent and named in `unreadable`.
 */
export const GcpBucketFactsSchema = z.strictObject({
  uniformBucketLevelAccess: z.boolean().optional(),
  /** `enforced` or `inherited`. */
  publicAccessPrevention: z.string().optional(),
  /** `allUsers` / `allAuthenticatedUsers` found in any binding of the bucket's IAM policy. */
  publicMembers: z.array(z.string()).optional(),
  /** Roles granted to those public members. */
  publicRoles: z.array(z.string()).optional(),
  versioningEnabled: z.boolean().optional(),
  retention: z
    .strictObject({
      /** A retention policy is set. */
      enabled: z.boolean(),
      periodDays: z.number().nonnegative().optional(),
      locked: z.boolean(),
    })
    .optional(),
  encryption: z
    .strictObject({
      /** A default Cloud KMS key is set (customer-managed encryption keys). */
      cmek: z.boolean(),
      defaultKmsKeyName: z.string().optional(),
    })
    .optional(),
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
  databaseVersion: z.string().optional(),
  backupEnabled: z.boolean().optional(),
  /** Point-in-time recovery (MySQL binary logs or PostgreSQL/SQL Server PITR). */
  pointInTimeRecoveryEnabled: z.boolean().optional(),
  /** Connections without TLS are refused (`requireSsl` or an sslMode that requires it). */
  sslRequired: z.boolean().optional(),
  sslMode: z.string().optional(),
  publicIp: z.boolean().optional(),
  /** An authorized network is 0.0.0.0/0. */
  openToInternet: z.boolean().optional(),
});

export const GcpFirewallFactsSchema = z.strictObject({
  network: z.string().optional(),
  /** INGRESS | EGRESS. */
  direction: z.string().optional(),
  /** allow | deny. */
  action: z.string().optional(),
  disabled: z.boolean().optional(),
  priority: z.number().int().optional(),
  sourceRanges: z.array(z.string()).optional(),
  /** Protocols and ports as `tcp:22`, `tcp:1000-2000`, `udp`, `all`. */
  ports: z.array(z.string()).optional(),
  /** An enabled ingress allow rule from 0.0.0.0/0 (or ::/0) covers TCP 22. */
  sshOpenToInternet: z.boolean().optional(),
  /** The same for TCP 3389. */
  rdpOpenToInternet: z.boolean().optional(),
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

export const gcpFactsSchemas: Record<string, z.ZodType> = {
  "gcp.storage.bucket": GcpBucketFactsSchema,
  "gcp.kms.cryptoKey": GcpCryptoKeyFactsSchema,
  "gcp.sql.instance": GcpSqlInstanceFactsSchema,
  "gcp.compute.firewall": GcpFirewallFactsSchema,
  "gcp.workspace.user": GcpWorkspaceUserFactsSchema,
};
