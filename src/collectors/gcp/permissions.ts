/**
 * The read-only Google Cloud permissions the collector uses (`assay permissions gcp` prints them, and a
 * custom role YAML for `gcloud iam roles create --file`). Workspace users need the Admin SDK scope
 * `admin.directory.user.readonly` granted to the service account by domain-wide delegation, not an IAM role.
 */
export const GCP_PERMISSIONS = [
  "resourcemanager.projects.get",
  "resourcemanager.projects.list",
  "resourcemanager.folders.list",
  "storage.buckets.list",
  "storage.buckets.getIamPolicy",
  "cloudkms.locations.list",
  "cloudkms.keyRings.list",
  "cloudkms.cryptoKeys.list",
  "cloudsql.instances.list",
  "compute.firewalls.list",
] as const;

export const GCP_OAUTH_SCOPES = [
  "https://www.googleapis.com/auth/cloud-platform.read-only",
  "https://www.googleapis.com/auth/admin.directory.user.readonly",
] as const;

/** A custom role in the YAML `gcloud iam roles create assayReader --organization=… --file=role.yaml` reads. */
export function buildGcpRoleYaml(): string {
  return [
    "title: Assay Reader",
    "description: Read-only access Assay needs to check buckets, KMS keys, Cloud SQL and firewall rules.",
    "stage: GA",
    "includedPermissions:",
    ...GCP_PERMISSIONS.map((p) => `- ${p}`),
    "",
  ].join("\n");
}
