import { Agent, createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { selfSignedCertificate } from "./tls.js";

/**
 * A protocol-level stand-in for Azure Resource Manager: HTTPS, bearer tokens, `api-version` required on every
 * call and checked against the version seeded for the resource type (resources, child collections, singleton
 * children and the list operations alike), `value`/`nextLink` paging, ARM error bodies, 429 with Retry-After,
 * 403 AuthorizationFailed. A path with an empty segment (`//subscriptions/…`) is refused as ARM refuses it
 * rather than tidied up. It serves whatever state it is seeded with, bodies as seeded (fields left out stay
 * out); it knows nothing about Assay.
 */
export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  properties?: unknown;
  /** Listed by `GET /subscriptions/{id}/resources` (tracked resources); children are not. */
  listed?: boolean;
}

export interface ArmFault {
  /** Lower-case path (without query) the fault applies to. */
  path: string;
  /** Absent with `delayMs`: answer normally, late. */
  status?: 403 | 404 | 429 | 500;
  /** How many times to fail before serving normally; absent = always. */
  times?: number;
  /** Hold the (normal) answer this long, to exercise client timeouts. */
  delayMs?: number;
  retryAfterSeconds?: number;
  /** The action named in the AuthorizationFailed message. */
  action?: string;
  /** Graph only: the error code of a 403 (default Authorization_RequestDenied). */
  code?: string;
}

export interface ArmSeed {
  subscriptions: { subscriptionId: string; displayName: string; state?: string }[];
  resources: ArmResource[];
  /** Child collections (`{vault}/keys`, `{vault}/backupProtectedItems`): path → items. */
  collections?: Record<string, unknown[]>;
  /**
   * Resource type (lower case, e.g. `microsoft.keyvault/vaults/keys`, `microsoft.resources/subscriptions`,
   * `microsoft.resources/resources` for the resource list) → the api-version the emulator requires.
   */
  apiVersions: Record<string, string>;
  faults?: ArmFault[];
  /**
   * Microsoft Graph v1.0 on the same host (`/v1.0/…`, no api-version): path (lower case) → a collection
   * (served with `@odata.context` and `@odata.nextLink` paging) or, for an entity, its body.
   */
  graph?: { collections?: Record<string, unknown[]>; entities?: Record<string, unknown> };
}

export interface ArmEmulator {
  endpoint: string;
  /** An HTTPS agent that trusts the emulator's certificate. */
  agent: Agent;
  /** The self-signed certificate (PEM), for clients in another process. */
  certificate: string;
  requests: { method: string; path: string; status: number }[];
  /** TLS connections accepted (a client that reuses connections keeps this small). */
  connections(): number;
  close(): Promise<void>;
}

export interface ArmEmulatorOptions {
  latencyMs?: number;
  pageSize?: number;
  token?: string;
  /**
   * Serve the App Service managed identity endpoint (`GET /msi/token`, api-version 2019-08-01) for callers
   * presenting this `X-IDENTITY-HEADER`, so DefaultAzureCredential can sign in against the emulator.
   */
  identityHeader?: string;
}

