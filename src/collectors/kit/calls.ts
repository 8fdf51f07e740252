/**
 * One API operation a collector may call, with the read-only permission that authorises it. Every call goes
 * through one of these (the kit refuses a call a resource type did not declare), so the permissions a
 * provider declares, and `assay permissions` prints, are exactly the ones its calls need.
 */
export interface ApiCall {
  /** The operation as written in `sources` (`kms:GetKeyRotationStatus`, `Microsoft.KeyVault/vaults/read`). */
  readonly api: string;
  /** The permission that allows it (`s3:GetEncryptionConfiguration` for `s3:GetBucketEncryption`). */
  readonly permission: string;
  /** `api: <api>`, built once and shared by every resource's `sources` (10,000 buckets, one string). */
  readonly source: string;
}

/** Declare a call; the permission defaults to the operation's own name (true for most AWS actions). */
export function apiCall(api: string, permission = api): ApiCall {
  return { api, permission, source: `api: ${api}` };
}

/** The sorted, distinct permissions of some calls, minus those no grant can give or take away. */
export function permissionsOf(calls: Iterable<ApiCall>, exclude: readonly string[] = []): string[] {
  const skip = new Set(exclude);
  return [...new Set([...calls].map((c) => c.permission).filter((p) => !skip.has(p)))].sort();
}
