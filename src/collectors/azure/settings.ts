import { z } from "zod";

/** The `azure:` section of assay.yaml. */
export const AzureSettingsSchema = z
  .strictObject({
    /** Subscription ids to scan; when absent, every subscription the identity can list. */
    subscriptions: z.array(z.string().min(1)).min(1).optional(),
    /** Resource Manager endpoint (sovereign clouds, a proxy, or a local emulator). */
    endpoint: z.url().default("https://management.azure.com"),
    /** Token scope; defaults to `<public ARM audience>/.default`, which is also right for most proxies. */
    audience: z.string().min(1).default("https://management.azure.com/.default"),
    /** Tenant to authenticate against when the credential needs one (DefaultAzureCredential). */
    tenantId: z.string().optional(),
    /** Most Resource Manager calls in flight at once, across subscriptions. */
    concurrency: z.number().int().min(1).max(256).default(16),
    /** A call that has not answered by then fails (its facts become `error`), so a hung API cannot stall a scan. */
    timeoutSeconds: z.number().positive().max(600).default(60),
    /** Retries after throttling (429, honouring Retry-After), 5xx and connection errors. */
    maxRetries: z.number().int().min(0).max(10).default(3),
  })
  .default({
    endpoint: "https://management.azure.com",
    audience: "https://management.azure.com/.default",
    concurrency: 16,
    timeoutSeconds: 60,
    maxRetries: 3,
  });

export type AzureSettings = z.infer<typeof AzureSettingsSchema>;
