import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A protocol-level stand-in for the Google JSON APIs Assay reads (Resource Manager v3, Cloud Storage v1,
 * Cloud KMS v1, Cloud SQL Admin v1, Compute v1, Admin SDK Directory v1): bearer tokens, `pageToken` /
 * `nextPageToken` paging, Google error bodies (ErrorInfo with the missing permission, or the Storage
 * style message), 429 with Retry-After and SERVICE_DISABLED. It serves what it is seeded with.
 */
export interface GcpSeed {
  projects: { projectId: string; parent: string; state?: string }[];
  folders?: { name: string; parent: string; state?: string }[];
  buckets?: Record<string, Record<string, unknown>[]>;
  /** Bucket name → IAM policy. */
  bucketIam?: Record<string, unknown>;
  /** Project id → KMS location ids. */
  kmsLocations?: Record<string, string[]>;
  /** `projects/p/locations/l` → key ring names. */
  keyRings?: Record<string, string[]>;
  /** Key ring name → crypto keys. */
  cryptoKeys?: Record<string, Record<string, unknown>[]>;
  sqlInstances?: Record<string, Record<string, unknown>[]>;
  firewalls?: Record<string, Record<string, unknown>[]>;
  /** Customer id → users. */
  users?: Record<string, Record<string, unknown>[]>;
  faults?: GcpFault[];
}

export interface GcpFault {
  /** Path (without query) the fault applies to. */
  path: string;
  /** Absent with `delayMs`: answer normally, late. */
  status?: 403 | 429 | 500;
  times?: number;
  /** Hold the (normal) answer this long, to exercise client timeouts. */
  delayMs?: number;
  retryAfterSeconds?: number;
  /** For 403: the permission named in the ErrorInfo (or in the Storage-style message). */
  permission?: string;
  /** For 403: `SERVICE_DISABLED` makes it an "API not enabled" reply. */
  reason?: string;
  /** Only when these query parameters have these values (e.g. one project's bucket list). */
  query?: Record<string, string>;
}

export interface GcpEmulator {
  endpoint: string;
  requests: { path: string; status: number }[];
  /** TCP connections accepted (a client that reuses connections keeps this small). */
  connections(): number;
  close(): Promise<void>;
}

export interface GcpEmulatorOptions {
  latencyMs?: number;
  pageSize?: number;
  token?: string;
  /**
   * The subject token the Security Token Service stand-in (`POST /v1/token`) exchanges for `token`, so
   * Application Default Credentials of type `external_account` can sign in against the emulator.
   */
  subjectToken?: string;
}

