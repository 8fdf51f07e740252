import type { admin_directory_v1 } from "@googleapis/admin";
import type { cloudresourcemanager_v1, cloudresourcemanager_v3 } from "@googleapis/cloudresourcemanager";
import type { compute_v1 } from "@googleapis/compute";
import type { sqladmin_v1 } from "@googleapis/sqladmin";
import type { storage_v1 } from "@googleapis/storage";
import type { GlobalOptions } from "googleapis-common";
import { createKmsClient, type KmsClient } from "./kms-client.js";
import {
  createIamClient,
  createServiceUsageClient,
  type IamClient,
  type ServiceUsageClient,
} from "./rest-clients.js";
import { type GcpSettings, type GoogleApiName, rootUrlFor } from "./settings.js";

export type GoogleAuthOption = NonNullable<GlobalOptions["auth"]>;

/** The Google API clients one scan uses, each from its own `@googleapis/*` package (see bench/README.md). */
export interface GoogleApis {
  storage: storage_v1.Storage;
  compute: compute_v1.Compute;
  sqladmin: sqladmin_v1.Sqladmin;
  resourceManager: cloudresourcemanager_v3.Cloudresourcemanager;
  /** Resource Manager v1, for the effective organization policy of a project (v3 has no such method). */
  orgPolicies: cloudresourcemanager_v1.Cloudresourcemanager;
  kms: KmsClient;
  serviceUsage: ServiceUsageClient;
  iam: IamClient;
  /** Only when Workspace is configured. */
  directory?: admin_directory_v1.Admin;
}

/**
 * Options shared by every client: the credential, the root URL, the abort signal and a per-request timeout.
 * gaxios's own retries are off: the collector kit retries by error kind (throttling, once for a 5xx or a
 * dropped connection) within one time budget per call.
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
    retry: false,
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
    orgPolicies: crmMod.cloudresourcemanager({ version: "v1", ...options("cloudresourcemanager") }),
    kms: await createKmsClient(options("cloudkms")),
    serviceUsage: await createServiceUsageClient(options("serviceusage")),
    iam: await createIamClient(options("iam")),
    ...(adminMod ? { directory: adminMod.admin({ version: "directory_v1", ...options("admin") }) } : {}),
  };
}
