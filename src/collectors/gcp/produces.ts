/** Resource types the GCP collector emits; imported by the registry without loading any Google SDK. */
export const GCP_RESOURCE_TYPES = [
  "gcp.storage.bucket",
  "gcp.kms.cryptoKey",
  "gcp.sql.instance",
  "gcp.compute.firewall",
  "gcp.workspace.user",
  "gcp.compute.network",
  "gcp.project",
  "gcp.iam.serviceAccountKey",
] as const;
