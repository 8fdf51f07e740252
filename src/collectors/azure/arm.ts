import type { Agent } from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import { z } from "zod";
import { type Classification, type ErrorClassifier, kindOfStatus } from "../kit/errors.js";

/**
 * One place where Azure Resource Manager is called, through the `@azure/arm-resources` clients' pipeline
 * (authentication, user agent, TLS agent). The pipeline's own retries are off: the collector kit retries by
 * error kind within a time budget (kit/attempts.ts). Failures are thrown as they come (the SDK's RestError,
 * or ArmHttpError for a reply read here) and classified by `azureClassifier`.
 */
export interface ArmClientOptions {
  credential: TokenCredential;
  endpoint: string;
  audience: string;
  /** A custom HTTPS agent (a private CA for a proxy or a local emulator). */
  agent?: Agent;
  signal: AbortSignal;
  /** Per HTTP request; the kit bounds the whole call (attempts and waits) separately. */
  timeoutMs: number;
}

export interface GenericResourceSummary {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags: Record<string, string>;
}

/** An ARM reply with an error status, or a reply that is not what the API documents. */
export class ArmHttpError extends Error {
  readonly statusCode?: number;
  readonly code: string;
  constructor(statusCode: number | undefined, code: string, message: string) {
    super(message);
    this.name = "ArmHttpError";
    this.statusCode = statusCode;
    this.code = code;
  }
}

const ArmErrorBodySchema = z.object({
  error: z.object({ code: z.string().optional(), message: z.string().optional() }).optional(),
});
const ArmListPageSchema = z.object({ value: z.array(z.unknown()), nextLink: z.string().nullish() });
const ResourceSummarySchema = z.object({
  id: z.string(),
  name: z.string().nullish(),
  type: z.string(),
  location: z.string().nullish(),
  tags: z.record(z.string(), z.string()).nullish(),
});

/** Resource Manager's api-version for the subscription-wide resource list (`@azure/arm-resources`' default). */
export const RESOURCES_API_VERSION = "2025-04-01";

export interface ArmReader {
  listSubscriptions(): Promise<{ subscriptionId: string; displayName?: string }[]>;
  /**
   * A subscription's resources page by page: each `next()` is one call (so each page is attempted on its
   * own), undefined after the last page.
   */
  listResourcePages(subscriptionId: string): { next(): Promise<GenericResourceSummary[] | undefined> };
  /** GET one resource (or a singleton child such as `…/auditingSettings/default`) with its api-version. */
  get(resourceId: string, apiVersion: string): Promise<unknown>;
  /** GET a child collection, following nextLink to the end. */
  listChildren(path: string, apiVersion: string, filter?: string): Promise<unknown[]>;
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
    retryOptions: { maxRetries: 0 },
    ...(options.agent ? { agent: options.agent } : {}),
  };
  // Reads are not tied to a subscription; one client's pipeline serves them all.
  const generic = new ResourceManagementClient(options.credential, clientOptions);
  const abortSignal = options.signal;
  const timeout = options.timeoutMs;

  async function sendGet(url: string): Promise<unknown> {
    return replyBody(
      await generic.sendRequest(createPipelineRequest({ url, method: "GET", abortSignal, timeout })),
    );
  }

  async function listAll(path: string, query: URLSearchParams): Promise<unknown[]> {
    const pages = linkedPages(
      `${endpoint}${armPath(path)}?${query.toString()}`,
      sendGet,
      ArmListPageSchema,
      (page) => page.nextLink,
      `the reply to ${path} has no value list`,
    );
    const items: unknown[] = [];
    for (let page = await pages.next(); page; page = await pages.next()) items.push(...page.value);
    return items;
  }

  return {
    async listSubscriptions() {
      const client = new SubscriptionClient(options.credential, clientOptions);
      const out: { subscriptionId: string; displayName?: string }[] = [];
      for await (const sub of client.subscriptions.list({ abortSignal, requestOptions: { timeout } })) {
        // Warned and PastDue subscriptions still run resources; Disabled and Deleted ones are read-only shells.
        if (sub.subscriptionId && sub.state !== "Disabled" && sub.state !== "Deleted") {
          out.push({ subscriptionId: sub.subscriptionId, displayName: sub.displayName });
        }
      }
      return out;
    },

    listResourcePages(subscriptionId) {
      const pages = linkedPages(
        `${endpoint}/subscriptions/${subscriptionId}/resources?${new URLSearchParams({ "api-version": RESOURCES_API_VERSION })}`,
        sendGet,
        ArmListPageSchema,
        (page) => page.nextLink,
        "the resource list reply has no value list",
      );
      return {
        async next() {
          const page = await pages.next();
          return page?.value.flatMap((raw) => {
            const r = ResourceSummarySchema.safeParse(raw);
            if (!r.success) return [];
            return [
              {
                id: r.data.id,
                name: r.data.name ?? r.data.id.split("/").pop() ?? r.data.id,
                type: r.data.type,
                ...(r.data.location ? { location: r.data.location } : {}),
                tags: r.data.tags ?? {},
              },
            ];
          });
        },
      };
    },

    async get(resourceId, apiVersion) {
      // Not resources.getById: it joins "/{resourceId}" and so sends "//subscriptions/…", which ARM refuses.
      return sendGet(
        `${endpoint}${armPath(resourceId)}?${new URLSearchParams({ "api-version": apiVersion })}`,
      );
    },

    async listChildren(path, apiVersion, filter) {
      const query = new URLSearchParams({ "api-version": apiVersion });
      if (filter) query.set("$filter", filter);
      return listAll(path, query);
    },
  };
}

