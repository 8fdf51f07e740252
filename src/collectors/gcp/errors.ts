import { z } from "zod";

/** Why a Google API call failed, in the terms an `error` finding and a collector error need. */
export interface GoogleFailure {
  kind: "denied" | "disabled" | "throttled" | "not-found" | "failed";
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

/** `…does not have storage.buckets.list access…` / `Permission 'cloudkms.keyRings.list' denied…`. */
const PERMISSION_IN_MESSAGE = /(?:have|Permission)\s+'?([a-z]+\.[a-zA-Z]+\.[a-zA-Z]+)\b/;

/** GaxiosError carries the HTTP status and the JSON error body; read both without trusting their shape. */
export function toGoogleFailure(error: unknown, permission: string, scanSignal?: AbortSignal): GoogleFailure {
  if (error instanceof GoogleCallError) return error.failure;
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const where = `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`;
    return { kind: "failed", code: "INVALID_REPLY", message: `INVALID_REPLY: unexpected reply (${where})` };
  }
  const e = error as {
    name?: unknown;
    code?: unknown;
    status?: unknown;
    cause?: { name?: unknown };
    response?: { status?: unknown; data?: unknown };
  };
  // gaxios aborts a call at its timeout through the same signal the scan cancels with; tell them apart.
  const aborted = [e?.name, e?.code, e?.cause?.name].some((n) => n === "AbortError" || n === "TimeoutError");
  if (aborted) {
    return scanSignal && !scanSignal.aborted
      ? { kind: "failed", code: "TIMEOUT", message: "TIMEOUT: no answer within the configured timeout" }
      : { kind: "failed", code: "ABORTED", message: "the scan was cancelled" };
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
  const message = detail?.message ?? (error instanceof Error ? error.message : String(error));
  const code = detail?.status ?? reasons[0] ?? (status ? `HTTP_${status}` : "REQUEST_FAILED");

  if (status === 403 && reasons.some((r) => r === "SERVICE_DISABLED" || r === "accessNotConfigured")) {
    return { kind: "disabled", status, code: "SERVICE_DISABLED", message: `SERVICE_DISABLED: ${message}` };
  }
  if (status === 403 || status === 401) {
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
  return { kind: "failed", status, code, message: `${code}: ${message.split("\n")[0]}` };
}
