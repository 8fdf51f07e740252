import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A protocol-level stand-in for the Google JSON APIs Assay reads (Resource Manager v3 and v1's effective
 * organization policy, Cloud Storage v1,
 * Cloud KMS v1, Cloud SQL Admin v1, Compute v1, Admin SDK Directory v1): bearer tokens, `pageToken` /
 * `nextPageToken` paging, Google error bodies (ErrorInfo with the missing permission, or the Storage
 * style message), 429 with Retry-After and SERVICE_DISABLED. It serves what it is seeded with (scenario.ts
 * builds the seed in the shapes of Google's discovery documents), wraps lists in their documented
 * `kind`, and refuses what the real services refuse:
 * - `buckets.getIamPolicy` below `optionsRequestedPolicyVersion=3` on a policy with IAM Conditions, and a
 *   version above 3 (Storage v1 discovery document: "If the optionsRequestedPolicyVersion is for an older
 *   version that doesn't support part of the requested IAM policy, the request fails");
 * - a Requester Pays bucket's IAM policy without `userProject` ("Required for Requester Pays buckets"), or
 *   with a project it does not know;
 * - `maxResults` above the documented maximum (Compute: 500; Directory users.list: 500), a page token it
 *   did not issue, and a bucket list without `project`.
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
  /**
   * Project id → constraint → the effective `OrgPolicy` (Resource Manager v1). A constraint not listed
   * answers `{constraint}` alone, as for a constraint no policy in the hierarchy sets.
   */
  effectiveOrgPolicies?: Record<string, Record<string, Record<string, unknown>>>;
  /** Project id → VPC networks (`compute#network`). */
  networks?: Record<string, Record<string, unknown>[]>;
  /** Project id → IAM policy (`Policy`, cloudresourcemanager/v3). */
  projectIam?: Record<string, { bindings?: { role: string; members?: string[]; condition?: unknown }[] }>;
  /** Project id → service names that are ENABLED (any other service of a known project is DISABLED). */
  enabledServices?: Record<string, string[]>;
  /** Project id → service accounts (`ServiceAccount`, iam/v1), each with its keys (`ServiceAccountKey`). */
  serviceAccounts?: Record<string, { account: Record<string, unknown>; keys: Record<string, unknown>[] }[]>;
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
  /** For 500: answer with an HTML page, as a proxy or load balancer in front of the API would. */
  html?: boolean;
  /** Only when these query parameters have these values (e.g. one project's bucket list). */
  query?: Record<string, string>;
}

export interface GcpEmulator {
  endpoint: string;
  requests: { path: string; status: number; query: Record<string, string> }[];
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

/** Query parameters every Google API accepts (system parameters). */
const SYSTEM_PARAMETERS = new Set([
  "alt",
  "fields",
  "key",
  "prettyPrint",
  "quotaUser",
  "access_token",
  "callback",
  "uploadType",
  "upload_protocol",
  "$.xgafv",
]);

/**
 * The parameters of each One Platform list method the collector calls, from the discovery documents
 * (cloudkms/v1: projects.locations.list, keyRings.list, cryptoKeys.list; sqladmin/v1: instances.list;
 * cloudresourcemanager/v3: projects.search, projects.list, folders.list).
 */
const METHOD_PARAMETERS: [RegExp, string[]][] = [
  [/^\/v1\/projects\/[^/]+\/locations$/, ["filter", "pageSize", "pageToken", "extraLocationTypes"]],
  [/^\/v1\/projects\/[^/]+\/locations\/[^/]+\/keyRings$/, ["filter", "orderBy", "pageSize", "pageToken"]],
  [
    /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys$/,
    ["filter", "orderBy", "pageSize", "pageToken", "versionView"],
  ],
  [/^\/v1\/projects\/[^/]+\/instances$/, ["filter", "maxResults", "pageToken"]],
  [/^\/v3\/projects:search$/, ["query", "pageSize", "pageToken"]],
  [/^\/v3\/(projects|folders)$/, ["parent", "pageSize", "pageToken", "showDeleted"]],
  // serviceusage/v1 services.get; iam/v1 projects.serviceAccounts.list and keys.list.
  [/^\/v1\/projects\/[^/]+\/services\/[^/]+$/, []],
  [/^\/v1\/projects\/[^/]+\/serviceAccounts$/, ["pageSize", "pageToken"]],
  [/^\/v1\/projects\/[^/]+\/serviceAccounts\/[^/]+\/keys$/, ["keyTypes"]],
];

function unknownQueryParameter(path: string, query: URLSearchParams): string | undefined {
  const allowed = METHOD_PARAMETERS.find(([pattern]) => pattern.test(path))?.[1];
  if (!allowed) return undefined;
  return [...query.keys()].find((k) => !allowed.includes(k) && !SYSTEM_PARAMETERS.has(k));
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
      requests.push({ path, status, query: Object.fromEntries(url.searchParams) });
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
      if (fault.html) {
        requests.push({ path, status: 500, query: Object.fromEntries(url.searchParams) });
        res.writeHead(500, { "content-type": "text/html; charset=UTF-8" });
        res.end("<html><body><h1>500 Internal Server Error</h1><p>upstream connect error</p></body></html>");
        return;
      }
      return googleError(500, "Internal error encountered.", "INTERNAL");
    }

    const q = url.searchParams;
    const badRequest = (message: string, reason = "invalid") =>
      send(400, {
        error: {
          code: 400,
          message,
          errors: [{ message, domain: "global", reason }],
          status: "INVALID_ARGUMENT",
        },
      });
    // The One Platform APIs (Cloud KMS, Cloud SQL Admin, Resource Manager) refuse a query parameter their
    // method does not define ("Cannot bind query parameter"), so a client sending a wrong one fails here too.
    const unknown = unknownQueryParameter(path, q);
    if (unknown) {
      return googleError(
        400,
        `Invalid JSON payload received. Unknown name "${unknown}": Cannot bind query parameter. Field '${unknown}' could not be found in request message.`,
        "INVALID_ARGUMENT",
      );
    }
    /** One page of `items` under `key`, with the list's own fields (`kind`, …) around it. */
    const page = (
      key: string,
      items: unknown[],
      envelope: Record<string, unknown> = {},
      maxAllowed?: number,
    ) => {
      const token = q.get("pageToken");
      if (token !== null && !/^\d+$/.test(token)) return badRequest(`Invalid page token: ${token}`);
      const asked = q.get("maxResults") ?? q.get("pageSize");
      if (asked !== null && maxAllowed !== undefined && Number(asked) > maxAllowed) {
        return badRequest(
          `Invalid value for field 'maxResults': '${asked}'. Must be less than or equal to ${maxAllowed}`,
        );
      }
      const start = Number(token ?? "0");
      const size = Math.min(Number(asked ?? maxPage), maxPage);
      const slice = items.slice(start, start + size);
      const next = start + size < items.length ? { nextPageToken: String(start + size) } : {};
      // Google's JSON APIs leave an empty list out of the reply.
      return send(200, { ...envelope, ...(slice.length > 0 ? { [key]: slice } : {}), ...next });
    };
    const notFound = () => googleError(404, `The requested entity was not found: ${path}`, "NOT_FOUND");
    const bucketIamPolicy = (bucket: string) => {
      const policy = seed.bucketIam?.[bucket] as { bindings?: { condition?: unknown }[] } | undefined;
      const listed = Object.values(seed.buckets ?? {})
        .flat()
        .find((b) => b.name === bucket) as { billing?: { requesterPays?: boolean } } | undefined;
      if (!policy) return notFound();
      const userProject = q.get("userProject");
      if (listed?.billing?.requesterPays && !userProject) {
        return badRequest("Bucket is a requester pays bucket but no user project provided.", "required");
      }
      if (userProject && !seed.projects.some((p) => p.projectId === userProject)) {
        return badRequest("User project specified in the request is invalid.");
      }
      const asked = Number(q.get("optionsRequestedPolicyVersion") ?? "1");
      if (!Number.isInteger(asked) || asked < 1 || asked > 3) {
        return badRequest(`Invalid argument: optionsRequestedPolicyVersion=${asked}`);
      }
      const conditional = (policy.bindings ?? []).some((b) => b.condition);
      if (conditional && asked < 3) {
        return badRequest(
          `The policy of bucket ${bucket} contains IAM Conditions; request policy version 3 (optionsRequestedPolicyVersion=3) to read it.`,
        );
      }
      return send(200, {
        kind: "storage#policy",
        resourceId: `projects/_/buckets/${bucket}`,
        version: conditional ? 3 : 1,
        etag: "CAE=",
        ...policy,
      });
    };
    // Resource Manager v3 `Project` and `Folder` (cloudresourcemanager/v3 discovery document): the seed's
    // ids and parents, with the output-only fields a real reply carries. `parent` is required by list.
    const projectReply = (p: GcpSeed["projects"][number], i: number) => ({
      name: `projects/${100_000_000_000 + i}`,
      parent: p.parent,
      projectId: p.projectId,
      state: p.state ?? "ACTIVE",
      displayName: p.projectId,
      createTime: "2025-03-01T10:00:00.000Z",
      updateTime: "2025-03-01T10:00:00.000Z",
      etag: `W/"${p.projectId}"`,
      ...(p.state === "DELETE_REQUESTED" ? { deleteTime: "2026-05-01T00:00:00.000Z" } : {}),
    });
    const folderReply = (f: NonNullable<GcpSeed["folders"]>[number]) => ({
      name: f.name,
      parent: f.parent,
      displayName: `Folder ${f.name.split("/")[1]}`,
      state: f.state ?? "ACTIVE",
      createTime: "2025-02-01T10:00:00.000Z",
      updateTime: "2025-02-01T10:00:00.000Z",
      etag: `W/"${f.name}"`,
    });
    // Resource Manager v1 `projects.getEffectiveOrgPolicy`: POST with `{constraint}`; the computed policy has
    // no etag ("The returned Policy will not have an etag set"). Recorded shape: forseti-security
    // tests/common/gcp_api/test_data/fake_crm_responses.py GET_EFFECTIVE_ORG_POLICY.
    const effective = /^\/v1\/projects\/([^/:]+):getEffectiveOrgPolicy$/.exec(path);
    if (effective) {
      if (req.method !== "POST") return googleError(404, `Method not found: ${path}`, "NOT_FOUND");
      const project = effective[1] ?? "";
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        body += chunk;
      });
      req.on("end", () => {
        let constraint: unknown;
        try {
          constraint = (JSON.parse(body || "{}") as { constraint?: unknown }).constraint;
        } catch {
          return badRequest("Invalid JSON payload received.");
        }
        if (typeof constraint !== "string" || !/^constraints\/[\w.]+$/.test(constraint)) {
          return badRequest("Request contains an invalid argument: constraint.");
        }
        if (!seed.projects.some((p) => p.projectId === project)) {
          return googleError(403, "The caller does not have permission", "PERMISSION_DENIED");
        }
        send(200, seed.effectiveOrgPolicies?.[project]?.[constraint] ?? { constraint });
      });
      return;
    }
    // cloudresourcemanager/v3 projects.getIamPolicy: a POST with GetIamPolicyRequest; a policy with IAM
    // Conditions needs `options.requestedPolicyVersion: 3`, as on buckets.
    const iamOf = /^\/v3\/projects\/([^/:]+):getIamPolicy$/.exec(path);
    if (iamOf) {
      if (req.method !== "POST") return googleError(404, "Not Found", "NOT_FOUND");
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        body += chunk;
      });
      req.on("end", () => {
        const policy = seed.projectIam?.[iamOf[1] ?? ""];
        if (!policy) {
          return googleError(
            403,
            `Permission 'resourcemanager.projects.getIamPolicy' denied on resource (or it may not exist).`,
            "PERMISSION_DENIED",
          );
        }
        let asked = 1;
        try {
          asked = Number(
            (JSON.parse(body || "{}") as { options?: { requestedPolicyVersion?: number } }).options
              ?.requestedPolicyVersion ?? 1,
          );
        } catch {
          return badRequest("Invalid JSON payload received.");
        }
        if (!Number.isInteger(asked) || asked < 0 || asked > 3) {
          return badRequest(`Invalid requested policy version: ${asked}`);
        }
        const conditional = (policy.bindings ?? []).some((b) => b.condition);
        if (conditional && asked < 3) {
          return badRequest("The policy contains IAM Conditions; request policy version 3 to read it.");
        }
        send(200, { version: conditional ? 3 : 1, etag: "BwXhqDmhR6M=", ...policy });
      });
      return;
    }
    if (path === "/v3/projects:search") return page("projects", seed.projects.map(projectReply));
    if (path === "/v3/projects" || path === "/v3/folders") {
      const parent = q.get("parent");
      if (!parent) return badRequest("Request contains an invalid argument: parent is required.");
      if (path === "/v3/projects") {
        return page(
          "projects",
          seed.projects.map(projectReply).filter((p) => p.parent === parent),
        );
      }
      return page("folders", (seed.folders ?? []).filter((f) => f.parent === parent).map(folderReply));
    }
    if (path === "/storage/v1/b") {
      const project = q.get("project");
      if (!project) return badRequest("Required parameter: project", "required");
      return page("items", seed.buckets?.[project] ?? [], { kind: "storage#buckets" });
    }
    if (path === "/admin/directory/v1/users") {
      if (!q.get("customer") && !q.get("domain")) return badRequest("Bad Request", "badRequest");
      return page(
        "users",
        seed.users?.[q.get("customer") ?? ""] ?? [],
        { kind: "admin#directory#users" },
        500,
      );
    }
    const routes: [RegExp, (m: string[]) => void][] = [
      [/^\/storage\/v1\/b\/([^/]+)\/iam$/, (m) => bucketIamPolicy(m[1] ?? "")],
      [
        /^\/v1\/projects\/([^/]+)\/locations$/,
        (m) =>
          page(
            "locations",
            // google.cloud.location.Location, as Cloud KMS lists it.
            (seed.kmsLocations?.[m[1] ?? ""] ?? []).map((id) => ({
              name: `projects/${m[1]}/locations/${id}`,
              locationId: id,
              displayName: id === "global" ? "Global" : id,
              labels: { "cloud.googleapis.com/region": id },
              metadata: {
                "@type": "type.googleapis.com/google.cloud.kms.v1.LocationMetadata",
                hsmAvailable: true,
                ekmAvailable: id !== "global",
              },
            })),
          ),
      ],
      [
        /^\/v1\/(projects\/[^/]+\/locations\/[^/]+)\/keyRings$/,
        (m) =>
          page(
            "keyRings",
            (seed.keyRings?.[m[1] ?? ""] ?? []).map((name) => ({
              name,
              createTime: "2026-01-02T00:00:00.000000000Z",
            })),
          ),
      ],
      [
        /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+)\/cryptoKeys$/,
        (m) => page("cryptoKeys", seed.cryptoKeys?.[m[1] ?? ""] ?? []),
      ],
      [
        /^\/v1\/projects\/([^/]+)\/services\/([^/]+)$/,
        (m) => {
          const i = seed.projects.findIndex((p) => p.projectId === m[1]);
          if (i < 0) return notFound();
          // GoogleApiServiceusageV1Service (serviceusage/v1): name and parent use the project number.
          const number = 100_000_000_000 + i;
          const service = m[2] ?? "";
          return send(200, {
            name: `projects/${number}/services/${service}`,
            parent: `projects/${number}`,
            config: { name: service, title: service.split(".")[0] },
            state: (seed.enabledServices?.[m[1] ?? ""] ?? []).includes(service) ? "ENABLED" : "DISABLED",
          });
        },
      ],
      [
        /^\/v1\/projects\/([^/]+)\/serviceAccounts$/,
        (m) =>
          page(
            "accounts",
            (seed.serviceAccounts?.[m[1] ?? ""] ?? []).map((a) => a.account),
          ),
      ],
      [
        /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/]+)\/keys$/,
        (m) => {
          const account = (seed.serviceAccounts?.[m[1] ?? ""] ?? []).find((a) => a.account.email === m[2]);
          if (!account) return notFound();
          const types = q.getAll("keyTypes");
          // iam/v1 keys.list: keyTypes is an enum (KEY_TYPE_UNSPECIFIED, USER_MANAGED, SYSTEM_MANAGED).
          const unknownType = types.find(
            (t) => !["KEY_TYPE_UNSPECIFIED", "USER_MANAGED", "SYSTEM_MANAGED"].includes(t),
          );
          if (unknownType) {
            return googleError(
              400,
              `Invalid value at 'key_types' (type.googleapis.com/google.iam.admin.v1.ListServiceAccountKeysRequest.KeyType), "${unknownType}"`,
              "INVALID_ARGUMENT",
            );
          }
          // keys.list has no paging; it filters by keyTypes when given.
          const keys = account.keys.filter((k) => types.length === 0 || types.includes(String(k.keyType)));
          return send(200, keys.length > 0 ? { keys } : {});
        },
      ],
      [
        /^\/compute\/v1\/projects\/([^/]+)\/global\/networks$/,
        (m) =>
          page(
            "items",
            seed.networks?.[m[1] ?? ""] ?? [],
            {
              kind: "compute#networkList",
              id: `projects/${m[1]}/global/networks`,
              selfLink: `https://www.googleapis.com/compute/v1/projects/${m[1]}/global/networks`,
            },
            500,
          ),
      ],
      [
        /^\/v1\/projects\/([^/]+)\/instances$/,
        (m) => page("items", seed.sqlInstances?.[m[1] ?? ""] ?? [], { kind: "sql#instancesList" }),
      ],
      [
        /^\/compute\/v1\/projects\/([^/]+)\/global\/firewalls$/,
        (m) =>
          page(
            "items",
            seed.firewalls?.[m[1] ?? ""] ?? [],
            {
              kind: "compute#firewallList",
              id: `projects/${m[1]}/global/firewalls`,
              selfLink: `https://www.googleapis.com/compute/v1/projects/${m[1]}/global/firewalls`,
            },
            500,
          ),
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