/**
 * The JSON body of a Resource Manager or Microsoft Graph reply (both send errors as `{ error: { code, message } }`):
 * an error status is thrown as ArmHttpError with the body's code and message (else `HTTP<status>`), and a
 * reply without a JSON object body as InvalidReply.
 */
export function replyBody(response: { status: number; bodyAsText?: string | null }): unknown {
  const body = parseJson(response.bodyAsText ?? undefined);
  if (response.status >= 400) {
    const parsed = ArmErrorBodySchema.safeParse(body);
    const error = parsed.success ? parsed.data.error : undefined;
    throw new ArmHttpError(
      response.status,
      error?.code ?? `HTTP${response.status}`,
      error?.message ?? `HTTP ${response.status}`,
    );
  }
  if (body === undefined || typeof body !== "object") {
    throw new ArmHttpError(undefined, "InvalidReply", `HTTP ${response.status} without a JSON body`);
  }
  return body;
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A collection that links to its next page (ARM `nextLink`, Graph `@odata.nextLink`), page by page: each
 * `next()` is one GET (so each page is attempted on its own), undefined after the last page. A page without
 * its value list is InvalidReply with `invalidMessage`.
 */
export function linkedPages<Page>(
  firstUrl: string,
  get: (url: string) => Promise<unknown>,
  pageSchema: z.ZodType<Page>,
  nextLinkOf: (page: Page) => string | null | undefined,
  invalidMessage: string,
): { next(): Promise<Page | undefined> } {
  let url: string | undefined = firstUrl;
  return {
    async next() {
      if (!url) return undefined;
      const page = pageSchema.safeParse(await get(url));
      if (!page.success) throw new ArmHttpError(undefined, "InvalidReply", invalidMessage);
      url = nextLinkOf(page.data) ?? undefined;
      return page.data;
    },
  };
}

/** A resource id or path with exactly one leading slash (ids are `/subscriptions/…`; never `//`). */
export function armPath(resourceIdOrPath: string): string {
  return `/${resourceIdOrPath.replace(/^\/+/, "")}`;
}

/**
 * Azure's errors in the kit's kinds. RestError and ArmHttpError carry the HTTP status and ARM's error code;
 * `AuthorizationFailed` is a denial whatever the status; @azure/identity failing to obtain a token is the
 * scanner's configuration; a reply that does not match the API's shape (zod) is the service's. Network
 * failures (DNS, TCP, TLS, timeouts) are recognised by the kit itself.
 */
export const azureClassifier: ErrorClassifier = (err): Classification | undefined => {
  const e = err as { statusCode?: unknown; code?: unknown; name?: unknown } | null;
  if (e?.name === "CredentialUnavailableError" || e?.name === "AuthenticationError") {
    return { kind: "invalidConfiguration", code: "CredentialUnavailable" };
  }
  if (err instanceof z.ZodError) return { kind: "serviceError", code: "InvalidReply" };
  // The pipeline's per-request timeout (a cancelled scan never gets here: the kit rethrows its abort first).
  if (e?.name === "AbortError") return { kind: "unreachable", code: "ETIMEDOUT" };
  const status = typeof e?.statusCode === "number" ? e.statusCode : undefined;
  const code = typeof e?.code === "string" ? e.code : status ? `HTTP${status}` : undefined;
  if (code === "AuthorizationFailed") return { kind: "denied", code, ...(status ? { status } : {}) };
  // Graph's reports need Entra ID P1/P2: a 403 no permission can fix, so not a denial.
  if (code === "Authentication_RequestFromNonPremiumTenantOrB2CTenant") {
    return { kind: "invalidConfiguration", code, ...(status ? { status } : {}) };
  }
  if (status !== undefined) {
    const kind = kindOfStatus(status);
    if (kind) return { kind, code: code ?? `HTTP${status}`, status };
  }
  if (code === "InvalidReply") return { kind: "serviceError", code };
  return undefined;
};
