import { setMaxListeners } from "node:events";
import pLimit from "p-limit";
import { attemptCall } from "../kit/attempts.js";
import { collectType, errorRecord, type ProviderBinding } from "../kit/runner.js";
import type { Collector } from "../types.js";
import { createGoogleApis, type GoogleAuthOption } from "./apis.js";
import { classifyGoogleError } from "./errors.js";
import { COLLECTOR, type GcpHandle } from "./handle.js";
import { GCP_OAUTH_SCOPES, GCP_PERMISSIONS } from "./permissions.js";
import { GCP_RESOURCE_TYPES } from "./produces.js";
import { resolveProjects } from "./projects.js";
import { PROJECT_DECLARATIONS } from "./resources/index.js";
import { workspaceUser } from "./resources/workspace-user.js";
import { attemptPolicyOf, parseGcpSettings } from "./settings.js";

export { buildGcpCustomRole, GCP_OAUTH_SCOPES, GCP_PERMISSIONS } from "./permissions.js";

export interface GcpCollectorOptions {
  /** Defaults to Application Default Credentials (google-auth-library GoogleAuth). */
  auth?: GoogleAuthOption;
}

/**
 * The GCP collector: the resource types declared in `resources/` for every project in scope, plus Google
 * Workspace users when configured, run by the collector kit. Nothing is created until `collect` runs.
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
      // Each request in flight listens for cancellation: up to `concurrency` listeners by design.
      const signal = AbortSignal.any([ctx.signal]);
      setMaxListeners(0, signal);
      const handle: GcpHandle = {
        apis: await createGoogleApis(auth, settings, signal),
        settings,
        collect: ctx,
      };
      // One limit for the whole scan: Google's quotas are per project and API, but a scan of hundreds of
      // projects must not open hundreds of connections at once.
      const limit = pLimit(settings.concurrency);
      const policy = attemptPolicyOf(settings);
      const binding: ProviderBinding<GcpHandle> = {
        provider: COLLECTOR,
        handle,
        classifier: classifyGoogleError,
        policy,
        signal,
        limiter: () => limit,
        emit: (resource) => ctx.emit(resource),
        reportError: (error) => ctx.reportError(error),
        itemsInFlight: settings.concurrency * 2,
      };

      const workspace = settings.workspace
        ? collectType(
            binding,
            workspaceUser,
            settings.workspace.customer,
            `workspace/${settings.workspace.customer}`,
          )
        : Promise.resolve(0);
      let projects: string[] = [];
      try {
        projects = await resolveProjects(handle, (api, send) =>
          limit(() => attemptCall(api, send, classifyGoogleError, policy, signal)),
        );
      } catch (error) {
        if (signal.aborted) throw error;
        ctx.reportError(
          errorRecord(
            COLLECTOR,
            settings.organization ?? settings.folders?.join(",") ?? "projects",
            error,
            PROJECT_DECLARATIONS.map((d) => d.type),
          ),
        );
      }
      await Promise.all([
        workspace,
        ...projects.map(async (project) => {
          ctx.progress({ collector: COLLECTOR, scope: project, phase: "start" });
          const counts = await Promise.all(
            PROJECT_DECLARATIONS.map((decl) =>
              collectType(binding, decl, project, `${project}/${decl.service}`),
            ),
          );
          ctx.progress({
            collector: COLLECTOR,
            scope: project,
            phase: "done",
            resources: counts.reduce((a, b) => a + b, 0),
          });
        }),
      ]);
      ctx.signal.throwIfAborted();
    },
  };
}

export const gcpCollector: Collector = createGcpCollector();
