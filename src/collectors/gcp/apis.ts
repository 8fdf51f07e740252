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

/** A server error or a dropped connection is retried once: a broken endpoint must not cost minutes. */
const SERVER_ERROR_RETRIES = 1;

/**
 * Which failed GET is tried again. Throttling (429) up to `maxRetries` times, honouring Retry-After; a
 * 5xx or a connection that gave no answer once; a timeout, a cancelled scan or any other status never.
 */
export function shouldRetryCall(
  failure: { status?: number; hasResponse: boolean; code?: string; method?: string; attempt: number },
  maxRetries: number,
  scanCancelled: boolean,
): boolean {
  if (scanCancelled || (failure.method ?? "GET").toUpperCase() !== "GET") return false;
  if (failure.status === 429) return failure.attempt < maxRetries;
  const once = Math.min(SERVER_ERROR_RETRIES, maxRetries);
  if (failure.status !== undefined && failure.status >= 500) return failure.attempt < once;
  if (!failure.hasResponse && failure.code !== "TimeoutError" && failure.code !== "AbortError") {
    return failure.attempt < once;
  }
  return false;
}

/**
 * Options shared by every client: the credential, the root URL, and retries. gaxios would retry 5xx as
 * often as 429 and ignores Retry-After; `shouldRetry` bounds each kind and the backoff hook waits at least
 * what the server asked (capped at a minute).
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
      noResponseRetries: Math.min(SERVER_ERROR_RETRIES, settings.maxRetries),
      shouldRetry: (err) =>
        shouldRetryCall(
          {
            hasResponse: !!err.response,
            attempt: err.config?.retryConfig?.currentRetryAttempt ?? 0,
            ...(err.response?.status !== undefined ? { status: err.response.status } : {}),
            ...(typeof err.code === "string" ? { code: err.code } : {}),
            ...(err.config?.method ? { method: err.config.method } : {}),
          },
          settings.maxRetries,
          signal.aborted,
        ),
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
