import type { admin_directory_v1 } from "@googleapis/admin";
import type { cloudresourcemanager_v3 } from "@googleapis/cloudresourcemanager";
import type { compute_v1 } from "@googleapis/compute";
import type { sqladmin_v1 } from "@googleapis/sqladmin";
import type { storage_v1 } from "@googleapis/storage";
import type { GlobalOptions } from "googleapis-common";
import { createKmsClient, type KmsClient } from "./kms-client.js";
import { type GcpSettings, type GoogleApiName, rootUrlFor } from "./settings.js";

export type GoogleAuthOption = NonNullable<GlobalOptions["auth"]>;

/** The Google API clients one scan uses, each from its own `@googleapis/*` package (see bench/README.md). */
export interface GoogleApis {
  storage: storage_v1.Storage;
  compute: compute_v1.Compute;
  sqladmin: sqladmin_v1.Sqladmin;
  resourceManager: cloudresourcemanager_v3.Cloudresourcemanager;
  kms: KmsClient;
  /** Only when Workspace is configured. */
  directory?: admin_directory_v1.Admin;
}

const MAX_RETRY_AFTER_MS = 60_000;

/** Seconds or an HTTP date, as Google front ends send with 429/503. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(Math.max(seconds, 0) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(date - now, 0), MAX_RETRY_AFTER_MS);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * Options shared by every client: the credential, the root URL, and retries. gaxios retries 429 and 5xx on
 * GET with exponential backoff but ignores Retry-After; the backoff hook waits at least what the server asked.
 */
function globalOptions(
  auth: GoogleAuthOption,
  rootUrl: string | undefined,
  signal: AbortSignal,
  settings: GcpSettings,
): GlobalOptions {
  return {
    auth,
    ...(rootUrl ? { rootUrl: rootUrl.endsWith("/") ? rootUrl : `${rootUrl}/` } : {}),
    signal,
    timeout: settings.timeoutSeconds * 1000,
    userAgentDirectives: [{ product: "assay", version: "1" }],
    retryConfig: {
      retry: settings.maxRetries,
      noResponseRetries: settings.maxRetries,
      httpMethodsToRetry: ["GET"],
      statusCodesToRetry: [
        [429, 429],
        [500, 599],
      ],
      retryBackoff: async (err, defaultBackoffMs) => {
        const asked = retryAfterMs(err.response?.headers?.get("retry-after"));
        await sleep(Math.max(asked ?? 0, defaultBackoffMs), signal);
      },
    },
  };
}

export async function createGoogleApis(
  auth: GoogleAuthOption,
  settings: GcpSettings,
  signal: AbortSignal,
): Promise<GoogleApis> {
  const options = (api: GoogleApiName) => globalOptions(auth, rootUrlFor(settings, api), signal, settings);
  const [storageMod, computeMod, sqlMod, crmMod, adminMod] = await Promise.all([
    import("@googleapis/storage"),
    import("@googleapis/compute"),
    import("@googleapis/sqladmin"),
    import("@googleapis/cloudresourcemanager"),
    settings.workspace ? import("@googleapis/admin") : Promise.resolve(undefined),
  ]);
  return {
    storage: storageMod.storage({ version: "v1", ...options("storage") }),
    compute: computeMod.compute({ version: "v1", ...options("compute") }),
    sqladmin: sqlMod.sqladmin({ version: "v1", ...options("sqladmin") }),
    resourceManager: crmMod.cloudresourcemanager({ version: "v3", ...options("cloudresourcemanager") }),
    kms: await createKmsClient(options("cloudkms")),
    ...(adminMod ? { directory: adminMod.admin({ version: "directory_v1", ...options("admin") }) } : {}),
  };
}