export async function startGcpEmulator(
  seed: GcpSeed,
  options: GcpEmulatorOptions = {},
): Promise<GcpEmulator> {
  const token = options.token ?? "test-token";
  const maxPage = options.pageSize ?? 1000;
  const faults = (seed.faults ?? []).map((f) => ({ ...f }));
  const requests: GcpEmulator["requests"] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = decodeURIComponent(url.pathname);
    let extraDelayMs = 0;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ path, status });
      const respond = () => {
        if (res.destroyed) return;
        res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
        res.end(JSON.stringify(body));
      };
      const delay = (options.latencyMs ?? 0) + extraDelayMs;
      if (delay) setTimeout(respond, delay);
      else respond();
    };
    const googleError = (
      status: number,
      message: string,
      statusName: string,
      extra: Record<string, unknown> = {},
      headers = {},
    ) => send(status, { error: { code: status, message, status: statusName, ...extra } }, headers);

    if (req.method === "POST" && path === "/v1/token") {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        body += chunk;
      });
      req.on("end", () => {
        const form = new URLSearchParams(body);
        if (!options.subjectToken || form.get("subject_token") !== options.subjectToken) {
          return send(400, { error: "invalid_grant", error_description: "subject token not accepted" });
        }
        send(200, {
          access_token: token,
          issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
          token_type: "Bearer",
          expires_in: 3600,
        });
      });
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      return googleError(401, "Request is missing required authentication credential.", "UNAUTHENTICATED");
    }
    const fault = faults.find(
      (f) =>
        f.path === path &&
        (f.times === undefined || f.times > 0) &&
        Object.entries(f.query ?? {}).every(([k, v]) => url.searchParams.get(k) === v),
    );
    if (fault?.delayMs) {
      if (fault.times !== undefined) fault.times -= 1;
      extraDelayMs = fault.delayMs;
    } else if (fault) {
      if (fault.times !== undefined) fault.times -= 1;
      if (fault.status === 429) {
        return googleError(
          429,
          "Quota exceeded for quota metric 'Read requests'.",
          "RESOURCE_EXHAUSTED",
          {},
          {
            "retry-after": String(fault.retryAfterSeconds ?? 1),
          },
        );
      }
      if (fault.status === 403 && fault.reason === "SERVICE_DISABLED") {
        return googleError(
          403,
          "API has not been used in this project before or it is disabled.",
          "PERMISSION_DENIED",
          {
            details: [
              {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                reason: "SERVICE_DISABLED",
                domain: "googleapis.com",
              },
            ],
          },
        );
      }
      if (fault.status === 403 && path.startsWith("/storage/")) {
        // Cloud Storage's JSON API names the permission in the message, not in ErrorInfo.
        const message = `assay@test.iam.gserviceaccount.com does not have ${fault.permission} access to the Google Cloud Storage resource.`;
        return send(403, {
          error: { code: 403, message, errors: [{ message, domain: "global", reason: "forbidden" }] },
        });
      }
      if (fault.status === 403) {
        return googleError(
          403,
          `Permission '${fault.permission}' denied on resource (or it may not exist).`,
          "PERMISSION_DENIED",
          {
            details: [
              {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                reason: "IAM_PERMISSION_DENIED",
                domain: "iam.googleapis.com",
                metadata: { permission: fault.permission ?? "unknown" },
              },
            ],
          },
        );
      }
      return googleError(500, "Internal error encountered.", "INTERNAL");
    }

    const q = url.searchParams;
    const page = (key: string, items: unknown[]) => {
      const start = Number(q.get("pageToken") ?? "0");
      const size = Math.min(Number(q.get("maxResults") ?? q.get("pageSize") ?? maxPage), maxPage);
      const slice = items.slice(start, start + size);
      const next = start + size < items.length ? { nextPageToken: String(start + size) } : {};
      return send(200, { [key]: slice, ...next });
    };
    const notFound = () => googleError(404, `The requested entity was not found: ${path}`, "NOT_FOUND");
    if (path === "/v3/projects:search") return page("projects", seed.projects);
    if (path === "/v3/projects")
      return page(
        "projects",
        seed.projects.filter((p) => p.parent === q.get("parent")),
      );
    if (path === "/v3/folders")
      return page(
        "folders",
        (seed.folders ?? []).filter((f) => f.parent === q.get("parent")),
      );
    if (path === "/storage/v1/b") {
      const project = q.get("project");
      if (!project) return googleError(400, "Required parameter: project", "INVALID_ARGUMENT");
      return page("items", seed.buckets?.[project] ?? []);
    }
    if (path === "/admin/directory/v1/users")
      return page("users", seed.users?.[q.get("customer") ?? ""] ?? []);
    const routes: [RegExp, (m: string[]) => void][] = [
      [
        /^\/storage\/v1\/b\/([^/]+)\/iam$/,
        (m) => {
          const policy = seed.bucketIam?.[m[1] ?? ""];
          return policy ? send(200, { kind: "storage#policy", ...policy }) : notFound();
        },
      ],
      [
        /^\/v1\/projects\/([^/]+)\/locations$/,
        (m) =>
          page(
            "locations",
            (seed.kmsLocations?.[m[1] ?? ""] ?? []).map((id) => ({
              name: `projects/${m[1]}/locations/${id}`,
              locationId: id,
            })),
          ),
      ],
      [
        /^\/v1\/(projects\/[^/]+\/locations\/[^/]+)\/keyRings$/,
        (m) =>
          page(
            "keyRings",
            (seed.keyRings?.[m[1] ?? ""] ?? []).map((name) => ({ name })),
          ),
      ],
      [
        /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+)\/cryptoKeys$/,
        (m) => page("cryptoKeys", seed.cryptoKeys?.[m[1] ?? ""] ?? []),
      ],
      [/^\/v1\/projects\/([^/]+)\/instances$/, (m) => page("items", seed.sqlInstances?.[m[1] ?? ""] ?? [])],
      [
        /^\/compute\/v1\/projects\/([^/]+)\/global\/firewalls$/,
        (m) => page("items", seed.firewalls?.[m[1] ?? ""] ?? []),
      ],
    ];
    for (const [pattern, handle] of routes) {
      const match = pattern.exec(path);
      if (match) return handle([...match]);
    }
    return notFound();
  });

  let connections = 0;
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/`,
    requests,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
