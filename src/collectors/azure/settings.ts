import { z } from "zod";
import { AssayError } from "../../core/errors.js";

/** Subscription ids are GUIDs; a name or a typo would otherwise reach ARM as a path segment. */
const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The `azure:` section of assay.yaml. */
export const AzureSettingsSchema = z
  .strictObject({
    /** Subscription ids to scan; when absent, every subscription the identity can list. */
    subscriptions: z
      .array(
        z
          .string()
          .regex(
            SUBSCRIPTION_ID,
            "not a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)",
          ),
      )
      .min(1)
      .optional(),
    /** Resource Manager endpoint (sovereign clouds, a proxy, or a local emulator). */
    endpoint: z.url().default("https://management.azure.com"),
    /** Token scope; defaults to `<public ARM audience>/.default`, which is also right for most proxies. */
    audience: z.string().min(1).default("https://management.azure.com/.default"),
    /** Tenant to authenticate against when the credential needs one (DefaultAzureCredential). */
    tenantId: z.string().min(1).optional(),
    /** Most Resource Manager calls in flight at once, across subscriptions. */
    concurrency: z.number().int().min(1).max(256).default(16),
    /**
     * The time budget of one call, retries and waits included; a call that has not answered by then fails as
     * unreachable (its facts become `error`), so a hung API cannot stall a scan.
     */
    timeoutSeconds: z.number().positive().max(600).default(60),
    /**
     * Retries of a throttled call (429), with exponential backoff and jitter (the collector kit's policy). A 5xx
     * or a dropped connection is retried once whatever this says; a denial or a bad request never.
     */
    maxRetries: z.number().int().min(0).max(10).default(3),
    /**
     * Entra ID users and the subscription owners' MFA registration, read from Microsoft Graph. Off unless
     * configured: it needs a Graph application permission (AuditLog.Read.All) and Entra ID P1 or P2.
     */
    entra: z
      .strictObject({
        /** Microsoft Graph endpoint (national clouds have their own). */
        endpoint: z.url().default("https://graph.microsoft.com"),
        /** Token scope for Graph. */
        audience: z.string().min(1).default("https://graph.microsoft.com/.default"),
      })
      .optional(),
  })
  .default({
    endpoint: "https://management.azure.com",
    audience: "https://management.azure.com/.default",
    concurrency: 16,
    timeoutSeconds: 60,
    maxRetries: 3,
  });

export type AzureSettings = z.infer<typeof AzureSettingsSchema>;

/** The settings, or an AssayError naming the first bad setting as `azure.<path>` (the CLI exits 2). */
export function parseAzureSettings(settings: unknown): AzureSettings {
  const parsed = AzureSettingsSchema.safeParse(settings ?? undefined);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.length
    ? issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")
    : "";
  let value: unknown = settings;
  for (const key of issue?.path ?? []) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  // Only ids are echoed back; an endpoint or tenant may carry something that should not be printed.
  const shown = issue?.path[0] === "subscriptions" && typeof value === "string" ? ` ("${value}")` : "";
  throw new AssayError(
    "AZURE_SETTINGS_INVALID",
    `azure settings: azure${path}${shown}: ${issue?.message ?? "invalid"}`,
  );
}
