import type { Agent } from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import { z } from "zod";

/**
 * One place where Azure Resource Manager is called. Discovery and property reads go through
 * `@azure/arm-resources` (resources.list, resources.getById with the api-version of each resource type);
 * child collections that have no generic operation (vault keys, protected items) go through the same
 * client's pipeline, so authentication, retries on 429/503 with Retry-After, and the user agent are shared.
 */
export interface ArmClientOptions {
  credential: TokenCredential;
  endpoint: string;
  audience: string;
  /** A custom HTTPS agent (a private CA for a proxy or a local emulator). */
  agent?: Agent;
  signal: AbortSignal;
  timeoutMs: number;
  maxRetries: number;
}

/**
 * The kinds of failure a collector reports (the same for every provider): a denial names the permission;
 * "unreachable" is DNS, TCP, TLS or no answer in time; "service-error" is a 5xx, an unsupported request or a
 * reply that is not what the API documents; "invalid-configuration" is a setting or credential Assay was given.
 */
export type ArmFailureKind =
  | "denied"
  | "not-found"
  | "throttled"
  | "unreachable"
  | "service-error"
  | "invalid-configuration";

/** Why an ARM call failed, in the terms a rule's `error` finding and a collector error need. */
export interface ArmFailure {
  kind: ArmFailureKind;
  status?: number;
  code: string;
  /** A short sentence for an auditor; raw SDK text never goes here. */
  message: string;
  /** The operation that was denied, from ARM's AuthorizationFailed message or the one the call needs. */
  permission?: string;
}

export class ArmCallError extends Error {
  readonly failure: ArmFailure;
  constructor(failure: ArmFailure) {
    super(failure.message);
    this.name = "ArmCallError";
    this.failure = failure;
  }
}

export interface GenericResourceSummary {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags: Record<string, string>;
}

const ArmErrorBodySchema = z.object({
  error: z.object({ code: z.string().optional(), message: z.string().optional() }).optional(),
});
const ArmListPageSchema = z.object({ value: z.array(z.unknown()), nextLink: z.string().nullish() });

export interface ArmReader {
  listSubscriptions(): Promise<{ subscriptionId: string; displayName?: string }[]>;
  listResources(subscriptionId: string): AsyncIterable<GenericResourceSummary>;
  /** GET one resource (or a singleton child such as `…/auditingSettings/default`) with its api-version. */
  get(resourceId: string, apiVersion: string, permission: string): Promise<unknown>;
  /** GET a child collection, following nextLink to the end. */
  listChildren(path: string, apiVersion: string, permission: string, filter?: string): Promise<unknown[]>;
}

export async function createArmReader(options: ArmClientOptions): Promise<ArmReader> {
  const [{ ResourceManagementClient }, { SubscriptionClient }, { createPipelineRequest }] = await Promise.all(
    [
      import("@azure/arm-resources"),
      import("@azure/arm-resources-subscriptions"),
      import("@azure/core-rest-pipeline"),
    ],
  );
  const endpoint = options.endpoint.replace(/\/+$/, "");
  const clientOptions = {
    endpoint,
    credentialScopes: [options.audience],
    userAgentOptions: { userAgentPrefix: "assay" },
    retryOptions: { maxRetries: options.maxRetries },
    ...(options.agent ? { agent: options.agent } : {}),
  };
  const clients = new Map<string, InstanceType<typeof ResourceManagementClient>>();
  const clientFor = (subscriptionId: string) => {
    let client = clients.get(subscriptionId);
    if (!client) {
      client = new ResourceManagementClient(options.credential, subscriptionId, clientOptions);
      clients.set(subscriptionId, client);
    }
    return client;
  };
  // getById and child reads are not tied to a subscription; one client serves them all.
  const generic = new ResourceManagementClient(options.credential, clientOptions);
  const abortSignal = options.signal;
  const timeout = options.timeoutMs;
  const requestOptions = { timeout };
  const toError = (error: unknown, permission: string) =>
    toArmCallError(error, permission, abortSignal, timeout);

  async function sendGet(url: string, permission: string): Promise<unknown> {
    const response = await generic
      .sendRequest(createPipelineRequest({ url, method: "GET", abortSignal, timeout }))
      .catch((error: unknown) => {
        throw toError(error, permission);
      });
    const body = parseJson(response.bodyAsText ?? undefined);
    if (response.status < 400 && (body === undefined || typeof body !== "object")) {
      throw new ArmCallError({
        kind: "service-error",
        status: response.status,
        code: "InvalidReply",
        message: `service error: HTTP ${response.status} without a JSON body`,
      });
    }
    if (response.status >= 400) {
      const parsed = ArmErrorBodySchema.safeParse(body);
      const error = parsed.success ? parsed.data.error : undefined;
      throw new ArmCallError(
        classify(response.status, error?.code ?? `HTTP${response.status}`, error?.message ?? "", permission),
      );
    }
    return body;
  }

  return {
    async listSubscriptions() {
      const client = new SubscriptionClient(options.credential, clientOptions);
      const out: { subscriptionId: string; displayName?: string }[] = [];
      try {
        for await (const sub of client.subscriptions.list({ abortSignal, requestOptions })) {
          // Warned and PastDue subscriptions still run resources; Disabled and Deleted ones are read-only shells.
          if (sub.subscriptionId && sub.state !== "Disabled" && sub.state !== "Deleted") {
            out.push({ subscriptionId: sub.subscriptionId, displayName: sub.displayName });
          }
        }
      } catch (error) {
        throw toError(error, "Microsoft.Resources/subscriptions/read");
      }
      return out;
    },

    async *listResources(subscriptionId) {
      try {
        for await (const r of clientFor(subscriptionId).resources.list({ abortSignal, requestOptions })) {
          if (!r.id || !r.type) continue;
          yield {
            id: r.id,
            name: r.name ?? r.id.split("/").pop() ?? r.id,
            type: r.type,
            location: r.location,
            tags: r.tags ?? {},
          };
        }
      } catch (error) {
        throw toError(error, "Microsoft.Resources/subscriptions/resources/read");
      }
    },

    async get(resourceId, apiVersion, permission) {
      // Not resources.getById: it joins "/{resourceId}" and so sends "//subscriptions/…", which ARM refuses.
      return sendGet(
        `${endpoint}${armPath(resourceId)}?${new URLSearchParams({ "api-version": apiVersion })}`,
        permission,
      );
    },

    async listChildren(path, apiVersion, permission, filter) {
      const query = new URLSearchParams({ "api-version": apiVersion });
      if (filter) query.set("$filter", filter);
      let url: string | undefined = `${endpoint}${armPath(path)}?${query.toString()}`;
      const items: unknown[] = [];
      while (url) {
        const page = ArmListPageSchema.safeParse(await sendGet(url, permission));
        if (!page.success) {
          throw new ArmCallError({
            kind: "service-error",
            code: "InvalidReply",
            message: `service error: the reply to ${path} is not a list (no "value" array)`,
          });
        }
        items.push(...page.data.value);
        url = page.data.nextLink ?? undefined;
      }
      return items;
    },
  };
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A resource id or path with exactly one leading slash (ids are `/subscriptions/…`; never `//`). */
export function armPath(resourceIdOrPath: string): string {
  return `/${resourceIdOrPath.replace(/^\/+/, "")}`;
}

const ACTION_IN_MESSAGE = /perform action '([^']+)'/;

