import { AssayError } from "../../core/errors.js";
import type { AwsApiCall } from "./permissions.js";

/** Error codes AWS services use for "this principal may not do that". */
const DENIED_CODES = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "AuthorizationError",
  "UnauthorizedAccess",
  "AllAccessDisabled",
  "Forbidden",
]);

export type AwsFailureKind = "denied" | "failed";

/** A failed AWS call, classified, with the API and permission it was for. */
export class AwsCallError extends AssayError {
  readonly kind: AwsFailureKind;
  readonly awsCode: string;
  readonly api: string;
  readonly permission: string;

  constructor(kind: AwsFailureKind, awsCode: string, message: string, call: AwsApiCall, cause: unknown) {
    super(kind === "denied" ? "AWS_ACCESS_DENIED" : "AWS_CALL_FAILED", message, { cause });
    this.kind = kind;
    this.awsCode = awsCode;
    this.api = call.api;
    this.permission = call.permission;
  }

  /**
   * The sentence stored in a resource's `unreadable` map. Denials read the same whatever the service's wire
   * code (AccessDeniedException, UnauthorizedOperation, …): `AccessDenied: <the IAM action to grant>`.
   */
  get reason(): string {
    return this.kind === "denied" ? `AccessDenied: ${this.permission}` : `${this.awsCode}: ${this.message}`;
  }
}

/** The service error code of an SDK exception (its `name`), or the Node error code for network failures. */
export function awsErrorCode(err: unknown): string {
  if (err && typeof err === "object") {
    const e = err as { name?: unknown; code?: unknown; Code?: unknown };
    if (typeof e.Code === "string") return e.Code;
    if (typeof e.name === "string" && e.name !== "Error") return e.name;
    if (typeof e.code === "string") return e.code;
  }
  return "UnknownError";
}

function httpStatus(err: unknown): number | undefined {
  const meta = (err as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata;
  return typeof meta?.httpStatusCode === "number" ? meta.httpStatusCode : undefined;
}

export function classifyAwsError(err: unknown, call: AwsApiCall): AwsCallError {
  if (err instanceof AwsCallError) return err;
  const code = awsErrorCode(err);
  const denied = DENIED_CODES.has(code) || (httpStatus(err) === 403 && !code.startsWith("Invalid"));
  const raw = err instanceof Error ? err.message : String(err);
  // Denial messages repeat the caller's ARN; the permission is what a reader needs, so keep the sentence short.
  const message = denied
    ? `${call.api} was denied (${code}); the scanning identity needs ${call.permission}`
    : `${call.api} failed: ${raw.slice(0, 300)}`;
  return new AwsCallError(denied ? "denied" : "failed", code, message, call, err);
}

/** True when the error says the thing read is simply not configured (NoSuchBucketPolicy and friends). */
export function isAbsent(err: unknown, codes: readonly string[]): boolean {
  return codes.includes(awsErrorCode(err));
}
