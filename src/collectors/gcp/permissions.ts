import { permissionsOf } from "../kit/calls.js";
import { PROJECT_CALLS } from "./projects.js";
import { GCP_RESOURCE_DECLARATIONS } from "./resources/index.js";
import { DIRECTORY_USERS_SCOPE } from "./resources/workspace-user.js";

/**
 * The read-only Google Cloud permissions the collector uses (`assay permissions gcp` prints them, and a
 * custom role YAML for `gcloud iam roles create --file`). Workspace users need the Admin SDK scope
 * `admin.directory.user.readonly` granted to the service account by domain-wide delegation, not an IAM role.
 */
export const GCP_PERMISSIONS: readonly string[] = [
  ...permissionsOf(
    [...GCP_RESOURCE_DECLARATIONS.flatMap((d) => d.calls), ...Object.values(PROJECT_CALLS)],
    // An OAuth scope granted by domain-wide delegation, not an IAM permission.
    [DIRECTORY_USERS_SCOPE],
  ),
  // Reading a Requester Pays bucket's IAM policy bills `userProject` (gcp.billingProject, else the bucket's
  // project), which needs this on that project. It grants no access to data.
  "serviceusage.services.use",
];

export const GCP_OAUTH_SCOPES = [
  "https://www.googleapis.com/auth/cloud-platform.read-only",
  "https://www.googleapis.com/auth/admin.directory.user.readonly",
] as const;

export interface GcpCustomRole {
  title: string;
  description: string;
  stage: "GA";
  includedPermissions: string[];
}

/**
 * A custom role for `gcloud iam roles create assayReader --organization=<id> --file=role.json` (the file may
 * be JSON or YAML). Workspace users are read with the Admin SDK scope through domain-wide delegation instead.
 */
export function buildGcpCustomRole(permissions: readonly string[] = GCP_PERMISSIONS): GcpCustomRole {
  return {
    title: "Assay Reader",
    description:
      "Read-only access Assay needs for buckets, KMS keys, Cloud SQL, firewall rules, networks, the project IAM " +
      "policy, scanning services and service-account keys. Workspace users also " +
      "need the scope https://www.googleapis.com/auth/admin.directory.user.readonly by domain-wide delegation.",
    stage: "GA",
    includedPermissions: [...permissions].sort(),
  };
}