/** Node and TLS error codes that mean the endpoint was never reached or never answered. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

function classify(status: number | undefined, code: string, message: string, permission: string): ArmFailure {
  if (status === 403 || code === "AuthorizationFailed") {
    const named = ACTION_IN_MESSAGE.exec(message)?.[1] ?? permission;
    return {
      kind: "denied",
      status,
      code,
      message: `denied: missing permission ${named}`,
      permission: named,
    };
  }
  if (status === 401) {
    return {
      kind: "invalid-configuration",
      status,
      code,
      message: `invalid configuration: the credential was refused (${code})`,
    };
  }
  if (status === 429) {
    return { kind: "throttled", status, code, message: `throttled: still HTTP 429 after retries (${code})` };
  }
  if (status === 404) return { kind: "not-found", status, code, message: `not found (${code})` };
  if (status === undefined && UNREACHABLE_CODES.has(code)) {
    return { kind: "unreachable", code, message: `unreachable: ${code}` };
  }
  return {
    kind: "service-error",
    status,
    code,
    message: `service error: ${status ? `HTTP ${status} ` : ""}${code}${message && status && status < 500 ? ` (${message})` : ""}`,
  };
}

/**
 * RestError (core-rest-pipeline) carries statusCode and the ARM error code; anything else is a failure.
 * The pipeline reports its own per-request timeout as an AbortError too; the scan's signal tells them apart.
 */
export function toArmCallError(
  error: unknown,
  permission: string,
  scanSignal?: AbortSignal,
  timeoutMs?: number,
): ArmCallError {
  if (error instanceof ArmCallError) return error;
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown };
  if (e?.name === "AbortError") {
    if (scanSignal?.aborted || timeoutMs === undefined) {
      return new ArmCallError({ kind: "unreachable", code: "Aborted", message: "the scan was cancelled" });
    }
    return new ArmCallError({
      kind: "unreachable",
      code: "Timeout",
      message: `unreachable: no answer within ${timeoutMs / 1000} s`,
    });
  }
  // @azure/identity: no credential source worked (no environment, managed identity or `az login`).
  if (e?.name === "CredentialUnavailableError" || e?.name === "AuthenticationError") {
    return new ArmCallError({
      kind: "invalid-configuration",
      code: "CredentialUnavailable",
      message:
        "invalid configuration: no Azure credential could be obtained (environment, managed identity or az login)",
    });
  }
  const status = typeof e?.statusCode === "number" ? e.statusCode : undefined;
  const code = typeof e?.code === "string" ? e.code : status ? `HTTP${status}` : "RequestFailed";
  const message = typeof e?.message === "string" ? (e.message.split("\n")[0] ?? "") : String(error);
  return new ArmCallError(classify(status, code, message, permission));
}
