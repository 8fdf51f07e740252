import { z } from "zod";
import type { AttemptPolicy } from "../kit/attempts.js";
import { parseSettings } from "../kit/settings.js";

const GOOGLE_APIS = [
  "storage",
  "cloudkms",
  "sqladmin",
  "compute",
  "admin",
  "cloudresourcemanager",
  "serviceusage",
  "iam",
] as const;
export type GoogleApiName = (typeof GOOGLE_APIS)[number];

/**
 * A project id as Google Cloud allows it: 6 to 30 lowercase letters, digits and hyphens, starting with a
 * letter and not ending with a hyphen (cloud.google.com/resource-manager/docs/creating-managing-projects),
 * optionally behind a legacy domain prefix (`example.com:my-project`).
 */
const PROJECT_ID = /^(?:[a-z0-9][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const projectId = z.string().regex(PROJECT_ID, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a Google Cloud project id (6-30 lowercase letters, digits, hyphens; starts with a letter)`,
});
const numericParent = (kind: "organizations" | "folders") =>
  z.string().regex(new RegExp(`^(?:${kind}/)?\\d+$`), {
    error: (issue) => `${JSON.stringify(issue.input)} is not ${kind}/<number> or <number>`,
  });

/** The `gcp:` section of assay.yaml. */
export const GcpSettingsSchema = z
  .strictObject({
    /** Project ids to scan. When absent: every project under `organization`/`folders`, else every project visible. */
    projects: z.array(projectId).min(1).optional(),
    /** `organizations/123` or `123`: scan every active project under it, through nested folders. */
    organization: numericParent("organizations").optional(),
    /** `folders/456` or `456`: the same, for folders. */
    folders: z.array(numericParent("folders")).optional(),
    /**
     * The project billed for reads of Requester Pays buckets (`userProject`); the caller needs
     * `serviceusage.services.use` on it. Default: the project that owns the bucket.
     */
    billingProject: projectId.optional(),
    /** One root URL for every Google API (a proxy, Private Service Connect, or a local emulator). */
    endpoint: z.url().optional(),
    /** Per-API root URLs; they win over `endpoint`. */
    endpoints: z.partialRecord(z.enum(GOOGLE_APIS), z.url()).optional(),
    /** Cloud KMS locations to look in; default: every location the project lists. */
    kmsLocations: z
      .array(
        z.string().regex(/^[a-z][a-z0-9-]*$/, {
          error: (issue) =>
            `${JSON.stringify(issue.input)} is not a Cloud KMS location id (e.g. global, europe-west1)`,
        }),
      )
      .optional(),
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
    /**
     * Time budget of one call, retries and waits included: a call that has not answered by then fails (its
     * facts become `error`), so a hung API cannot stall a scan.
     */
    timeoutSeconds: z.number().positive().max(600).default(60),
    /** Retries after throttling (429); a 5xx or a dropped connection is retried once at most (the kit's policy). */
    maxRetries: z.number().int().min(0).max(10).default(4),
  })
  .default({ concurrency: 16, timeoutSeconds: 60, maxRetries: 4 });

export type GcpSettings = z.infer<typeof GcpSettingsSchema>;

export function rootUrlFor(settings: GcpSettings, api: GoogleApiName): string | undefined {
  return settings.endpoints?.[api] ?? settings.endpoint;
}

/**
 * Read the `gcp:` settings before any call is made. A bad value is the user's to fix: every problem named by
 * its setting (`gcp.projects[1]`), and the CLI exits 2.
 */
export function parseGcpSettings(raw: unknown): GcpSettings {
  return parseSettings("gcp", GcpSettingsSchema, raw ?? undefined);
}

/** The kit's attempt policy from the settings: `maxRetries` retries of throttling, `timeoutSeconds` per call. */
export function attemptPolicyOf(settings: GcpSettings): AttemptPolicy {
  return {
    maxAttempts: settings.maxRetries + 1,
    budgetMs: settings.timeoutSeconds * 1000,
    baseDelayMs: 100,
    maxDelayMs: 5_000,
  };
}
