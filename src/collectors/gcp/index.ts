import { setMaxListeners } from "node:events";
import pLimit from "p-limit";
import type { Collector } from "../types.js";
import { createGoogleApis, type GoogleAuthOption } from "./apis.js";
import { collectBuckets } from "./buckets.js";
import { collectFirewalls } from "./firewalls.js";
import { collectCryptoKeys } from "./kms.js";
import { GCP_OAUTH_SCOPES, GCP_PERMISSIONS } from "./permissions.js";
import { GCP_RESOURCE_TYPES } from "./produces.js";
import { resolveProjects } from "./projects.js";
import { COLLECTOR, failureOf, type GcpSession } from "./session.js";
import { parseGcpSettings } from "./settings.js";
import { collectSqlInstances } from "./sql.js";
import { collectWorkspaceUsers } from "./workspace.js";

export { buildGcpCustomRole, GCP_OAUTH_SCOPES, GCP_PERMISSIONS } from "./permissions.js";

export interface GcpCollectorOptions {
  /** Defaults to Application Default Credentials (google-auth-library GoogleAuth). */
  auth?: GoogleAuthOption;
}

const PROJECT_TYPES = GCP_RESOURCE_TYPES.filter((t) => t !== "gcp.workspace.user");

/**
 * The GCP collector: buckets, KMS keys, Cloud SQL instances and VPC firewall rules of every project in
 * scope, plus Google Workspace users when configured. Nothing is created until `collect` runs.
 */
export function createGcpCollector(options: GcpCollectorOptions = {}): Collector {
  return {
    name: "gcp",
    provider: "gcp",
    produces: GCP_RESOURCE_TYPES,
    permissions: GCP_PERMISSIONS,
    checkSettings: (settings) => void parseGcpSettings(settings),
    async collect(ctx) {
      const settings = parseGcpSettings(ctx.settings);
      const auth =
        options.auth ??
        new (await import("googleapis-common")).GoogleAuth({
          scopes: [...GCP_OAUTH_SCOPES],
          ...(settings.workspace?.subject ? { clientOptions: { subject: settings.workspace.subject } } : {}),
        });
      const limit = pLimit(settings.concurrency);
      // Each request in flight listens for cancellation: up to `concurrency` listeners by design.
      const signal = AbortSignal.any([ctx.signal]);
      setMaxListeners(0, signal);
      const session: GcpSession = {
        apis: await createGoogleApis(auth, settings, signal),
        settings,
        gate: (call) => limit(call),
        ctx,
        collectedAt: ctx.now.toISOString(),
      };

      const workspace = collectWorkspaceUsers(session);
      let projects: string[] = [];
      try {
        projects = await resolveProjects(session);
      } catch (error) {
        const failure = failureOf(error, "resourcemanager.projects.list");
        ctx.reportError({
          collector: COLLECTOR,
          scope: settings.organization ?? settings.folders?.join(",") ?? "projects",
          code: failure.code,
          message: `could not list projects: ${failure.message}`,
          ...(failure.permission ? { permission: failure.permission } : {}),
          resourceTypes: [...PROJECT_TYPES],
        });
      }
      await Promise.all([
        workspace,
        ...projects.map(async (project) => {
          ctx.progress({ collector: COLLECTOR, scope: project, phase: "start" });
          await Promise.all([
            collectBuckets(session, project),
            collectCryptoKeys(session, project),
            collectSqlInstances(session, project),
            collectFirewalls(session, project),
          ]);
          ctx.progress({ collector: COLLECTOR, scope: project, phase: "done" });
        }),
      ]);
    },
  };
}

export const gcpCollector: Collector = createGcpCollector();
