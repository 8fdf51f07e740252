import { z } from "zod";

/**
 * What kind of failure a Google API call met. Only `denied` names a missing permission; the others say
 * what happened in the reader's terms:
 * - `denied`: 403 (the permission the API named, else the one the call needs);
 * - `disabled`: 403 SERVICE_DISABLED, the API is off in that project (nothing of its kind can exist there);
 * - `not-found`: 404;
 * - `throttled`: 429 after the allowed retries;
 * - `unreachable`: no HTTP answer (DNS, TCP, TLS) or none within `timeoutSeconds`;
 * - `service-error`: 5xx, 501, or a reply Assay cannot read;
 * - `invalid-configuration`: 400 or 401, the request or the credentials as configured were refused;
 * - `cancelled`: the scan was stopped.
 */
export type GoogleFailureKind =
  | "denied"
  | "disabled"
  | "not-found"
  | "throttled"
  | "unreachable"
  | "service-error"
  | "invalid-configuration"
  | "cancelled";

/** Why a Google API call failed, in the terms an `error` finding and a collector error need. */
export interface GoogleFailure {
  kind: GoogleFailureKind;
  status?: number;
  code: string;
  message: string;
  permission?: string;
}

export class GoogleCallError extends Error {
  readonly failure: GoogleFailure;
  constructor(failure: GoogleFailure) {
    super(failure.message);
    this.name = "GoogleCallError";
    this.failure = failure;
  }
}

const GoogleErrorBodySchema = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    errors: z.array(z.object({ reason: z.string().optional() })).optional(),
    details: z
      .array(
        z.object({ reason: z.string().optional(), metadata: z.record(z.string(), z.string()).optional() }),
      )
      .optional(),
  }),
});

/** Node and undici codes for "no HTTP answer at all": name resolution, connection, TLS. */
const NETWORK_CODES =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EPIPE|ECONNABORTED|UND_ERR_\w+|ERR_TLS_\w+|CERT_\w+|UNABLE_TO_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_SSL_\w+)$/;

/** `…does not have storage.buckets.list access…` / `Permission 'cloudkms.keyRings.list' denied…`. */
const PERMISSION_IN_MESSAGE = /(?:have|Permission)\s+'?([a-z]+\.[a-zA-Z]+\.[a-zA-Z]+)\b/;

/** GaxiosError carries the HTTP status and the JSON error body; read both without trusting their shape. */
export function toGoogleFailure(error: unknown, permission: string, scanSignal?: AbortSignal): GoogleFailure {
  if (error instanceof GoogleCallError) return error.failure;
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const where = `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`;
    return {
      kind: "service-error",
      code: "INVALID_REPLY",
      message: `INVALID_REPLY: unexpected reply (${where})`,
    };
  }
  const e = error as {
    name?: unknown;
    code?: unknown;
    status?: unknown;
    cause?: { name?: unknown; code?: unknown };
    config?: { url?: unknown };
    response?: { status?: unknown; data?: unknown };
  };
  // gaxios aborts a call at its timeout through the same signal the scan cancels with; tell them apart.
  const aborted = [e?.name, e?.code, e?.cause?.name].some((n) => n === "AbortError" || n === "TimeoutError");
  if (aborted) {
    return scanSignal && !scanSignal.aborted
      ? { kind: "unreachable", code: "TIMEOUT", message: "TIMEOUT: no answer within the configured timeout" }
      : { kind: "cancelled", code: "ABORTED", message: "the scan was cancelled" };
  }
  const networkCode = [e?.code, e?.cause?.code].find(
    (c): c is string => typeof c === "string" && NETWORK_CODES.test(c),
  );
  if (networkCode && !e?.response) {
    return {
      kind: "unreachable",
      code: "UNREACHABLE",
      message: `UNREACHABLE: no answer from ${hostOf(e?.config?.url)} (${networkCode})`,
    };
  }
  const status =
    typeof e?.response?.status === "number"
      ? e.response.status
      : typeof e?.status === "number"
        ? e.status
        : undefined;
  const body = GoogleErrorBodySchema.safeParse(e?.response?.data);
  const detail = body.success ? body.data.error : undefined;
  const reasons = [
    ...(detail?.details ?? []).map((d) => d.reason),
    ...(detail?.errors ?? []).map((d) => d.reason),
  ].filter((r): r is string => !!r);
  // A body that is not a Google error (an HTML page from a proxy) is not shown: only its status.
  const message =
    detail?.message ??
    (status
      ? `HTTP ${status} from ${hostOf(e?.config?.url)}`
      : error instanceof Error
        ? error.message
        : String(error));
  const code = detail?.status ?? reasons[0] ?? (status ? `HTTP_${status}` : "REQUEST_FAILED");

  if (status === 403 && reasons.some((r) => r === "SERVICE_DISABLED" || r === "accessNotConfigured")) {
    return { kind: "disabled", status, code: "SERVICE_DISABLED", message: `SERVICE_DISABLED: ${message}` };
  }
  if (status === 401) {
    return {
      kind: "invalid-configuration",
      status,
      code: "UNAUTHENTICATED",
      message: "UNAUTHENTICATED: the configured credentials were not accepted",
    };
  }
  if (status === 403) {
    const named =
      (detail?.details ?? []).map((d) => d.metadata?.permission).find((p): p is string => !!p) ??
      PERMISSION_IN_MESSAGE.exec(message)?.[1];
    const denied = named ?? permission;
    return {
      kind: "denied",
      status,
      code: "PERMISSION_DENIED",
      message: `PERMISSION_DENIED: ${denied}`,
      permission: denied,
    };
  }
  if (status === 429)
    return {
      kind: "throttled",
      status,
      code: "RESOURCE_EXHAUSTED",
      message: "RESOURCE_EXHAUSTED: throttled after retries",
    };
  if (status === 404)
    return { kind: "not-found", status, code: "NOT_FOUND", message: `NOT_FOUND: ${message}` };
  const firstLine = message.split("\n")[0];
  if (status === 400) {
    return { kind: "invalid-configuration", status, code, message: `${code}: ${firstLine}` };
  }
  return { kind: "service-error", status, code, message: `${code}: ${firstLine}` };
}

function hostOf(url: unknown): string {
  try {
    return new URL(String(url)).host || "the API";
  } catch {
    return "the API";
  }
}
