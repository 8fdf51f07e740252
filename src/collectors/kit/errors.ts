import { AssayError } from "../../core/errors.js";
import { type CollectorErrorKind, CollectorErrorKindSchema } from "../../core/report.js";
import type { ApiCall } from "./calls.js";

/**
 * Why a call failed, in the terms an auditor acts on. Only `denied` means a permission is missing; the others
 * say the thing is not there, the API pushed back, the network did not answer, the service broke, or the
 * scanner was set up wrongly (bad credentials, a region the account cannot use, a malformed id).
 */
export type ErrorKind = CollectorErrorKind;
export const ERROR_KINDS = CollectorErrorKindSchema.options;

/** What a provider's classifier says about one SDK error. */
export interface Classification {
  kind: ErrorKind;
  /** The wire error code (`AccessDeniedException`, `AuthorizationFailed`) or the Node code (`ECONNREFUSED`). */
  code: string;
  /** HTTP status, when there was a reply. */
  status?: number;
}

/**
 * A provider plugs its SDK's error shapes in here: return a classification for the errors it recognises
 * (service error codes, HTTP statuses of its SDK's exceptions), undefined for the rest. Network failures
 * (DNS, TCP, TLS, timeouts) are recognised by the kit whatever the SDK, so classifiers need not repeat them.
 */
export type ErrorClassifier = (err: unknown) => Classification | undefined;

/** A failed call, classified, with the operation and permission it was for and the raw text kept apart. */
export class CallError extends AssayError {
  readonly kind: ErrorKind;
  /** Wire or Node error code. */
  readonly wireCode: string;
  readonly api: string;
  readonly permission: string;
  /** The SDK's own text (deserialisation notes, request ids): for debugging, never for an auditor's message. */
  readonly debug: string;
  /** Attempts made before giving up. */
  readonly attempts: number;

  constructor(c: Classification, call: ApiCall, debug: string, attempts: number, cause?: unknown) {
    super(`COLLECTOR_${c.kind.toUpperCase()}`, plainMessage(c, call, attempts), { cause });
    this.kind = c.kind;
    this.wireCode = c.code;
    this.api = call.api;
    this.permission = call.permission;
    this.debug = debug;
    this.attempts = attempts;
  }

  /**
   * The sentence stored in a resource's `unreadable` map. Denials read the same whatever the service's wire
   * code: `AccessDenied: <the permission to grant>`; the rest is the plain message.
   */
  get reason(): string {
    return this.kind === "denied" ? `AccessDenied: ${this.permission}` : this.message;
  }

  /** The code a collector error record carries: `AccessDenied` for any denial, else the wire code. */
  get reportCode(): string {
    return this.kind === "denied" ? "AccessDenied" : this.wireCode;
  }
}

function plainMessage(c: Classification, call: ApiCall, attempts: number): string {
  const status = c.status ? `, HTTP ${c.status}` : "";
  switch (c.kind) {
    case "denied":
      return `${call.api} was denied (${c.code}); the scanning identity needs ${call.permission}`;
    case "notFound":
      return `${call.api}: not found (${c.code})`;
    case "throttled":
      return `${call.api} was throttled (${c.code}) and still refused after ${attempts} attempt${attempts === 1 ? "" : "s"}`;
    case "unreachable":
      return `${call.api}: the endpoint could not be reached (${c.code})`;
    case "serviceError":
      return `${call.api}: the service failed to answer (${c.code}${status})`;
    case "invalidConfiguration":
      return `${call.api} was refused because of the scanner's configuration (${c.code}${status})`;
  }
}

/** Node and undici codes of failures below HTTP: nothing answered, so nothing was checked. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ECONNABORTED",
  "TimeoutError",
  "RequestTimeout",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Network failures whose retry can succeed (a keep-alive socket closed under us); DNS or refusal cannot. */
const TRANSIENT_NETWORK_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET"]);

/** The Node error code of a network failure anywhere in the error's cause chain (SDKs wrap them). */
export function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === "object"; depth += 1) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    if (typeof name === "string" && NETWORK_CODES.has(name)) return name;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The kind an HTTP status implies when the provider's classifier did not recognise the error. */
export function kindOfStatus(status: number): ErrorKind | undefined {
  if (status === 401) return "invalidConfiguration";
  if (status === 403) return "denied";
  if (status === 404) return "notFound";
  if (status === 429) return "throttled";
  if (status >= 500) return "serviceError";
  if (status >= 400) return "invalidConfiguration";
  return undefined;
}

function rawText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/**
 * Classify any error thrown by a call: the provider's classifier first, then network failures, then a
 * catch-all `serviceError` (an answer the SDK could not read is the service's fault, not a denial).
 */
export function classify(err: unknown, call: ApiCall, provider: ErrorClassifier, attempts = 1): CallError {
  if (err instanceof CallError) return err;
  const net = networkCode(err);
  const c: Classification = (net ? { kind: "unreachable", code: net } : undefined) ??
    provider(err) ?? { kind: "serviceError", code: errorName(err) };
  return new CallError(c, call, rawText(err), attempts, err);
}

/** True when retrying this failure can help: throttling, a 5xx (once), a dropped keep-alive socket (once). */
export function retryLimit(error: CallError, maxAttempts: number): number {
  switch (error.kind) {
    case "throttled":
      return maxAttempts;
    case "serviceError":
      return Math.min(2, maxAttempts);
    case "unreachable":
      return TRANSIENT_NETWORK_CODES.has(error.wireCode) ? Math.min(2, maxAttempts) : 1;
    default:
      return 1;
  }
}

function errorName(err: unknown): string {
  if (err && typeof err === "object") {
    const { name, code } = err as { name?: unknown; code?: unknown };
    if (typeof code === "string") return code;
    if (typeof name === "string" && name !== "Error") return name;
  }
  return "UnknownError";
}
