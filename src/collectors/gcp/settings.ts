import { z } from "zod";

const GOOGLE_APIS = ["storage", "cloudkms", "sqladmin", "compute", "admin", "cloudresourcemanager"] as const;
export type GoogleApiName = (typeof GOOGLE_APIS)[number];

/** The `gcp:` section of assay.yaml. */
export const GcpSettingsSchema = z
  .strictObject({
    /** Project ids to scan. When absent: every project under `organization`/`folders`, else every project visible. */
    projects: z.array(z.string().min(1)).min(1).optional(),
    /** `organizations/123` or `123`: scan every active project under it, through nested folders. */
    organization: z.string().min(1).optional(),
    /** `folders/456` or `456`: the same, for folders. */
    folders: z.array(z.string().min(1)).optional(),
    /** One root URL for every Google API (a proxy, Private Service Connect, or a local emulator). */
    endpoint: z.url().optional(),
    /** Per-API root URLs; they win over `endpoint`. */
    endpoints: z.partialRecord(z.enum(GOOGLE_APIS), z.url()).optional(),
    /** Cloud KMS locations to look in; default: every location the project lists. */
    kmsLocations: z.array(z.string().min(1)).optional(),
    /** Google Workspace users (Admin SDK Directory API). Off unless configured: not every GCP user has Workspace. */
    workspace: z
      .strictObject({
        /** Customer id, or `my_customer` for the customer of the authenticated admin. */
        customer: z.string().min(1).default("my_customer"),
        /** Admin to impersonate through domain-wide delegation (service-account keys / impersonation). */
        subject: z.email().optional(),
      })
      .optional(),
    /** Most Google API calls in flight at once. */
    concurrency: z.number().int().min(1).max(256).default(16),
    /** A call that has not answered by then fails (its facts become `error`), so a hung API cannot stall a scan. */
    timeoutSeconds: z.number().positive().max(600).default(60),
    /** Retries after throttling (429, honouring Retry-After), 5xx and connection errors. */
    maxRetries: z.number().int().min(0).max(10).default(4),
  })
  .default({ concurrency: 16, timeoutSeconds: 60, maxRetries: 4 });

export type GcpSettings = z.infer<typeof GcpSettingsSchema>;

export function rootUrlFor(settings: GcpSettings, api: GoogleApiName): string | undefined {
  return settings.endpoints?.[api] ?? settings.endpoint;
}