export async function startArmEmulator(
  seed: ArmSeed,
  options: ArmEmulatorOptions = {},
): Promise<ArmEmulator> {
  const { key, cert } = await selfSignedCertificate();
  const pageSize = options.pageSize ?? 100;
  const token = options.token ?? "test-token";
  const byId = new Map(seed.resources.map((r) => [r.id.toLowerCase(), r]));
  const collections = new Map(Object.entries(seed.collections ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const faults = (seed.faults ?? []).map((f) => ({ ...f, path: f.path.toLowerCase() }));
  const requests: ArmEmulator["requests"] = [];

  const server = createServer({ key, cert, keepAlive: true }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const path = url.pathname.replace(/\/+$/, "");
    const lower = path.toLowerCase();
    let extraDelayMs = 0;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ method: req.method ?? "GET", path, status });
      const respond = () => {
        if (res.destroyed) return;
        res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
        res.end(JSON.stringify(body));
      };
      const delay = (options.latencyMs ?? 0) + extraDelayMs;
      if (delay) setTimeout(respond, delay);
      else respond();
    };
    const armError = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
      send(status, { error: { code, message } }, headers);

    if (lower === "/msi/token") {
      if (!options.identityHeader || req.headers["x-identity-header"] !== options.identityHeader) {
        return send(401, {
          error: "invalid_request",
          error_description: "X-IDENTITY-HEADER missing or wrong",
        });
      }
      return send(200, {
        access_token: token,
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: url.searchParams.get("resource") ?? "",
        token_type: "Bearer",
      });
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      return armError(
        401,
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing.",
      );
    }
    if (req.method !== "GET") return armError(405, "MethodNotAllowed", "read-only emulator");
    if (lower.startsWith("/v1.0/")) return graph(lower);
    // An empty path segment matches no ARM route (a client that joins "/" + "/subscriptions/…" sends this).
    // (Read from the raw request line: WHATWG URL parsing would take "//subscriptions" for a host name.)
    const rawPath = (req.url ?? "/").split("?")[0] ?? "/";
    if (rawPath.includes("//")) {
      return armError(
        400,
        "InvalidRequestUri",
        `The request URI '${rawPath}' is not valid: it has an empty segment.`,
      );
    }
    const apiVersion = url.searchParams.get("api-version");
    if (!apiVersion) {
      return armError(
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
      );
    }

    const expected = seed.apiVersions[armTypeOf(lower)];
    if (expected && expected !== apiVersion) {
      return armError(
        400,
        "InvalidApiVersionParameter",
        `The api-version '${apiVersion}' is invalid. The supported versions for '${armTypeOf(lower)}' are '${expected}'.`,
      );
    }

    const fault = faults.find((f) => f.path === lower && (f.times === undefined || f.times > 0));
    if (fault?.delayMs) {
      if (fault.times !== undefined) fault.times -= 1;
      extraDelayMs = fault.delayMs;
    } else if (fault) {
      if (fault.times !== undefined) fault.times -= 1;
      if (fault.status === 429) {
        return armError(429, "TooManyRequests", "The request is being throttled.", {
          "retry-after": String(fault.retryAfterSeconds ?? 1),
        });
      }
      if (fault.status === 403) {
        return armError(
          403,
          "AuthorizationFailed",
          `The client 'assay-test' with object id '00000000-0000-0000-0000-000000000000' does not have authorization to perform action '${fault.action ?? "unknown"}' over scope '${path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
        );
      }
      if (fault.status === 404) {
        return armError(404, "ResourceNotFound", `The Resource '${path}' was not found.`);
      }
      return armError(500, "InternalServerError", "Something went wrong.");
    }

    const page = (items: unknown[]) => {
      const skip = Number(url.searchParams.get("$skiptoken") ?? "0");
      const value = items.slice(skip, skip + pageSize);
      const next = new URL(url);
      next.searchParams.set("$skiptoken", String(skip + pageSize));
      const nextLink =
        skip + pageSize < items.length
          ? `https://127.0.0.1:${port()}${next.pathname}${next.search}`
          : undefined;
      return send(200, nextLink ? { value, nextLink } : { value });
    };

    if (lower === "/subscriptions") {
      return page(
        seed.subscriptions.map((s) => ({ id: `/subscriptions/${s.subscriptionId}`, state: "Enabled", ...s })),
      );
    }
    const listMatch = /^\/subscriptions\/([^/]+)\/resources$/.exec(lower);
    if (listMatch) {
      const prefix = `/subscriptions/${listMatch[1]}/`;
      return page(
        seed.resources
          .filter((r) => r.listed !== false && r.id.toLowerCase().startsWith(prefix))
          .map(({ id, name, type, location, tags }) => ({ id, name, type, location, tags })),
      );
    }
    const resource = byId.get(lower);
    if (resource) {
      const { listed: _listed, ...body } = resource;
      return send(200, body);
    }
    const collection = collections.get(lower);
    if (collection) return page(collection);
    // Storage answers for an account without a lifecycle policy with its own code (azure-cli shows
    // "(ManagementPolicyNotFound) No ManagementPolicy found for account …").
    const policyOf =
      /^(.*\/providers\/microsoft\.storage\/storageaccounts\/([^/]+))\/managementpolicies\/default$/.exec(
        lower,
      );
    if (policyOf && byId.has(policyOf[1] ?? "")) {
      return armError(
        404,
        "ManagementPolicyNotFound",
        `No ManagementPolicy found for account ${policyOf[2]}`,
      );
    }
    return armError(404, "ResourceNotFound", `The Resource '${path}' was not found.`);

    /** Microsoft Graph: `$top`/`$skiptoken` paging, Graph error bodies (Request_ResourceNotFound, Authorization_RequestDenied). */
    function graph(lowerPath: string) {
      const graphFault = faults.find((f) => f.path === lowerPath && (f.times === undefined || f.times > 0));
      if (graphFault) {
        if (graphFault.times !== undefined) graphFault.times -= 1;
        if (graphFault.status === 403) {
          return send(403, {
            error: {
              code: graphFault.code ?? "Authorization_RequestDenied",
              message:
                graphFault.code === "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
                  ? "Neither tenant is B2C or tenant doesn't have premium license"
                  : "Insufficient privileges to complete the operation.",
            },
          });
        }
        if (graphFault.status === 429) {
          return send(
            429,
            { error: { code: "TooManyRequests", message: "Too many requests." } },
            { "retry-after": String(graphFault.retryAfterSeconds ?? 1) },
          );
        }
        return send(500, {
          error: { code: "generalException", message: "General exception while processing." },
        });
      }
      const items = Object.entries(seed.graph?.collections ?? {}).find(
        ([k]) => k.toLowerCase() === lowerPath,
      )?.[1];
      if (items) {
        const skip = Number(url.searchParams.get("$skiptoken") ?? "0");
        const value = items.slice(skip, skip + pageSize);
        const next = new URL(url);
        next.searchParams.set("$skiptoken", String(skip + pageSize));
        return send(200, {
          "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#${lowerPath.split("/").pop()}`,
          value,
          ...(skip + pageSize < items.length
            ? { "@odata.nextLink": `https://127.0.0.1:${port()}${next.pathname}${next.search}` }
            : {}),
        });
      }
      const entity = Object.entries(seed.graph?.entities ?? {}).find(
        ([k]) => k.toLowerCase() === lowerPath,
      )?.[1];
      if (entity) return send(200, entity);
      return send(404, {
        error: {
          code: "Request_ResourceNotFound",
          message: `Resource '${lowerPath.split("/").pop()}' does not exist.`,
        },
      });
    }
  });

  let connections = 0;
  server.on("secureConnection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = () => (server.address() as AddressInfo).port;
  const agent = new Agent({ ca: cert, keepAlive: true });
  return {
    endpoint: `https://127.0.0.1:${port()}`,
    agent,
    certificate: cert,
    requests,
    connections: () => connections,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The ARM resource type a path addresses (lower case): `/subscriptions` and `/subscriptions/{id}` are
 * `microsoft.resources/subscriptions`, `/subscriptions/{id}/resources` is `microsoft.resources/resources`,
 * and under the last `/providers/{namespace}` every other segment is a type: `…/vaults/kv/keys` and
 * `…/vaults/kv/keys/k1` are both `microsoft.keyvault/vaults/keys`.
 */
export function armTypeOf(lowerPath: string): string {
  const at = lowerPath.lastIndexOf("/providers/");
  if (at < 0) {
    return /^\/subscriptions\/[^/]+\/resources$/.test(lowerPath)
      ? "microsoft.resources/resources"
      : "microsoft.resources/subscriptions";
  }
  const [namespace, ...rest] = lowerPath.slice(at + "/providers/".length).split("/");
  return [namespace, ...rest.filter((_, i) => i % 2 === 0)].join("/");
}
